"""The SQL of each schema step, per engine (``"sqlite"`` or ``"postgres"``): what :data:`~shenbao.store.schema.STEPS` runs.

Each function is frozen once its step is released: a later change of the tables is a new function for a new step.
"""

from __future__ import annotations

__all__ = [
    "INDEXES",
    "application",
    "audit_log",
    "deadline_notices",
    "division",
    "draft",
    "inbox_indexes",
    "otp_and_sms",
    "outbox_params",
    "personal_data",
    "rate_limits",
    "staff",
    "workflow_and_outbox",
]


def application(kind: str) -> str:
    # SQLite: AUTOINCREMENT so an id is never reused (audit entries and messages refer to it); JSON is
    # declared TEXT, whose affinity never turns a stored value into a number.
    if kind == "sqlite":
        pk, json, obj, arr = (
            "INTEGER PRIMARY KEY AUTOINCREMENT",
            "TEXT",
            "json_type(answers) = 'object'",
            "json_type(flags) = 'array'",
        )
    else:
        pk, json, obj, arr = (
            "SERIAL PRIMARY KEY",
            "JSONB",
            "jsonb_typeof(answers) = 'object'",
            "jsonb_typeof(flags) = 'array'",
        )
    return f"""
        CREATE TABLE application (
            id {pk},
            receipt_number VARCHAR(12) NOT NULL CONSTRAINT application_receipt_number_key UNIQUE,
            form_id VARCHAR(64) NOT NULL,
            form_version INTEGER NOT NULL,
            status VARCHAR(32) NOT NULL DEFAULT 'submitted',
            flags {json} NOT NULL DEFAULT '[]' CHECK ({arr}),
            outcome_id VARCHAR(64),
            answers {json} NOT NULL DEFAULT '{{}}' CHECK ({obj}),
            region_code VARCHAR(32),
            idempotency_key VARCHAR(255) CONSTRAINT application_idempotency_key_key UNIQUE,
            draft_token VARCHAR(128),
            created_at TIMESTAMPTZ NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL
        )"""


def draft(kind: str) -> str:
    pk, json, obj = (
        ("INTEGER PRIMARY KEY", "TEXT", "json_type(answers) = 'object'")
        if kind == "sqlite"
        else ("SERIAL PRIMARY KEY", "JSONB", "jsonb_typeof(answers) = 'object'")
    )
    return f"""
        CREATE TABLE draft (
            id {pk},
            token VARCHAR(128) NOT NULL,
            form_id VARCHAR(64) NOT NULL,
            form_version INTEGER NOT NULL,
            answers {json} NOT NULL DEFAULT '{{}}' CHECK ({obj}),
            section VARCHAR(64) NOT NULL DEFAULT '',
            updated_at TIMESTAMPTZ NOT NULL,
            CONSTRAINT draft_token_form_id_key UNIQUE (token, form_id)
        )"""


INDEXES = (
    "CREATE INDEX application_form_id ON application (form_id)",
    "CREATE INDEX application_region_code ON application (region_code)",
)


def otp_and_sms(kind: str) -> tuple[str, ...]:
    pk = "INTEGER PRIMARY KEY AUTOINCREMENT" if kind == "sqlite" else "SERIAL PRIMARY KEY"
    return (
        f"""
        CREATE TABLE otp_challenge (
            id {pk},
            scope VARCHAR(200) NOT NULL,
            phone VARCHAR(20) NOT NULL,
            code_digest VARCHAR(64) NOT NULL,
            client VARCHAR(64) NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at TIMESTAMPTZ NOT NULL,
            expires_at TIMESTAMPTZ NOT NULL,
            verified_at TIMESTAMPTZ
        )""",
        "CREATE INDEX otp_challenge_scope ON otp_challenge (scope)",
        "CREATE INDEX otp_challenge_phone ON otp_challenge (phone, created_at)",
        "CREATE INDEX otp_challenge_client ON otp_challenge (client, created_at)",
        f"""
        CREATE TABLE sms_message (
            id {pk},
            phone VARCHAR(20) NOT NULL,
            template VARCHAR(64) NOT NULL,
            text VARCHAR(500) NOT NULL,
            created_at TIMESTAMPTZ NOT NULL
        )""",
        "CREATE INDEX sms_message_phone ON sms_message (phone)",
    )


