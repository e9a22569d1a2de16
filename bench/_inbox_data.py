"""A province's worth of applications for the inbox benchmark: generated rows and a bulk load into PostgreSQL.

The rows look like Gansu's after a few years of the one-click form: spread over the province's 17,718 villages
(unevenly: each village gets a random weight), 70% on the 2023 form and 30% on the 2021 questionnaire, with
their real answers' shape (names, identity numbers, the 2021 form's long answer set) and a stored workflow
state with its history. About 5% are still open (submitted in the last six weeks, at every step of their
chain, deadlines from a few days past to a few weeks ahead); the rest are finished, 60% approved and 40%
refused at the village, township or county. 3% are green-channel cases (a disaster or an accident in the
answers); a quarter of the 2021 applications are flagged (the questionnaire's question 49).

The load is what a bulk load should be: the table's secondary indexes are dropped, the rows are streamed in
with COPY (asyncpg's binary ``copy_records_to_table``), the indexes are recreated from their own definitions,
and the table is vacuumed and analysed.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg

from _common import full_answers_2021, id_number
from shenbao.china_time import to_china
from shenbao.pack_runtime import Packs
from shenbao.store.receipts import check_digit

COLUMNS = (
    "receipt_number",
    "form_id",
    "form_version",
    "status",
    "flags",
    "outcome_id",
    "answers",
    "region_code",
    "created_at",
    "updated_at",
    "workflow_state",
    "deadline",
    "green",
)
FORM_2023 = "gansu-yijian-2023"
FORM_2021 = "gansu-zizhu-2021"
_STEPS = {
    FORM_2023: ("household_check", "check_answer", "village_review", "township_review", "county_approval"),
    FORM_2021: ("household_check", "check_answer", "village_review", "township_check", "county_decision"),
}
_LAST_STEP = {FORM_2023: "national_entry", FORM_2021: "county_decision"}
_OPEN_STEP_WEIGHTS = (40, 15, 15, 15, 15)
_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
_GIVEN = "建国志强秀英桂兰玉兰明华文军永红海燕春梅小平金花国庆德明淑珍俊杰彩霞成林学文丽娟"
_UTC = dt.UTC


@dataclass(frozen=True)
class Generated:
    """What was loaded: the row count and how many of each kind, for the report."""

    rows: int
    open: int
    green: int
    flagged: int
    overdue: int
    villages: int


def villages() -> list[str]:
    """Gansu's village codes from the installed division data (12 digits under 62)."""
    return [
        division.code for division in Packs.load(["gansu"])["gansu"].divisions if len(division.code) == 12
    ]


def _name(rng: random.Random) -> str:
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(_SURNAMES) + given


