"""Answers with identity numbers and phones, and how to read what a table really stores."""

from __future__ import annotations

from typing import Any

from shenbao.forms import load_form
from shenbao.forms.personal import personal_fields
from shenbao.paths import form_defs_dir
from shenbao.store import ApplicationRecord, Database
from tests.support.applications import VILLAGE, ZIZHU, add_application
from tests.support.samples import id_number

__all__ = [
    "ANSWERS_2021",
    "ANSWERS_2023",
    "ID",
    "PHONE",
    "PROXY_ID",
    "PROXY_PHONE",
    "SECRETS",
    "VILLAGE",
    "YIJIAN_FIELDS",
    "ZIZHU_FIELDS",
    "row_text",
    "submit",
]

FORMS = form_defs_dir() / "gansu" / "forms"
ZIZHU_FIELDS = personal_fields(load_form(FORMS / "gansu-zizhu-2021.json"))
"""Where the 2021 form keeps identity numbers and phones."""
YIJIAN_FIELDS = personal_fields(load_form(FORMS / "gansu-yijian-2023.json"))
"""Where the 2023 form keeps them."""
ID = id_number(born="19800101")
PROXY_ID = id_number(born="19900202", serial="456")
PHONE = "13800138000"
PROXY_PHONE = "13700137000"
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


async def submit(db: Database, key: str = "k1", answers: dict[str, Any] | None = None) -> ApplicationRecord:
    """Submit a 2021 application (the applicant q4, a proxy in q3) in the Gansu village, with no workflow."""
    built = await add_application(
        db,
        ZIZHU,
        answers=ANSWERS_2021 if answers is None else answers,
        idempotency_key=key,
        workflow=False,
    )
    return built.record
