"""The storage layer: Piccolo tables, schema migrations and the queries the platform needs.

SQLite (WAL) is the embedded default, PostgreSQL the production database; both are opened from a URL
at run time::

    db = await open_database(settings.database_url, keys=settings.keys)
    await migrate(db)
    record, created = await submit_application(db, idempotency_key=key, form_id="...", personal=form.personal, ...)
    await db.close()
"""

from shenbao.store.database import (
    Database,
    DatabaseBusyError,
    DatabaseNotBoundError,
    DatabaseUnavailableError,
    DatabaseUnreachableError,
    InvalidDatabaseURLError,
    open_database,
)
from shenbao.store.divisions import division_rows, replace_divisions
from shenbao.store.lookups import applications_by_id_number, receipt_belongs_to_phone
from shenbao.store.queries import (
    ReceiptNumbersExhaustedError,
    application_by_idempotency_key,
    application_by_receipt,
    count_applications,
    delete_draft,
    draft_exists,
    load_draft,
    save_draft,
    save_draft_changes,
    set_workflow_state,
    submit_application,
)
from shenbao.store.receipts import format_receipt, parse_receipt
from shenbao.store.records import ApplicationRecord, DraftRecord
from shenbao.store.resealing import ResealReport, encrypt_existing
from shenbao.store.schema import SchemaTooNewError, migrate, migrate_url, schema_version

__all__ = [
    "ApplicationRecord",
    "Database",
    "DatabaseBusyError",
    "DatabaseNotBoundError",
    "DatabaseUnavailableError",
    "DatabaseUnreachableError",
    "DraftRecord",
    "InvalidDatabaseURLError",
    "ReceiptNumbersExhaustedError",
    "ResealReport",
    "SchemaTooNewError",
    "application_by_idempotency_key",
    "application_by_receipt",
    "applications_by_id_number",
    "count_applications",
    "delete_draft",
    "division_rows",
    "draft_exists",
    "encrypt_existing",
    "format_receipt",
    "load_draft",
    "migrate",
    "migrate_url",
    "open_database",
    "parse_receipt",
    "receipt_belongs_to_phone",
    "replace_divisions",
    "save_draft",
    "save_draft_changes",
    "schema_version",
    "set_workflow_state",
    "submit_application",
]
