"""The SQL of the schema step that lets roles name all five levels and an office (frozen once released)."""

from __future__ import annotations

__all__ = ["role_offices"]

_LEVELS = "'province', 'city', 'county', 'township', 'village'"


def role_offices(kind: str) -> tuple[str, ...]:
    # A role is now a level of the division tree (市州 ``city`` included) with an optional office after a colon
    # (``county:民政``, up to 10 characters), so the staff and deadline-notice ``role`` columns widen to 32 and
    # their checks test the level before the colon; the audit log's copy of the role widens too.
    if kind == "postgres":
        level = "split_part(role, ':', 1)"
        return (
            "ALTER TABLE staff DROP CONSTRAINT staff_role_check",
            "ALTER TABLE staff ALTER COLUMN role TYPE VARCHAR(32)",
            f"ALTER TABLE staff ADD CONSTRAINT staff_role_level CHECK ({level} IN ({_LEVELS}))",
            "ALTER TABLE deadline_notice DROP CONSTRAINT deadline_notice_role_check",
            "ALTER TABLE deadline_notice ALTER COLUMN role TYPE VARCHAR(32)",
            f"ALTER TABLE deadline_notice ADD CONSTRAINT deadline_notice_role_level CHECK ({level} IN ({_LEVELS}))",
            "ALTER TABLE audit_log ALTER COLUMN role TYPE VARCHAR(32)",
            _city_inbox(kind),
        )
    # SQLite cannot drop a check, so both tables are rebuilt (the audit log's VARCHAR length is not enforced).
    # Dropping ``staff`` deletes its sessions by their cascade: they are kept aside and put back, so nobody is
    # signed out by the upgrade. Renaming the new table to ``staff`` leaves the sessions' reference on ``staff``.
    level = "substr(role, 1, instr(role || ':', ':') - 1)"
    staff_columns = (
        "id, username, display_name, phone, role, region_code, password_hash, active, created_at, form_admin"
    )
    notice_columns = "id, application_id, step, due_on, kind, round, overdue_days, role, region_code, messages, sent_on, created_at"
    return (
        "CREATE TABLE staff_session_kept AS SELECT * FROM staff_session",
        f"""
        CREATE TABLE staff_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            username VARCHAR(64) NOT NULL CONSTRAINT staff_username_key UNIQUE,
            display_name VARCHAR(100) NOT NULL DEFAULT '',
            phone VARCHAR(20) NOT NULL DEFAULT '',
            role VARCHAR(32) NOT NULL CONSTRAINT staff_role_level CHECK ({level} IN ({_LEVELS})),
            region_code VARCHAR(12) NOT NULL,
            password_hash VARCHAR(255) NOT NULL,
            active BOOLEAN NOT NULL DEFAULT TRUE,
            created_at TIMESTAMPTZ NOT NULL,
            form_admin BOOLEAN NOT NULL DEFAULT FALSE
        )""",
        f"INSERT INTO staff_new ({staff_columns}) SELECT {staff_columns} FROM staff",
        "DROP TABLE staff",
        "ALTER TABLE staff_new RENAME TO staff",
        "CREATE INDEX staff_region_code ON staff (region_code)",
        "INSERT INTO staff_session SELECT * FROM staff_session_kept",
        "DROP TABLE staff_session_kept",
        f"""
        CREATE TABLE deadline_notice_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            application_id INTEGER NOT NULL REFERENCES application (id) ON DELETE CASCADE,
            step VARCHAR(40) NOT NULL,
            due_on DATE NOT NULL,
            kind VARCHAR(16) NOT NULL CHECK (kind IN ('reminder', 'overdue')),
            round INTEGER NOT NULL DEFAULT 0,
            overdue_days INTEGER NOT NULL DEFAULT 0,
            role VARCHAR(32) NOT NULL CONSTRAINT deadline_notice_role_level CHECK ({level} IN ({_LEVELS})),
            region_code VARCHAR(12) NOT NULL,
            messages INTEGER NOT NULL DEFAULT 0,
            sent_on DATE NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            CONSTRAINT deadline_notice_once UNIQUE (application_id, step, due_on, kind, round)
        )""",
        f"INSERT INTO deadline_notice_new ({notice_columns}) SELECT {notice_columns} FROM deadline_notice",
        "DROP TABLE deadline_notice",
        "ALTER TABLE deadline_notice_new RENAME TO deadline_notice",
        _city_inbox(kind),
    )


def _city_inbox(kind: str) -> str:
    # The inbox index of the new 市州 level (4-digit prefix), beside the other levels' of step 9: the same
    # expressions character for character, or the planner would not match the inbox's queries to it.
    if kind == "sqlite":
        flagged, step = "json_array_length(flags) > 0", "json_extract(workflow_state, '$.step')"
        due = "COALESCE(deadline, '9999-01-01')"
    else:
        flagged, step = "jsonb_array_length(flags) > 0", "workflow_state ->> 'step'"
        due = "COALESCE(deadline, DATE '9999-01-01')"
    del step  # the step is in the turn index, which is not per level
    rank = "CASE WHEN status IN ('approved', 'refused') THEN 2 WHEN green THEN 0 ELSE 1 END"
    tie = "CASE WHEN status IN ('approved', 'refused') THEN -id ELSE id END"
    columns = f"({rank}), ({due}), ({tie}), status, ({flagged}), green"
    include = "" if kind == "sqlite" else " INCLUDE (region_code, deadline, flags)"
    return f"CREATE INDEX application_inbox_city ON application ((substr(region_code, 1, 4)), {columns}){include}"
