"""Nothing in the platform's code names a province: everything a province has is found through its pack."""

from __future__ import annotations

import re
from pathlib import Path

from shenbao.paths import templates_dir, widgets_dir

_PACKAGE = Path(__file__).resolve().parents[1] / "platform" / "shenbao"
_NAMES = re.compile(r"gansu|甘肃|兰州|城关|宁夏|ningxia", re.IGNORECASE)
"""The shipped packs' provinces and the demo's places, as code or prose would name them."""


def _platform_files() -> list[Path]:
    roots = (_PACKAGE, templates_dir(), widgets_dir())
    return sorted(
        path
        for root in roots
        for path in root.rglob("*")
        if path.is_file() and path.suffix in {".py", ".html", ".js", ".css", ".txt", ".json"}
    )


def test_the_platform_is_found_where_the_test_looks() -> None:
    files = _platform_files()
    assert any(path.name == "plugin.py" for path in files) and any(path.suffix == ".html" for path in files)


def test_no_platform_file_names_a_province() -> None:
    found = [
        f"{path}:{number}: {line.strip()}"
        for path in _platform_files()
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
        if _NAMES.search(line)
    ]
    assert found == [], "platform code names a province; say it of a pack instead:\n" + "\n".join(found)
