"""Forms as files: import a file as a new form or in place of a draft's content, and note an export.

A file is checked first (decoded, then linted with its scenarios: :func:`shenbao.forms.transfer.check_form_file`);
nothing is stored or replaced until it is clean. A clean file becomes a new form (``source="import"``) or the
draft's next revision, one edit (:class:`~shenbao.forms.editing.ReplaceForm`) the builder's undo takes back, under
the same rule as any edit: another admin's revision since the page was opened refuses it.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping
from datetime import UTC, datetime

import msgspec

from shenbao.cases import authoring
from shenbao.cases.authoring import Refused, Saved, Stale
from shenbao.forms.editing import ReplaceForm
from shenbao.forms.transfer import Checked, check_form_file
from shenbao.store import Database
from shenbao.store.audit import record_audit
from shenbao.store.authoring import AuthoredFormRecord
from shenbao.store.staff import StaffRecord

__all__ = ["FORM_ID_RULE", "Imported", "NotImported", "import_file", "record_export", "replace_with_file"]

FORM_ID_RULE = "代号只能用小写英文字母、数字和连字符“-”，以字母或数字开头，最多60个字符，例如 relief-2027"
_FORM_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


class Imported(msgspec.Struct, frozen=True, kw_only=True):
    """The file is a new form now."""

    form: AuthoredFormRecord


class NotImported(msgspec.Struct, frozen=True, kw_only=True):
    """Nothing was stored: the file's problems, or its form id is taken (``taken``) or not a valid id
    (``id_error``), so the admin chooses another."""

    checked: Checked
    taken: str = ""
    id_error: str = ""


async def import_file(
    db: Database,
    staff: StaffRecord,
    data: bytes,
    *,
    file_name: str,
    form_id: str = "",
    reserved: Container[str] = (),
    widgets: Mapping[str, str | None] | None = None,
    address: str = "",
) -> Imported | NotImported:
    """Store the form of the file ``data`` as a new form of ``staff``'s region, if it is clean.

    Args:
        db: the open database.
        staff: the admin importing it.
        data: the file's bytes.
        file_name: the file's name, for the report and the form's history (``导入自文件 <name>``).
        form_id: another id for the form than the file's (its own is taken); empty keeps the file's.
        reserved: ids no authored form may take (the packs' forms).
        widgets: the installed widgets and the question type each draws (a question's own widget must be one).
        address: the client's address, for the audit log.
    """
    checked = check_form_file(data, name=file_name, widgets=widgets)
    if checked.definition is None or not checked.clean:
        return NotImported(checked=checked)
    definition = checked.definition
    if form_id and not _FORM_ID.fullmatch(form_id):
        return NotImported(checked=checked, taken=form_id, id_error=FORM_ID_RULE)
    wanted = form_id or definition.id
    if wanted in reserved:
        return NotImported(checked=checked, taken=wanted)
    form = await authoring.start_form(
        db, staff, msgspec.structs.replace(definition, id=wanted, schema=None), source="import",
        summary=f"导入自文件 {file_name}", address=address,
    )  # fmt: skip
    if form is None:
        return NotImported(checked=checked, taken=wanted)
    return Imported(form=form)


async def replace_with_file(
    db: Database,
    staff: StaffRecord,
    form: AuthoredFormRecord,
    data: bytes,
    *,
    file_name: str,
    expected: int,
    widgets: Mapping[str, str | None] | None = None,
    address: str = "",
) -> Saved | Stale | Refused | Checked:
    """Make the file's form the content of ``form`` (keeping its id), as one revision made on ``expected``.

    Returns:
        The check, when the file is not clean (nothing replaced); else what :func:`authoring.apply_to_form` says.
    """
    checked = check_form_file(data, name=file_name, widgets=widgets)
    if checked.definition is None or not checked.clean:
        return checked
    edit = ReplaceForm(definition=checked.definition, file_name=file_name)
    return await authoring.apply_to_form(db, staff, form, edit, expected=expected, address=address)


async def record_export(
    db: Database, staff: StaffRecord, *, form_id: str, detail: str, address: str = ""
) -> None:
    """Note in the audit log that ``staff`` downloaded the definition of ``form_id`` (``form.export``)."""
    async with db.transaction():
        await record_audit(
            db, action="form.export", staff=staff, target=form_id, detail=detail, address=address,
            at=datetime.now(UTC),
        )  # fmt: skip
