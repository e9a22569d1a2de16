"""What the budget scripts share: the answer set, a migrated temp database, statistics and the report table.

Every script prints a small table (measure, figure, budget, PASS/FAIL) and exits 0 even when a budget fails:
the scripts report, they do not gate. ``--strict`` makes a failed budget exit 1; ``--json PATH`` also writes
the rows as JSON (``run_all.py`` collects them for the README summary).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from shenbao.forms.identity import check_char
from shenbao.settings import Settings

# Piccolo's start-up banner and httpx's line per request would clutter the tables.
for _logger in ("piccolo", "httpx"):
    logging.getLogger(_logger).setLevel(logging.WARNING)

FORM_ID = "gansu-zizhu-2021"
BASE = f"/f/{FORM_ID}"
SECRET = "bench-secret-key-of-at-least-32-characters"
"""The platform's secret (``SHENBAO_SECRET_KEY``) in every benchmark, so a benchmark can sign a guide mark."""


def guide_read() -> dict[str, str]:
    """The cookie of a phone that opened the 2021 guide a minute ago, signed as the platform signs it.

    The server keeps the guide's 60-second wait: without this, a phone with no draft is shown the guide
    instead of a section page. With it, the section page is the first visit a farmer gets after the guide.
    """
    from shenbao.web.farmer.guide_wait import GUIDE_COOKIE, sign_mark

    return {GUIDE_COOKIE: sign_mark(SECRET, FORM_ID, opened=time.time() - 61)}


def id_number(region: str, born: str, serial: str) -> str:
    """A valid resident identity number (right check digit)."""
    first17 = region + born + serial
    return first17 + check_char(first17)


def full_answers_2021() -> dict[str, Any]:
    """A complete, valid 2021 declaration that makes the rules work hard.

    A village cadre applies for a household (proxy: questions 2 and 3 shown), several situations ticked at
    question 9 (chronic illness, a disability, a student, a disaster: questions 35 and 37 to 43 shown), members in
    every age group (questions 15 to 19 shown, question 13's total check runs over all five), a student (20,
    21), medical costs not reimbursed (39).
    """
    return {
        "q1": "proxy",
        "q2": "cadre",
        "q3": {"name": "王五", "id_number": id_number("620102", "19700315", "041"), "phone": "13912345678"},
        "q4": {"name": "张三", "id_number": id_number("620102", "19580101", "123"), "phone": "13800138000"},
        "q5": "agri",
        "q6": "620102001001",
        "q7": {"lat": 36.0611, "lng": 103.8343, "accuracy": 35},
        "q8": "yes",
        "q9": ["chronic", "disabled_2", "student_high", "left_elderly", "disaster"],
        "q11": ["illness", "disability", "schooling", "disaster"],
        "q12": "去年冰雹把庄稼打坏了，老人常年吃药，孩子还在上高中。",
        "q13": 7,
        "q14": ["over_60", "age_18_60", "age_16_18", "age_6_16", "under_6"],
        "q15": 2,
        "q16": 2,
        "q17": 1,
        "q18": 1,
        "q19": 1,
        "q20": "yes",
        "q21": ["grade9", "high_school"],
        "q23": "no",
        "q24": "no",
        "q25": "b",
        "q26": "no",
        "q27": "no",
        "q28": "no",
        "q29": "no",
        "q30": "no",
        "q31": "no",
        "q32": ["cistern", "well"],
        "q33": "under_20k",
        "q34": "yes",
        "q35": "yes",
        "q36": ["dibao_3"],
        "q37": "10k_20k",
        "q38": "no",
        "q39": "yes",
        "q40": "5k_10k",
        "q41": "under_5k",
        "q42": "5k_10k",
        "q43": "10k_20k",
        "q44": "no",
        "q45": {"file": "0" * 64, "type": "image/png"},
        "q46": {"file": "1" * 64, "type": "image/jpeg"},
    }


def migrated_settings(data_dir: Path) -> Settings:
    """Settings over a fresh, migrated SQLite file in ``data_dir`` (as ``tests/web/conftest.py`` does)."""
    from shenbao import store
    from shenbao.privacy.keyring import Keyring

    settings = Settings(
        database_url=f"sqlite:///{data_dir / 'bench.db'}",
        data_dir=data_dir,
        secret_key=SECRET,
        keys=Keyring.generate("bench"),
    )

    asyncio.run(store.migrate_url(settings.database_url))
    return settings


def temp_dir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="shenbao-bench-")


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of ``samples`` (``fraction`` 0.95 for p95)."""
    ordered = sorted(samples)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


@dataclass(frozen=True)
class Row:
    """One line of a report: a figure and, when it is a budget, the budget and whether it holds."""

    measure: str
    figure: str
    budget: str = ""
    passed: bool | None = None  # None: reported for information, not a budget

    @property
    def verdict(self) -> str:
        return "" if self.passed is None else ("PASS" if self.passed else "FAIL")


def arguments(
    description: str, extra: Callable[[argparse.ArgumentParser], None] | None = None
) -> argparse.Namespace:
    """The options every script takes; ``extra`` adds a script's own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a budget fails")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON to PATH")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    parser.add_argument(
        "--profile", action="store_true", help="always show where the time goes (shown anyway on FAIL)"
    )
    if extra is not None:
        extra(parser)
    return parser.parse_args()


def table(rows: Sequence[Row]) -> str:
    header = ("measure", "figure", "budget", "result")
    cells = [header, *((row.measure, row.figure, row.budget, row.verdict) for row in rows)]
    widths = [max(_width(cell[column]) for cell in cells) for column in range(4)]
    lines = []
    for index, cell in enumerate(cells):
        lines.append("  ".join(_pad(text, width) for text, width in zip(cell, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


@dataclass(frozen=True)
class Table:
    """A secondary table of a report, printed after the main one and its notes."""

    title: str
    rows: Sequence[Row]
    notes: Sequence[str] = ()


def report(
    title: str,
    rows: Sequence[Row],
    args: argparse.Namespace,
    notes: Sequence[str] = (),
    more: Sequence[Table] = (),
    summary: Sequence[str] = (),
) -> int:
    """Print the table (and notes), then any secondary ``more`` tables; write the JSON if asked.

    The JSON holds the rows of every table (the secondary ones after the main one), every note, and
    ``summary``: the few lines ``run_all.py`` repeats under its Markdown table. The exit code is 1 only with
    ``--strict`` and a failed budget.
    """
    print(f"\n## {title}\n")
    print(table(rows))
    for note in notes:
        print(note)
    for extra in more:
        print(f"\n### {extra.title}\n")
        print(table(extra.rows))
        for note in extra.notes:
            print(note)
    every_row = [*rows, *(row for extra in more for row in extra.rows)]
    every_note = [*notes, *(note for extra in more for note in extra.notes)]
    failed = any(row.passed is False for row in every_row)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "title": title,
                    "rows": [asdict(row) for row in every_row],
                    "notes": every_note,
                    "summary": list(summary),
                },
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
    sys.stdout.flush()
    return 1 if failed and args.strict else 0


def ms(nanoseconds: float) -> str:
    return f"{nanoseconds / 1e6:.3f} ms"
