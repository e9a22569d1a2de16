"""requirements.lock pins every package the README's commands install, and must keep satisfying pyproject.toml.

The lock is made by ``uv pip compile`` (README, "Pinned installs"); both README commands and ``.ci/run`` install
with ``-c requirements.lock``. These tests fail, naming the package and the command that fixes it, when a change
to ``pyproject.toml`` was not followed by updating the lock, or when the environment was installed without it.
"""

from __future__ import annotations

import importlib.metadata
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCK_FILE = "requirements.lock"
UPDATE_COMMAND = ".venv/bin/uv pip compile pyproject.toml --all-extras --universal --python-version 3.11 -o requirements.lock"
DEMO_COMMAND = (
    "python3 -m venv .venv && .venv/bin/pip install -c requirements.lock -e . && .venv/bin/shenbao demo"
)
TEST_COMMAND = "python3 -m venv .venv && .venv/bin/pip install -c requirements.lock -e '.[test]' && .venv/bin/python -m pytest"
INSTALL_COMMAND = ".venv/bin/pip install -c requirements.lock -e '.[test]'"
_FIX = f"run `{UPDATE_COMMAND}` and commit {LOCK_FILE}"


@dataclass(frozen=True, slots=True)
class Pin:
    """One line of the lock: ``name==version``, maybe with environment markers."""

    name: NormalizedName
    version: Version
    marker: Marker | None
    line: int


def parse_lock(text: str) -> tuple[dict[NormalizedName, list[Pin]], list[str]]:
    """The pins of a lock file by canonical name, and the problems of the lines that are not exact pins.

    Args:
        text: the lock file's text (comments, ``# via`` lines and blank lines are skipped).

    Returns:
        Each name's pins (more than one is a problem the caller reports) and one message per bad line.
    """
    pins: dict[NormalizedName, list[Pin]] = {}
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            problems.append(f"{LOCK_FILE} line {number}: `{line}` is not a package pin; {_FIX}")
            continue
        specifiers = list(requirement.specifier)
        if requirement.url or requirement.extras or len(specifiers) != 1 or specifiers[0].operator != "==":
            problems.append(
                f"{LOCK_FILE} line {number}: {requirement.name} is not pinned to one version (`{line}`); "
                f"a lock pins `name==version` only: {_FIX}"
            )
            continue
        name = canonicalize_name(requirement.name)
        pin = Pin(name, Version(specifiers[0].version), requirement.marker, number)
        pins.setdefault(name, []).append(pin)
    return pins, problems


