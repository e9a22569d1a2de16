"""A pack's ``pack.json`` (its code, name, version, province and SMS sign) and the checks that span packs.

Every pack folder holds a ``pack.json``::

    {"code": "<the folder's name>", "name": "<the province's name>", "version": 1, "province": "<2 digits>",
     "sms_sign": "<the sign SMS go out with>"}

The checks here run when packs load (:mod:`shenbao.packs` refuses them with a ``PackError``) and in
``shenbao lint`` (codes P001-P006): the file is there and in the format, its code is the folder's name, every
division the pack ships lies in its province, and no two packs claim the same form id or chain id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import msgspec

from shenbao.forms.lint import Problem
from shenbao.paths import form_defs_dir
from shenbao.regions.divisions import DivisionDataError
from shenbao.regions.loader import DIVISION_FILE, read_division_file
from shenbao.workflow.sms_templates import sign_problems

__all__ = [
    "PACK_CODES",
    "PACK_FILE",
    "PackError",
    "PackManifest",
    "check_packs",
    "duplicate_problems",
    "lint_packs",
    "manifest_problems",
    "manifests",
    "pack_folders",
    "packs_problems",
    "read_manifest",
    "served_by_default",
]

PACK_FILE = "pack.json"

_EXAMPLE = (
    '{"code": "%s", "name": "…省", "version": 1, "province": "<2-digit division code>", "sms_sign": "…"}'
)

PACK_CODES = {
    "P001": "the pack has no pack.json: write one beside forms/, e.g. {example} (code is the folder's name, "
    "province the 2-digit division code its regions/ start with, sms_sign the sign every SMS begins with)",
    "P002": "pack.json does not match the pack format: {detail}",
    "P003": "pack.json says code {detail} but the pack's folder is {name}: make them the same",
    "P004": "pack.json says province {detail} but regions/{file} holds {division} ({count} division(s) outside "
    "province {detail}): set province to the code its divisions start with, or rebuild regions/ for province "
    "{detail} (shenbao pack new)",
    "P005": "form id {detail} is claimed by pack {name} ({first}) and pack {other}: give one of them another id",
    "P006": "chain id {detail} is claimed by pack {name} ({first}) and pack {other}: give one of them another id",
}
"""The pack problems, by code (English, as the rest of ``shenbao lint``)."""


class PackManifest(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A pack's ``pack.json``."""

    code: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=40)]
    """The pack's folder name (``SHENBAO_PACKS`` names it)."""
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    """What staff and admins read: the province's name."""
    version: Annotated[int, msgspec.Meta(ge=1)]
    province: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{2}$")]
    """The province's 2-digit division code: every division the pack ships starts with it."""
    sms_sign: Annotated[str, msgspec.Meta(min_length=2, max_length=20)]
    """The SMS sign (签名) registered with the gateway, without the 【】 around it: every SMS of the pack's chains
    begins with it, and a provider that sends approved templates (Aliyun) sends them under it."""
    example: bool = False
    """An example to learn from, not a province's own pack: served only where ``SHENBAO_PACKS`` names it."""
    demo_village: Annotated[str, msgspec.Meta(pattern=r"^([0-9]{12})?$")] = ""
    """The village whose staff ``shenbao demo`` makes accounts for (with its township, county and province); the
    first village of the pack's divisions when empty."""


def _problem(path: Path | str, code: str, **values: Any) -> Problem:
    text = PACK_CODES[code].format(**values)
    return Problem(code, str(path), None, text, {key: str(value) for key, value in values.items()})


def read_manifest(pack: Path) -> PackManifest | Problem:
    """The ``pack.json`` of the pack folder ``pack``, or the problem that keeps it from loading (P001, P002)."""
    path = pack / PACK_FILE
    if not path.is_file():
        return _problem(pack, "P001", example=_EXAMPLE % pack.name)
    try:
        return msgspec.json.decode(path.read_bytes(), type=PackManifest)
    except msgspec.DecodeError as error:
        return _problem(path, "P002", detail=error)


@cache
def _outside(path: Path, stamp: tuple[int, int], province: str) -> tuple[int, str]:
    """How many divisions of the file lie outside ``province``, and the first of them (``stamp``: the file's
    size and time, so a changed file is read again)."""
    outside = [(code, name) for code, name in read_division_file(path) if not code.startswith(province)]
    return len(outside), " ".join(outside[0]) if outside else ""


def manifest_problems(pack: Path) -> list[Problem]:
    """The pack folder's own problems: its ``pack.json`` (P001-P003), its divisions' province (P004) and its
    chains' SMS sign (C027)."""
    manifest = read_manifest(pack)
    if isinstance(manifest, Problem):
        return [manifest]
    problems = []
    if manifest.code != pack.name:
        problems.append(_problem(pack / PACK_FILE, "P003", detail=manifest.code, name=pack.name))
    divisions = pack / "regions" / DIVISION_FILE
    if divisions.is_file():
        stat = divisions.stat()
        try:
            count, first = _outside(divisions, (stat.st_size, stat.st_mtime_ns), manifest.province)
        except DivisionDataError as error:
            count, first = 1, str(error)
        if count:
            problems.append(
                _problem(
                    pack / PACK_FILE,
                    "P004",
                    detail=manifest.province,
                    file=DIVISION_FILE,
                    division=first,
                    count=count,
                )
            )
    return problems + _sign_problems(pack, manifest.sms_sign)


