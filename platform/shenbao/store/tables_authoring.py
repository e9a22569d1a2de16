"""Piccolo tables of what admins author and publish: forms being built and their revisions, published versions of
forms and chains and which one is served, chain drafts, holiday years, and the catalog's generation.

Re-exported by :mod:`shenbao.store.tables`, which lists every table in ``ALL_TABLES``.
"""

from __future__ import annotations

from piccolo.columns import JSONB, BigInt, Integer, Serial, Timestamptz, Varchar
from piccolo.constraints import Unique
from piccolo.table import Table

__all__ = [
    "AuthoredForm",
    "CatalogGeneration",
    "ChainDraft",
    "FormEditor",
    "FormRevision",
    "HolidayYear",
    "Publication",
    "PublishedCurrent",
    "PublishedVersion",
]


class AuthoredForm(Table, tablename="authored_form"):
    """A form authored in the admin builder: its current definition and the revision it is at.

    ``definition`` is the form in the ``form_defs/`` format (it may hold lint errors while it is a draft);
    ``revision`` counts every change, so a save names the revision it was made on and a stale one is refused.
    ``owner_region`` is the province or county whose form admins may edit it; ``source`` says where it began
    (``pack:<form id>`` for a copy of a pack's form, ``import``, or empty for a new form).
    """

    id = Serial(primary_key=True)
    form_id = Varchar(length=60, unique=True, index=False)
    title = Varchar(length=200)
    state = Varchar(length=16, default="draft")
    definition = JSONB(default={})
    revision = Integer(default=1)
    owner_region = Varchar(length=12)
    source = Varchar(length=100, default="")
    created_by = Integer()
    created_at = Timestamptz()
    updated_by = Integer()
    updated_at = Timestamptz()


class FormRevision(Table, tablename="form_revision"):
    """One change of an authored form, append-only: the definition after it, who made it and what it was.

    ``state_of`` is the revision whose content this one holds (an edit holds its own; an undo holds the one
    before the edit it undid); ``parent`` is, for an edit, the ``state_of`` of the revision it was made on.
    Undo and redo are computed from these two, so they survive a restart and two admins see the same history.
    """

    id = Serial(primary_key=True)
    form = Integer(index=False)
    number = Integer()
    action = Varchar(length=16)
    state_of = Integer()
    parent = Integer(null=True, default=None)
    summary = Varchar(length=200, default="")
    definition = JSONB(default={})
    staff_id = Integer()
    username = Varchar(length=64)
    at = Timestamptz()

    form_number_unique = Unique([form, number])


class FormEditor(Table, tablename="form_editor"):
    """Who has an authored form open in the builder, and when they were last seen there."""

    id = Serial(primary_key=True)
    form = Integer(index=False)
    staff_id = Integer()
    display_name = Varchar(length=100)
    seen_at = Timestamptz()

    form_staff_unique = Unique([form, staff_id])


class HolidayYear(Table, tablename="holiday_year"):
    """A pack's year of statutory holidays and adjusted working days (调休上班), saved by a province admin.

    ``holidays`` and ``workdays`` are JSON lists of ISO dates; the year replaces that year of the pack's
    ``holidays.json`` (chinesecalendar's years are not saved here). ``note`` names the notice it follows
    (国办发明电〔2026〕…); ``revision`` counts saves, so a save names the revision it was made on.
    """

    id = Serial(primary_key=True)
    pack = Varchar(length=60)
    year = Integer()
    holidays = JSONB(default=[])
    workdays = JSONB(default=[])
    note = Varchar(length=200, default="")
    revision = Integer(default=1)
    updated_by = Integer()
    updated_at = Timestamptz()

    pack_year_unique = Unique([pack, year])


class CatalogGeneration(Table, tablename="catalog_generation"):
    """One row (``id`` 1): a number that goes up whenever published data changes (:mod:`shenbao.store.catalog`)."""

    id = Integer(primary_key=True)
    generation = BigInt(default=0)


class PublishedVersion(Table, tablename="published_version"):
    """A published version of a form or a chain (``kind``), never changed once stored: as published, who and why.

    ``digest`` is the SHA-256 of the definition's canonical JSON (a pack file's version is checked against it at
    start: a published version's content may not change). ``source`` is ``pack:<pack>`` for a version read from
    a pack's files, ``admin`` for one published in the admin pages.
    """

    id = Serial(primary_key=True)
    kind = Varchar(length=8)
    item_id = Varchar(length=64)
    version = Integer()
    title = Varchar(length=200)
    definition = JSONB(default={})
    digest = Varchar(length=64)
    source = Varchar(length=100, default="")
    owner_region = Varchar(length=12, default="")
    staff_id = Integer(null=True, default=None)
    username = Varchar(length=64, default="")
    reason = Varchar(length=500, default="")
    at = Timestamptz()

    published_version_unique = Unique([kind, item_id, version])


class PublishedCurrent(Table, tablename="published_current"):
    """Which version of each form or chain is served: moved by publishing and by a rollback (one row per item)."""

    kind = Varchar(length=8, primary_key=True)
    item_id = Varchar(length=64)
    version = Integer()
    at = Timestamptz()


class Publication(Table, tablename="publication"):
    """Every publication, append-only: ``publish`` (a new version), ``rollback`` (an older one again) or ``pack`` (a
    pack file's newer version found at start); ``previous`` is the version it replaced."""

    id = Serial(primary_key=True)
    kind = Varchar(length=8)
    item_id = Varchar(length=64)
    version = Integer()
    previous = Integer(null=True, default=None)
    action = Varchar(length=16)
    staff_id = Integer(null=True, default=None)
    username = Varchar(length=64, default="")
    reason = Varchar(length=500, default="")
    at = Timestamptz()


class ChainDraft(Table, tablename="chain_draft"):
    """The chain editor's draft of a chain: its definition (the chain file's format), the revision it is at, the
    published version it started from, and who saved it last with what."""

    id = Serial(primary_key=True)
    chain_id = Varchar(length=64, unique=True, index=False)
    definition = JSONB(default={})
    revision = Integer(default=1)
    base_version = Integer()
    updated_by = Integer()
    username = Varchar(length=64, default="")
    summary = Varchar(length=200, default="")
    updated_at = Timestamptz()
