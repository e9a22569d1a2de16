"""The ``shenbao`` command: demo, serve, migrate, lint."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

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
    print("  Staff accounts: none yet (the staff workspace is not built yet)\n", flush=True)
    _serve(settings, host, port)


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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
