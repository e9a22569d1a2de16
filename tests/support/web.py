"""What a browser does with the app: a migrated app's settings, the guide's wait, a verified phone, a sign-in."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from shenbao import store
from shenbao.settings import Settings
from shenbao.web.farmer.guide_wait import GUIDE_COOKIE, mark_path, sign_mark
from tests.support.beside import last_code
from tests.support.keys import TEST_KEYS
from tests.support.staff import PASSWORD

__all__ = [
    "ZIZHU",
    "Client",
    "csrf_of",
    "migrated_settings",
    "read_guide",
    "sign_in",
    "start_draft",
    "verify_by_api",
    "verify_on_page",
]

ZIZHU = "gansu-zizhu-2021"
Client = TestClient[Litestar]
"""A browser on the app, in-process."""


def migrated_settings(data_dir: Path) -> Settings:
    """The settings of an app over a fresh, migrated SQLite database in ``data_dir``."""
    settings = Settings(
        database_url=f"sqlite:///{data_dir / 'web.db'}", data_dir=data_dir, secret_key="test", keys=TEST_KEYS
    )
    asyncio.run(store.migrate_url(settings.database_url))
    return settings


def read_guide(
    client: TestClient[Litestar], form_id: str = ZIZHU, *, seconds_ago: float = 61, base: str = ""
) -> None:
    """Give the browser the guide mark the app sets, dated ``seconds_ago`` (the client must have started).

    ``base`` is the path the platform is mounted at.
    """
    secret = client.app.state[f"shenbao{base}"].settings.secret_key
    mark = sign_mark(secret, form_id, opened=time.time() - seconds_ago)
    client.cookies.set(GUIDE_COOKIE, mark, domain=client.base_url.host, path=mark_path(base, form_id))


def start_draft(client: TestClient[Litestar], *, base: str = "") -> str:
    """Answer the 2021 form's first question of the residence page, as a farmer's first tap does: the browser
    then has a draft (pictures are kept only for one). Returns the query the page's uploads carry."""
    response = client.post(f"{base}/f/{ZIZHU}/s/residence/answer", data={"_q": ["q5"], "q5": "agri"})
    assert response.status_code == 200, response.text
    return f"?f={ZIZHU}"


def verify_on_page(client: TestClient[Litestar], form_id: str, name: str, phone: str) -> None:
    """What the farmer does: "发送验证码", read the SMS, type the code, "验证"."""
    settings = client.app.state["shenbao"].settings
    sent = client.post("/widgets/phone/send", data={"form": form_id, "name": name, name: phone})
    assert "验证码已发到" in sent.text, sent.text
    code = last_code(settings, phone)
    data = {"form": form_id, "name": name, name: phone, f"_otp.{name}": code}
    verified = client.post("/widgets/phone/verify", data=data)
    assert "已验证" in verified.text, verified.text


def verify_by_api(client: TestClient[Litestar], form_id: str, key: str, phone: str) -> None:
    """The same through the API: ask for a code, read the SMS, verify."""
    settings = client.app.state["shenbao"].settings
    headers = {"Idempotency-Key": key}
    sent = client.post(f"/api/v1/forms/{form_id}/phone-codes", json={"phone": phone}, headers=headers)
    assert sent.status_code == 202, sent.text
    code = last_code(settings, phone)
    verified = client.post(
        f"/api/v1/forms/{form_id}/phone-codes/verify", json={"phone": phone, "code": code}, headers=headers
    )
    assert verified.json()["verified"] is True, verified.text


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def sign_in(client: TestClient[Litestar], username: str, password: str = PASSWORD) -> object:
    """Sign in at the staff login page; returns the login's answer (a 303 on success)."""
    page = client.get("/staff/login")
    return client.post(
        "/staff/login",
        data={"_csrf": csrf_of(page.text), "username": username, "password": password},
        follow_redirects=False,
    )


def act_on_page(client: TestClient[Litestar], flow: Any, action: str, **fields: str) -> Any:
    """What a handler does on the application's page: the action's button, with the page's CSRF token and history."""
    page = client.get(f"/staff/a/{flow.id}")
    assert page.status_code == 200, page.text
    seen = re.search(r'name="seen" value="(\d+)"', page.text)
    data = {"_csrf": csrf_of(page.text), "action": action, "seen": seen.group(1) if seen else "0", **fields}
    return client.post(f"/staff/a/{flow.id}/act", data=data, follow_redirects=False)