def division(kind: str) -> tuple[str, ...]:
    # SQLite: WITHOUT ROWID, since the code is the key (a province of 20,000 rows stays one compact b-tree).
    levels = "'province', 'city', 'county', 'township', 'village'"
    return (
        f"""
        CREATE TABLE division (
            code VARCHAR(12) NOT NULL PRIMARY KEY,
            parent VARCHAR(12) NOT NULL,
            level VARCHAR(16) NOT NULL CHECK (level IN ({levels})),
            name VARCHAR(200) NOT NULL
        ){" WITHOUT ROWID" if kind == "sqlite" else ""}""",
        "CREATE INDEX division_parent ON division (parent)",
    )


def staff(kind: str) -> tuple[str, ...]:
    pk = "INTEGER PRIMARY KEY AUTOINCREMENT" if kind == "sqlite" else "SERIAL PRIMARY KEY"
    roles = "'village', 'township', 'county', 'province'"
    return (
        f"""
        CREATE TABLE staff (
            id {pk},
            username VARCHAR(64) NOT NULL CONSTRAINT staff_username_key UNIQUE,
            display_name VARCHAR(100) NOT NULL DEFAULT '',
            phone VARCHAR(20) NOT NULL DEFAULT '',
            role VARCHAR(16) NOT NULL CHECK (role IN ({roles})),
            region_code VARCHAR(12) NOT NULL,
            password_hash VARCHAR(255) NOT NULL,
            active BOOLEAN NOT NULL DEFAULT TRUE,
            created_at TIMESTAMPTZ NOT NULL
        )""",
        "CREATE INDEX staff_region_code ON staff (region_code)",
        f"""
        CREATE TABLE staff_session (
            id {pk},
            token_digest VARCHAR(64) NOT NULL CONSTRAINT staff_session_token_digest_key UNIQUE,
            staff_id INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
            created_at TIMESTAMPTZ NOT NULL,
            expires_at TIMESTAMPTZ NOT NULL,
            csrf_token VARCHAR(64) NOT NULL,
            client VARCHAR(64) NOT NULL
        )""",
        "CREATE INDEX staff_session_staff_id ON staff_session (staff_id)",
        "CREATE INDEX staff_session_expires_at ON staff_session (expires_at)",
        f"""
        CREATE TABLE staff_login_failure (
            id {pk},
            username VARCHAR(64) NOT NULL,
            client VARCHAR(64) NOT NULL,
            created_at TIMESTAMPTZ NOT NULL
        )""",
        "CREATE INDEX staff_login_failure_username ON staff_login_failure (username, created_at)",
    )


def workflow_and_outbox(kind: str) -> tuple[str, ...]:
    # The workflow state is the engine's ApplicationState as JSON (NULL for a form without a chain, or when
    # the calendar could not compute the deadline); ``deadline`` and ``green`` copy it for the inbox's order.
    pk, json, false = (
        ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "0")
        if kind == "sqlite"
        else ("SERIAL PRIMARY KEY", "JSONB", "FALSE")
    )
    return (
        f"ALTER TABLE application ADD COLUMN workflow_state {json}",
        "ALTER TABLE application ADD COLUMN deadline DATE",
        f"ALTER TABLE application ADD COLUMN green BOOLEAN NOT NULL DEFAULT {false}",
        "CREATE INDEX application_inbox_order ON application (green, deadline)",
        f"""
        CREATE TABLE outbox (
            id {pk},
            phone VARCHAR(20) NOT NULL,
            template VARCHAR(64) NOT NULL,
            text VARCHAR(500) NOT NULL,
            status VARCHAR(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TIMESTAMPTZ NOT NULL,
            last_error VARCHAR(500) NOT NULL DEFAULT '',
            created_at TIMESTAMPTZ NOT NULL,
            sent_at TIMESTAMPTZ
        )""",
        "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
    )


