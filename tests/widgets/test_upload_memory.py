"""16 simultaneous uploads keep the process within a stated memory ceiling (``bench/uploads.py`` measures it).

Each scenario runs in a process of its own, as the benchmark runs it; the ceiling is the benchmark's
(``CEILING_MB`` above the process's memory before the uploads). Loose on purpose: before the decoding was
bounded, 16 copies of the issue's 38 KB PNG took 4 GB.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    sys.path.insert(0, str(BENCH))
    try:
        yield importlib.import_module("uploads")
    finally:
        sys.path.remove(str(BENCH))


@pytest.fixture(scope="module")
def pictures(bench: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pictures")
    bench.make_pictures(folder, floods=False)
    return folder


@pytest.mark.parametrize("scenario", ["png-bomb", "largest-accepted"])
def test_sixteen_simultaneous_uploads_stay_under_the_ceiling(
    bench: ModuleType, pictures: Path, scenario: str
) -> None:
    figures = bench.run_scenario(scenario, pictures)
    rise = figures["peak_mb"] - figures["baseline_mb"]
    assert rise < bench.CEILING_MB, figures
    expected = {"png-bomb": {"422": 16}, "largest-accepted": {"200": 16}}[scenario]
    assert figures["statuses"] == expected  # the bomb refused at its header; the largest accepted all kept
