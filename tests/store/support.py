"""Answers with identity numbers and phones, and how to read what a table really stores."""

from __future__ import annotations

from typing import Any

from shenbao.forms import load_form
from shenbao.forms.personal import personal_fields
from shenbao.paths import form_defs_dir
from shenbao.store import ApplicationRecord, Database, submit_application
from tests.web.samples import id_number

FORMS = form_defs_dir() / "gansu" / "forms"
ZIZHU = personal_fields(load_form(FORMS / "gansu-zizhu-2021.json"))
YIJIAN = personal_fields(load_form(FORMS / "gansu-yijian-2023.json"))
ID = id_number(born="19800101")
PROXY_ID = id_number(born="19900202", serial="456")
PHONE = "13800138000"
PROXY_PHONE = "13700137000"
VILLAGE = "620102001001"
ANSWERS_2021: dict[str, Any] = {
    "q1": "proxy",
    "q3": {"name": "李四", "id_number": PROXY_ID, "phone": PROXY_PHONE},
    "q4": {"name": "张三", "id_number": ID, "phone": PHONE},
    "q7": {"code": VILLAGE, "name": "甘肃省兰州市城关区酒泉路街道畅家巷社区"},
}
ANSWERS_2023: dict[str, Any] = {"name": "王五", "id_number": ID, "phone": PHONE, "hardship": ["illness"]}
SECRETS = (ID, PROXY_ID, PHONE, PROXY_PHONE)


async def row_text(db: Database, table: str) -> str:
    """Every stored value of every row of ``table``, as text: what anyone with the database file reads."""
    rows = await db.fetch(f"SELECT * FROM {table}")
    assert rows, f"no row in {table}"
    return repr(rows)


async def submit(
    db: Database, key: str = "k1", answers: dict[str, Any] | None = None, **more: Any
) -> ApplicationRecord:
    """Submit a 2021 application (the applicant q4, a proxy in q3) in the Gansu village."""
    record, _ = await submit_application(
        db,
        idempotency_key=key,
        form_id="gansu-zizhu-2021",
        form_version=1,
        answers=ANSWERS_2021 if answers is None else answers,
        personal=ZIZHU,
        region_code=VILLAGE,
        **more,
    )
    return record