def deadline_notices(kind: str) -> tuple[str, ...]:
    # One row per reminder or escalation sent: the unique key is what makes the scheduled job send each once,
    # however many processes run it (the second insert of a key does nothing, and its SMS are not queued).
    pk = "INTEGER PRIMARY KEY AUTOINCREMENT" if kind == "sqlite" else "SERIAL PRIMARY KEY"
    roles = "'village', 'township', 'county', 'province'"
    return (
        f"""
        CREATE TABLE deadline_notice (
            id {pk},
            application_id INTEGER NOT NULL REFERENCES application (id) ON DELETE CASCADE,
            step VARCHAR(40) NOT NULL,
            due_on DATE NOT NULL,
            kind VARCHAR(16) NOT NULL CHECK (kind IN ('reminder', 'overdue')),
            round INTEGER NOT NULL DEFAULT 0,
            overdue_days INTEGER NOT NULL DEFAULT 0,
            role VARCHAR(16) NOT NULL CHECK (role IN ({roles})),
            region_code VARCHAR(12) NOT NULL,
            messages INTEGER NOT NULL DEFAULT 0,
            sent_on DATE NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            CONSTRAINT deadline_notice_once UNIQUE (application_id, step, due_on, kind, round)
        )""",
        # The job's scan: open applications by deadline (finished ones have none).
        "CREATE INDEX application_open_deadline ON application (deadline, id) WHERE deadline IS NOT NULL",
    )


def audit_log(kind: str) -> tuple[str, ...]:
    # Append-only: the database itself refuses to change or remove a row, whatever the code above it does.
    # (A role that owns the table can still drop the triggers: in production the application's role gets
    # INSERT and SELECT on audit_log only; see shenbao.store.audit.)
    refused = "audit_log is append-only: its rows cannot be changed or deleted"
    table = f"""
        CREATE TABLE audit_log (
            id {"INTEGER PRIMARY KEY AUTOINCREMENT" if kind == "sqlite" else "BIGSERIAL PRIMARY KEY"},
            at TIMESTAMPTZ NOT NULL,
            staff_id INTEGER,
            username VARCHAR(64),
            role VARCHAR(16),
            region VARCHAR(12),
            action VARCHAR(64) NOT NULL,
            target VARCHAR(100) NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '',
            address VARCHAR(64) NOT NULL DEFAULT ''
        )"""
    indexes = (
        "CREATE INDEX audit_log_username ON audit_log (username, id)",
        "CREATE INDEX audit_log_action ON audit_log (action, id)",
        "CREATE INDEX audit_log_target ON audit_log (target, id)",
        "CREATE INDEX audit_log_at ON audit_log (at)",
    )
    if kind == "sqlite":
        return (
            table,
            *indexes,
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            f"BEGIN SELECT RAISE(ABORT, '{refused}'); END",
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
            f"BEGIN SELECT RAISE(ABORT, '{refused}'); END",
        )
    return (
        table,
        *indexes,
        f"""
        CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{refused} (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
        END
        $$""",
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()",
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()",
    )


def outbox_params(kind: str) -> tuple[str, ...]:
    # The values each message's template was filled with, sent as a provider's template parameters. A message
    # queued before this step gets '{}': the Aliyun gateway fails it with a clear error rather than guess them.
    json, obj = (
        ("TEXT", "json_type(params) = 'object'")
        if kind == "sqlite"
        else ("JSONB", "jsonb_typeof(params) = 'object'")
    )
    return (f"ALTER TABLE outbox ADD COLUMN params {json} NOT NULL DEFAULT '{{}}' CHECK ({obj})",)


