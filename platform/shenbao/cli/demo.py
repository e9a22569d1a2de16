"""``shenbao demo``: its own keys and secret beside its SQLite file, the demo staff accounts, then the server."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import msgspec

from shenbao.cli.commands import encrypt_existing
from shenbao.privacy.keyring import KeyringError
from shenbao.settings import Settings

__all__ = ["demo_keys", "demo_staff", "run_demo", "seed_demo_staff"]


_DEMO_PASSWORD = "shenbao-demo"


class _Step(msgspec.Struct):
    role: str = ""


class _Chain(msgspec.Struct):
    steps: list[_Step] = []


def _chain_roles(folder: Path) -> list[str]:
    """The roles the pack's chains name at their steps, the province first, then down the division tree."""
    from shenbao.regions import LEVELS
    from shenbao.roles import is_role, role_level

    named = ["province"]
    for path in sorted((folder / "chains").glob("*.json")):
        try:
            named += [step.role for step in msgspec.json.decode(path.read_bytes(), type=_Chain).steps]
        except msgspec.DecodeError:
            continue  # its lint says what is wrong with it
    roles = [role for role in dict.fromkeys(named) if is_role(role)]
    return sorted(roles, key=lambda role: LEVELS.index(role_level(role) or "village"))


def demo_staff(packs: Sequence[str], root: Path) -> list[tuple[str, str, str, str, str]]:
    """``(username, role, region, name, phone)`` of the demo accounts: in each served pack, one for its province and
    one for each role its chains act with (an office too), at its ``pack.json``'s ``demo_village`` (else the first
    village of its divisions) and the township, county and city above it.

    The first pack's accounts are ``demo-province``, ``demo-county`` ...; another pack's carry its code
    (``demo-<pack>-village``); a role with an office is numbered (``demo-<pack>-county-1``). The phones are made up:
    the demo's messages go to /demo/sms, not to a phone.
    """
    from shenbao.pack_manifest import manifests
    from shenbao.regions import divisions_of
    from shenbao.roles import code_length, role_level, role_office

    accounts = []
    for number, (pack, manifest) in enumerate(manifests(packs, root).items()):
        divisions = divisions_of(root, (pack,))
        village = manifest.demo_village or next(
            (division.code for division in divisions if division.level == "village"), ""
        )
        if village not in divisions:
            continue  # a pack without villages has no one to route to; its lint says so
        prefix = "demo" if number == 0 else f"demo-{pack}"
        path = divisions.path(village)
        offices = 0
        for index, role in enumerate(_chain_roles(root / pack)):
            region, level, office = village[: code_length(role)], role_level(role), role_office(role)
            named = next(division.name for division in path if division.code == region)
            name = "村级经办人" if level == "village" else f"{named}{office}管理员"
            offices += bool(office)
            username = f"{prefix}-{level}" + (f"-{offices}" if office else "")
            accounts.append((username, role, region, name, f"139{number:04d}{index + 1:04d}"))
    return accounts


async def seed_demo_staff(settings: Settings) -> list[str]:
    """Add the demo accounts of every served pack (:func:`demo_staff`) unless they exist; one line per account."""
    from shenbao import store
    from shenbao.paths import form_defs_dir
    from shenbao.regions import divisions_of
    from shenbao.staff.accounts import StaffAccounts
    from shenbao.store.staff import staff_by_username

    root = settings.form_defs or form_defs_dir()
    divisions = divisions_of(root, tuple(settings.packs))
    lines = []
    database = await store.open_database(settings.database_url)
    try:
        accounts = StaffAccounts(database)
        for username, role, region, name, phone in demo_staff(settings.packs, root):
            if await staff_by_username(database, username) is None:
                await accounts.add(
                    username=username,
                    role=role,
                    region_code=region,
                    password=_DEMO_PASSWORD,
                    display_name=name,
                    phone=phone,
                    divisions=divisions,
                )
            place = "".join(division.name for division in divisions.path(region))
            lines.append(f"    {username} / {_DEMO_PASSWORD}  {role}  {place}")
    finally:
        await database.close()
    return lines


def demo_keys(settings: Settings) -> tuple[Settings, str]:
    """The settings with keys and a secret: the environment's, else those of the key file beside the demo's
    database (a file made by an earlier version gets its secret added)."""
    from shenbao.privacy.keyring import load_or_create_key_file, secret_from_key_file
    from shenbao.store.database import sqlite_path

    folder = settings.data_dir
    if settings.database_url.startswith("sqlite:"):
        folder = sqlite_path(settings.database_url).resolve().parent
    path = folder / "shenbao.keys.env"
    said = "from SHENBAO_DATA_KEY and SHENBAO_LOOKUP_KEY"
    if settings.keys is None:
        keys, created = load_or_create_key_file(path)
        settings = msgspec.structs.replace(settings, keys=keys)
        said = f"{'made now in' if created else 'from'} {path}"
    if not settings.secret_key:
        settings = msgspec.structs.replace(settings, secret_key=secret_from_key_file(path))
    return settings, said


def run_demo(settings: Settings, host: str, port: int, serve: Callable[[Settings, str, int], None]) -> int:
    from shenbao.packs import FormRegistry

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        settings, keys_from = demo_keys(settings)
    except (KeyringError, OSError) as error:
        print(f"shenbao demo: {error}", file=sys.stderr)
        return 2
    # Data an earlier version kept in clear is sealed now (the command tells what it changed).
    if code := asyncio.run(encrypt_existing(settings, quiet=True)):
        return code
    forms = FormRegistry.from_packs(settings.packs, settings.form_defs)
    print(f"\n申报 shenbao demo · database {settings.database_url}")
    print(f"  Keys for ID numbers and phones: {keys_from}")
    print(f"  Open on a phone-sized window: http://{host}:{port}/")
    for form in forms:
        print(f"  {form.title()}: http://{host}:{port}/f/{form.id}")
    print(f"  JSON API: http://{host}:{port}/api/v1/forms   OpenAPI: http://{host}:{port}/api/schema")
    print(f"  Text messages the demo sent (verification codes): http://{host}:{port}/demo/sms")
    print(f"  Form builder (the province account): http://{host}:{port}/admin/")
    print(f"  Staff sign-in: http://{host}:{port}/staff/login  (username / password, role, region):")
    print("\n".join(asyncio.run(seed_demo_staff(settings))) + "\n", flush=True)
    demo = msgspec.structs.replace(settings, demo=True, sms_gateway=settings.sms_gateway or "database")
    serve(demo, host, port)
    return 0