class RowMaker:
    """Makes the rows, reproducibly from ``seed``, as of ``today`` (China)."""

    def __init__(self, today: dt.date, seed: int = 20231) -> None:
        self.today = today
        self.rng = random.Random(seed)
        self.villages = villages()
        weights = [self.rng.lognormvariate(0, 0.6) for _ in self.villages]
        total = 0.0
        self.cumulative = []
        for weight in weights:
            total += weight
            self.cumulative.append(total)
        self._per_day: dict[str, int] = {}
        template = full_answers_2021()
        template.pop("q2")
        template.pop("q3")
        template["q1"] = "self"
        self._answers_2021 = template
        self.counts = {"open": 0, "green": 0, "flagged": 0, "overdue": 0}

    def rows(self, count: int) -> Iterator[tuple[Any, ...]]:
        """``count`` rows in :data:`COLUMNS` order, in a random order of regions and dates."""
        regions = self.rng.choices(self.villages, cum_weights=self.cumulative, k=count)
        for region in regions:
            yield self._row(region)

    def _receipt(self, created: dt.datetime) -> str:
        day = to_china(created).strftime("%y%m%d")
        serial = self._per_day.get(day, 0)
        self._per_day[day] = serial + 1
        body = f"{day}{serial:05d}"
        return body + check_digit(body)

    def _row(self, region: str) -> tuple[Any, ...]:
        rng = self.rng
        form_id = FORM_2023 if rng.random() < 0.7 else FORM_2021
        is_open = rng.random() < 0.05
        green = rng.random() < 0.03
        flagged = form_id == FORM_2021 and rng.random() < 0.25
        days_ago = rng.randint(0, 42) if is_open else rng.randint(30, 3 * 365)
        submitted_on = self.today - dt.timedelta(days=days_ago)
        created = dt.datetime.combine(submitted_on, dt.time(rng.randint(0, 23), rng.randint(0, 59)), _UTC)
        name = _name(rng)
        born = f"{rng.randint(1940, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        identity = id_number(region[:6], born, f"{rng.randint(0, 999):03d}")
        answers = self._answers(form_id, region, name, identity, green)
        steps = _STEPS[form_id]
        deadline: dt.date | None = None
        if is_open:
            status = "submitted" if rng.random() < 0.4 else "in_progress"
            step = steps[0] if status == "submitted" else rng.choices(steps, weights=_OPEN_STEP_WEIGHTS)[0]
            deadline = self.today + dt.timedelta(days=rng.randint(-3, 14))
            self.counts["open"] += 1
            self.counts["overdue"] += deadline < self.today
        elif rng.random() < 0.6:
            status, step = "approved", _LAST_STEP[form_id]
        else:
            status = "refused"
            step = rng.choices((steps[1], steps[3], steps[4]), weights=(60, 20, 20))[0]
        self.counts["green"] += green
        self.counts["flagged"] += flagged
        state = self._state(form_id, region, submitted_on, step, deadline, status, green)
        updated = created + dt.timedelta(days=min(days_ago, rng.randint(0, 20)))
        return (
            self._receipt(created),
            form_id,
            1,
            status,
            '["policy_mismatch"]' if flagged else "[]",
            "q49" if flagged else None,
            answers,
            region,
            created,
            updated,
            state,
            deadline,
            green,
        )

    def _answers(self, form_id: str, region: str, name: str, identity: str, green: bool) -> str:
        phone = f"1{self.rng.choice('3578')}{self.rng.randint(0, 999_999_999):09d}"
        if form_id == FORM_2023:
            hardship = ["disaster"] if green else self.rng.choice((["illness"], ["income"], []))
            answers: dict[str, Any] = {
                "name": name,
                "id_number": identity,
                "phone": phone,
                "address": region,
                "hardship": hardship,
                "consent": "yes",
            }
        else:
            answers = dict(self._answers_2021)
            answers["q4"] = {"name": name, "id_number": identity, "phone": phone}
            answers["q6"] = region
            answers["q11"] = ["illness", "disaster"] if green else ["illness", "schooling"]
        return json.dumps(answers, ensure_ascii=False)

    def _state(
        self,
        form_id: str,
        region: str,
        submitted_on: dt.date,
        step: str,
        deadline: dt.date | None,
        status: str,
        green: bool,
    ) -> str:
        chain = form_id
        history = [
            {"action": "submit", "step": "household_check", "actor": "applicant", "on": str(submitted_on)}
        ]
        steps = [*_STEPS[form_id], _LAST_STEP[form_id]]
        for index, done in enumerate(steps[: steps.index(step)]):
            action = "record_check" if index == 0 else "pass_up"
            history.append({"action": action, "step": done, "actor": "handler", "on": str(submitted_on)})
        if status == "refused":
            history.append(
                {
                    "action": "refuse",
                    "step": step,
                    "actor": "handler",
                    "on": str(submitted_on),
                    "text": "家庭收入高于标准",
                }
            )
        state = {
            "chain": chain,
            "region": region,
            "submitted_on": str(submitted_on),
            "step": step,
            "step_started_on": str(submitted_on),
            "due_on": None if deadline is None else str(deadline),
            "final_due_on": str(submitted_on + dt.timedelta(days=21)),
            "status": "in_progress" if status == "submitted" else status,
            "green": green,
            "history": history,
        }
        return json.dumps(state, ensure_ascii=False)


async def load(url: str, count: int, today: dt.date) -> Generated:
    """Load ``count`` generated applications into the (migrated, empty) database at ``url``.

    The rows are made as COPY consumes them, so the server stores one batch while the next is made.
    """
    maker = RowMaker(today)
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("SET maintenance_work_mem = '256MB'")  # this session's index builds only
        indexes = await connection.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'application' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
        for index in indexes:
            await connection.execute(f'DROP INDEX "{index["indexname"]}"')
        await connection.copy_records_to_table("application", records=maker.rows(count), columns=COLUMNS)
        for index in indexes:
            await connection.execute(index["indexdef"])
        await connection.execute("VACUUM ANALYZE application")
    finally:
        await connection.close()
    return Generated(rows=count, villages=len(maker.villages), **maker.counts)