def inbox_indexes(kind: str) -> tuple[str, ...]:
    # The inbox's order as expressions (open green-channel cases, other open cases, finished ones; then the
    # deadline; then the id, newest first among finished cases), behind each staff level's region prefix, so
    # a page or a count reads the few index entries it shows instead of sorting or scanning the region.
    # Then what the filters test (status, "has flags", green), so a filter is checked in the index and only
    # matching rows are read from the table.
    # store/inbox_sql.py writes the same expressions, character for character (a test reads the query plans).
    if kind == "sqlite":
        flagged, step = "json_array_length(flags) > 0", "json_extract(workflow_state, '$.step')"
        due = "COALESCE(deadline, '9999-01-01')"
    else:
        flagged, step = "jsonb_array_length(flags) > 0", "workflow_state ->> 'step'"
        due = "COALESCE(deadline, DATE '9999-01-01')"
    rank = "CASE WHEN status IN ('approved', 'refused') THEN 2 WHEN green THEN 0 ELSE 1 END"
    tie = "CASE WHEN status IN ('approved', 'refused') THEN -id ELSE id END"
    turn = f"form_id || '/' || COALESCE({step}, '')"
    columns = f"({rank}), ({due}), ({tie}), status, ({flagged}), green"
    # PostgreSQL also carries the plain columns those expressions read, so a count reads the index alone
    # (an index-only scan needs every column the query names; SQLite has no INCLUDE and is not budgeted).
    include = "" if kind == "sqlite" else " INCLUDE (region_code, deadline, flags)"
    return (
        "DROP INDEX application_inbox_order",
        *(
            f"CREATE INDEX application_inbox_{level} ON application "
            f"((substr(region_code, 1, {length})), {columns}){include}"
            for level, length in (("village", 12), ("township", 9), ("county", 6), ("province", 2))
        ),
        # 轮到我办: the open cases by whose turn it is (form and current step), then code; open cases only.
        f"CREATE INDEX application_inbox_turn ON application (({turn}), region_code) "
        "WHERE status NOT IN ('approved', 'refused')",
    )


def personal_data(kind: str) -> tuple[str, ...]:
    # Look-up digests (``<key id>:<64 hex>``) of the applicant's ID number and phone; the OTP table keeps only
    # the phone's digest (rows written in clear before stay readable until ``shenbao encrypt-existing``), and
    # the outbox's phone is sealed, longer than a phone. SQLite does not enforce VARCHAR lengths.
    widen = (
        ()
        if kind == "sqlite"
        else (
            "ALTER TABLE otp_challenge ALTER COLUMN phone_hash TYPE VARCHAR(100)",
            "ALTER TABLE outbox ALTER COLUMN phone TYPE VARCHAR(200)",
        )
    )
    return (
        "ALTER TABLE application ADD COLUMN id_number_hash VARCHAR(100)",
        "ALTER TABLE application ADD COLUMN phone_hash VARCHAR(100)",
        "CREATE INDEX application_id_number_hash ON application (id_number_hash)",
        "CREATE INDEX application_phone_hash ON application (phone_hash)",
        "DROP INDEX otp_challenge_phone",
        "ALTER TABLE otp_challenge RENAME COLUMN phone TO phone_hash",
        "CREATE INDEX otp_challenge_phone_hash ON otp_challenge (phone_hash, created_at)",
        *widen,
    )


def rate_limits(kind: str) -> tuple[str, ...]:
    # One row per limited key (a username's sign-ins, a phone's or an address's codes): the try is counted by one
    # upsert on its primary key (store/limits.py). It replaces the list of failed sign-ins, which could only be
    # counted before a try and so let a burst of simultaneous tries through.
    return (
        """
        CREATE TABLE rate_limit (
            key VARCHAR(200) NOT NULL PRIMARY KEY,
            hits INTEGER NOT NULL,
            window_start TIMESTAMPTZ NOT NULL
        )""",
        "CREATE INDEX rate_limit_window_start ON rate_limit (window_start)",
        "DROP TABLE staff_login_failure",
    )