def _groups(project: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """The project's requirement lists: the base dependencies, then each extra, with a name for messages."""
    groups = [("the dependencies", list(project.get("dependencies", [])))]
    for extra, requirements in project.get("optional-dependencies", {}).items():
        groups.append((f"the `{extra}` extra", list(requirements)))
    return groups


def lock_problems(project: Mapping[str, Any], lock_text: str) -> list[str]:
    """Every way the lock fails the project's requirements, one message each, naming the package and the fix.

    Args:
        project: the ``[project]`` table of ``pyproject.toml``.
        lock_text: the lock file's text.

    Returns:
        No message when every requirement of the base dependencies and of every extra has exactly one pin,
        inside its version range and for this machine's environment, and every line is an exact pin.
    """
    pins, problems = parse_lock(lock_text)
    for name, found in sorted(pins.items()):
        if len(found) > 1:
            lines = ", ".join(str(pin.line) for pin in found)
            problems.append(f"{name} is pinned more than once in {LOCK_FILE} (lines {lines}); {_FIX}")
    own_name = canonicalize_name(project["name"])
    extras = set(project.get("optional-dependencies", {}))
    for group, requirements in _groups(project):
        for text in requirements:
            requirement = Requirement(text)
            name = canonicalize_name(requirement.name)
            if name == own_name:
                problems.extend(
                    f"{group} names `{text}`, but pyproject.toml has no `{extra}` extra"
                    for extra in sorted(requirement.extras - extras)
                )
                continue
            if name not in pins:
                problems.append(f"{requirement.name} ({group}: `{text}`) has no pin in {LOCK_FILE}; {_FIX}")
                continue
            for pin in pins[name]:
                if not requirement.specifier.contains(pin.version, prereleases=True):
                    problems.append(
                        f"{requirement.name} is pinned at {pin.version} in {LOCK_FILE} (line {pin.line}), "
                        f"outside `{requirement.specifier}` ({group}: `{text}`); {_FIX}"
                    )
            applies = requirement.marker is None or requirement.marker.evaluate({"extra": ""})
            if applies and not any(pin.marker is None or pin.marker.evaluate() for pin in pins[name]):
                only = " or ".join(f"`{pin.marker}`" for pin in pins[name])
                problems.append(
                    f"{requirement.name} ({group}) is pinned only where {only}, not on this machine; {_FIX}"
                )
    return problems


def installed_closure(project: str, extras: Sequence[str]) -> dict[NormalizedName, str]:
    """Every distribution the installed project pulls in with those extras here, by the installed metadata.

    Args:
        project: the installed project's name.
        extras: the extras it was installed with.

    Returns:
        Each reached distribution's canonical name and installed version (``""`` when it is not installed),
        the project itself left out.
    """
    found: dict[NormalizedName, str] = {}
    visited: set[tuple[NormalizedName, str]] = set()
    queue: list[tuple[str, frozenset[str]]] = [(project, frozenset(extras))]
    while queue:
        name, wanted = queue.pop()
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            found[canonicalize_name(name)] = ""
            continue
        for text in distribution.requires or []:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is not None and not any(marker.evaluate({"extra": extra}) for extra in {"", *wanted}):
                continue
            key = canonicalize_name(requirement.name)
            for extra in {"", *requirement.extras}:
                if (key, extra) not in visited:
                    visited.add((key, extra))
                    queue.append((requirement.name, frozenset({extra} - {""})))
        if canonicalize_name(name) != canonicalize_name(project):
            found[canonicalize_name(name)] = distribution.version
    return found


def _project() -> dict[str, Any]:
    project: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return project


def _lock_text() -> str:
    return (ROOT / LOCK_FILE).read_text(encoding="utf-8")


def test_the_lock_satisfies_pyproject() -> None:
    problems = lock_problems(_project(), _lock_text())
    assert not problems, "\n".join(problems)


def test_this_environment_is_the_locked_one() -> None:
    """What the README's test command installed is exactly the lock's versions, transitive packages included."""
    pins, _ = parse_lock(_lock_text())
    problems = []
    for name, version in sorted(installed_closure(_project()["name"], ["test"]).items()):
        if name not in pins:
            problems.append(f"{name} is installed as a dependency but has no pin in {LOCK_FILE}; {_FIX}")
        elif not version:
            problems.append(f"{name} is not installed: run `{INSTALL_COMMAND}`")
        elif all(Version(version) != pin.version for pin in pins[name]):
            locked = " or ".join(str(pin.version) for pin in pins[name])
            problems.append(
                f"{name} is installed at {version}, the lock says {locked}: run `{INSTALL_COMMAND}`"
            )
    assert not problems, "\n".join(problems)


def test_the_lock_says_how_it_was_made_and_the_readme_and_ci_use_it() -> None:
    header = _lock_text().split("\n", 2)[:2]
    assert header[1].strip("# ") == UPDATE_COMMAND.removeprefix(".venv/bin/"), (
        f"{LOCK_FILE}'s header names another command than the README's: {_FIX}"
    )
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in (DEMO_COMMAND, TEST_COMMAND, UPDATE_COMMAND):
        assert command in readme, f"README.md no longer shows `{command}`"
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert TEST_COMMAND in ci_lines, (
        ".ci/run must run exactly the README's test command, on a line of its own"
    )


_PROJECT = {
    "name": "shenbao",
    "dependencies": ["litestar[jinja]>=2.25,<3", "msgspec>=0.22", "tzdata; sys_platform == 'win32'"],
    "optional-dependencies": {
        "aliyun": ["alibabacloud_dysmsapi20170525>=4.6,<5"],
        "test": ["shenbao[aliyun]", "pytest>=9"],
    },
}
_GOOD_LOCK = """\
# This file was autogenerated by uv via the following command:
#    uv pip compile pyproject.toml --all-extras --universal --python-version 3.11 -o requirements.lock
alibabacloud-dysmsapi20170525==4.6.1
    # via shenbao (pyproject.toml)
litestar==2.25.0
msgspec==0.23.0  # a comment after a pin
pytest==9.1.0
tzdata==2026.6 ; sys_platform == 'win32'
"""


def test_a_good_lock_has_no_problem() -> None:
    assert lock_problems(_PROJECT, _GOOD_LOCK) == []


@pytest.mark.parametrize(
    ("lock", "expected"),
    [
        pytest.param(
            _GOOD_LOCK.replace("msgspec==0.23.0  # a comment after a pin\n", ""),
            ["msgspec (the dependencies: `msgspec>=0.22`) has no pin in requirements.lock"],
            id="missing-package",
        ),
        pytest.param(
            _GOOD_LOCK.replace("alibabacloud-dysmsapi20170525==4.6.1", ""),
            ["alibabacloud_dysmsapi20170525 (the `aliyun` extra: `alibabacloud_dysmsapi20170525>=4.6,<5`)"],
            id="missing-package-of-an-extra",
        ),
        pytest.param(
            _GOOD_LOCK.replace("litestar==2.25.0", "litestar==3.0.0"),
            [
                "litestar is pinned at 3.0.0 in requirements.lock (line 5), outside `<3,>=2.25` "
                "(the dependencies: `litestar[jinja]>=2.25,<3`)"
            ],
            id="pin-above-the-range",
        ),
        pytest.param(
            _GOOD_LOCK.replace("pytest==9.1.0", "pytest==8.4.2"),
            [
                "pytest is pinned at 8.4.2 in requirements.lock (line 7), outside `>=9` (the `test` extra: `pytest>=9`)"
            ],
            id="pin-below-the-range",
        ),
        pytest.param(
            _GOOD_LOCK + "msgspec==0.22.0\n",
            ["msgspec is pinned more than once in requirements.lock (lines 6, 9)"],
            id="pinned-twice",
        ),
        pytest.param(
            _GOOD_LOCK + "PyTest==9.1.0\n",
            ["pytest is pinned more than once in requirements.lock (lines 7, 9)"],
            id="pinned-twice-under-another-spelling",
        ),
        pytest.param(
            _GOOD_LOCK.replace("msgspec==0.23.0", "msgspec>=0.22"),
            [
                "requirements.lock line 6: msgspec is not pinned to one version (`msgspec>=0.22`)",
                "msgspec (the dependencies: `msgspec>=0.22`) has no pin in requirements.lock",
            ],
            id="a-range-instead-of-a-pin",
        ),
        pytest.param(
            _GOOD_LOCK + "-e .\n",
            ["requirements.lock line 9: `-e .` is not a package pin"],
            id="not-a-requirement",
        ),
        pytest.param(
            _GOOD_LOCK.replace("msgspec==0.23.0", "msgspec==0.23.0 ; sys_platform == 'win32'"),
            [
                'msgspec (the dependencies) is pinned only where `sys_platform == "win32"`, not on this machine'
            ],
            id="pinned-for-another-platform-only",
        ),
    ],
)
def test_a_broken_lock_names_the_package_and_the_fix(lock: str, expected: list[str]) -> None:
    problems = lock_problems(_PROJECT, lock)
    assert len(problems) == len(expected), problems
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(start), problem
        assert problem.endswith(f"run `{UPDATE_COMMAND}` and commit requirements.lock"), problem


def test_an_extra_the_project_lacks_is_named() -> None:
    project = {**_PROJECT, "optional-dependencies": {"test": ["shenbao[aliyun]", "pytest>=9"]}}
    lock = _GOOD_LOCK.replace("alibabacloud-dysmsapi20170525==4.6.1", "")
    assert lock_problems(project, lock) == [
        "the `test` extra names `shenbao[aliyun]`, but pyproject.toml has no `aliyun` extra"
    ]


def test_the_installed_closure_follows_extras_and_markers() -> None:
    closure = installed_closure("shenbao", ["test"])
    # litestar[jinja] brings jinja2; uvicorn[standard] brings httptools; the test extra brings the aliyun one.
    expected = {"litestar", "jinja2", "uvicorn", "httptools", "pytest", "alibabacloud-dysmsapi20170525"}
    assert expected <= set(closure)
    assert "shenbao" not in closure
    # pytest needs exceptiongroup only before Python 3.11: a requirement whose marker does not hold here is not
    # followed (tzdata, which tzlocal needs only on Windows, now comes with pendulum everywhere).
    assert "pytest" in closure
    assert "exceptiongroup" not in closure
    assert set(installed_closure("shenbao", [])).isdisjoint({"pytest", "alibabacloud-dysmsapi20170525"})
