"""Where the package's data folders live: inside the wheel, or at the repository root in a checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["data_dir", "form_defs_dir", "templates_dir", "widgets_dir"]

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """Return the folder ``name`` (``templates``, ``widgets`` or ``form_defs``).

    An installed wheel carries them under ``shenbao/_data/``; an editable install reads them from the
    repository root, two levels above this package (``platform/shenbao``).
    """
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"shenbao's {name}/ folder is missing: reinstall the package (pip install shenbao)"
    )


def templates_dir() -> Path:
    return data_dir("templates")


def widgets_dir() -> Path:
    return data_dir("widgets")


def form_defs_dir() -> Path:
    return data_dir("form_defs")