class _Claim(msgspec.Struct):
    id: str = ""


class _Messages(msgspec.Struct):
    sms: dict[str, str] = {}


def _sign_problems(pack: Path, sign: str) -> list[Problem]:
    """C027 for each SMS template of the pack's chain files that does not begin with the pack's sign."""
    problems = []
    for file in sorted((pack / "chains").glob("*.json")):
        try:
            sms = msgspec.json.decode(file.read_bytes(), type=_Messages).sms
        except msgspec.DecodeError:
            continue  # the chain linter reports it
        problems += sign_problems(sms, sign, str(file))
    return problems


def _claims(pack: Path) -> Iterator[tuple[str, str, Path]]:
    """``("form" | "chain", id, file)`` for each form (farmer's and step's) and chain file of the pack."""
    for kind, files in (
        ("form", sorted((pack / "forms").glob("*.json"))),
        ("form", sorted((pack / "chains" / "forms").glob("*.json"))),
        ("chain", sorted((pack / "chains").glob("*.json"))),
    ):
        for file in files:
            try:
                claimed = msgspec.json.decode(file.read_bytes(), type=_Claim).id
            except msgspec.DecodeError:
                continue  # the form and chain linters report it
            if claimed:
                yield kind, claimed, file


def duplicate_problems(packs: Iterable[Path]) -> list[Problem]:
    """A form id or chain id claimed by two of ``packs`` (P005, P006), named at the second pack's file."""
    owners: dict[tuple[str, str], tuple[Path, Path]] = {}
    problems = []
    for pack in packs:
        for kind, claimed, file in _claims(pack):
            first = owners.setdefault((kind, claimed), (pack, file))
            if first[0] != pack:
                code = "P005" if kind == "form" else "P006"
                values = {"name": first[0].name, "first": first[1], "other": pack.name}
                problems.append(_problem(file, code, detail=claimed, **values))
    return problems


def packs_problems(packs: Iterable[str], root: Path) -> list[Problem]:
    """Every pack problem of the named packs under ``root`` (a pack folder that is not there is left to the
    loader, which names where its forms belong)."""
    folders = [root / pack for pack in dict.fromkeys(packs) if (root / pack).is_dir()]
    return [problem for folder in folders for problem in manifest_problems(folder)] + duplicate_problems(
        folders
    )


def pack_folders(root: Path) -> list[Path]:
    """The pack folders at or below ``root``: those with a ``forms/`` folder (not a chain's) or a ``pack.json``."""
    if not root.is_dir():
        return []
    found = {folder.parent for folder in root.glob("**/forms") if folder.parent.name != "chains"}
    found |= {file.parent for file in root.glob(f"**/{PACK_FILE}")}
    return sorted(found)


def lint_packs(root: Path) -> tuple[list[Path], list[Problem]]:
    """``shenbao lint``'s pack checks at or below ``root``: each pack's ``pack.json`` and the ids across packs."""
    folders = pack_folders(root)
    problems = [problem for folder in folders for problem in manifest_problems(folder)]
    files = [folder / PACK_FILE for folder in folders if (folder / PACK_FILE).is_file()]
    return files, problems + duplicate_problems(folders)


def served_by_default(root: Path) -> tuple[str, ...]:
    """The packs served when ``SHENBAO_PACKS`` is not set: every pack folder directly under ``root``, by name,
    except those whose ``pack.json`` says they are examples (a folder whose ``pack.json`` does not load is kept, so
    the loader names its problem instead of leaving it out in silence)."""
    folders = sorted(
        {folder.parent for folder in root.glob("*/forms")} | {f.parent for f in root.glob(f"*/{PACK_FILE}")}
    )
    return tuple(
        folder.name
        for folder in folders
        if not (isinstance(manifest := read_manifest(folder), PackManifest) and manifest.example)
    )


def manifests(packs: Iterable[str], root: Path) -> Mapping[str, PackManifest]:
    """The loadable ``pack.json`` of each named pack, by pack."""
    found = {pack: read_manifest(root / pack) for pack in packs}
    return {pack: manifest for pack, manifest in found.items() if isinstance(manifest, PackManifest)}


class PackError(RuntimeError):
    """A pack is missing, its ``pack.json`` is missing or wrong, two packs claim one id, or one of its forms
    does not lint clean; the message lists every problem."""


def check_packs(packs: Iterable[str], root: Path | None = None) -> None:
    """Refuse packs whose ``pack.json`` is missing or wrong, whose divisions lie outside their province, or
    that claim a form id or chain id another of them claims (``shenbao lint``'s P001-P006).

    Raises:
        PackError: listing every such problem.
    """
    problems = packs_problems(packs, root or form_defs_dir())
    if problems:
        raise PackError("\n".join(map(str, problems)))
