"""A province pack's own widget in the builder: offered for the question type it is made for, drawing the question in
the preview, checked by its own rules; a question naming a widget that is not installed is an error at it."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao import store
from shenbao.app import create_app
from shenbao.paths import form_defs_dir
from shenbao.settings import Settings
from tests.support.keys import TEST_KEYS
from tests.support.staff import add_accounts
from tests.support.web import csrf_of, sign_in

SCORE_HTML = """{% macro render(q, value) %}<div class="score" id="score-{{ q.id }}">\
{% for n in range(1, 6) %}<label><input type="radio" name="{{ q.id }}" value="{{ n }}"\
{% if value == n %} checked{% endif %}>{{ n }}分</label>{% endfor %}</div>{% endmacro %}
"""
SCORE_PY = """
from shenbao.forms.model import NumberQuestion
from shenbao.widgets import WidgetHooks


class ScoreWidget(WidgetHooks[NumberQuestion]):
    def clean(self, question, value):
        if value in (None, ""):
            return None, []
        try:
            score = int(value)
        except (TypeError, ValueError):
            return None, ["请选一到五分"]
        if not 1 <= score <= 5:
            return None, ["请选一到五分"]
        return score, []
"""


@pytest.fixture
def province(tmp_path: Path) -> Iterator[TestClient[Litestar]]:
    """The Gansu pack with a widget of its own, ``score`` (for numbers), and a province admin signed in."""
    root = tmp_path / "form_defs"
    shutil.copytree(form_defs_dir(), root)
    widget = root / "gansu" / "widgets" / "score"
    widget.mkdir(parents=True)
    (widget / "widget.html").write_text(SCORE_HTML, encoding="utf-8")
    (widget / "widget.py").write_text(SCORE_PY, encoding="utf-8")
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'web.db'}", data_dir=tmp_path, secret_key="test", keys=TEST_KEYS,
        form_defs=root,
    )  # fmt: skip

    async def seed() -> None:
        await store.migrate_url(settings.database_url)
        database = await store.open_database(settings.database_url, keys=TEST_KEYS)
        try:
            await add_accounts(database)
        finally:
            await database.close()

    asyncio.run(seed())
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        sign_in(client, "province")
        yield client


def _new(client: TestClient[Litestar]) -> str:
    page = client.get("/admin/forms/new")
    made = client.post(
        "/admin/forms",
        data={"_csrf": csrf_of(page.text), "title": "满意度", "form_id": "score-e"},
        follow_redirects=False,
    )
    return str(made.headers["location"]).rstrip("/")


def _rev(html: str) -> str:
    import re

    found = re.search(r'name="rev" value="(\d+)"', html)
    assert found
    return found.group(1)


def test_a_packs_widget_is_offered_for_its_type_and_draws_the_question(
    province: TestClient[Litestar],
) -> None:
    url = _new(province)
    page = province.get(f"{url}/").text
    assert '<option value="number@score">数字题·score（本省组件）</option>' in page

    added = province.post(
        f"{url}/do", data={"_csrf": csrf_of(page), "rev": _rev(page), "op": "add_question", "kind": "number@score", "section": "s1"},
        follow_redirects=False,
    )  # fmt: skip

    assert added.status_code == 303
    panel = province.get(f"{url}/?q=q2").text
    assert '<option value="score" selected>数字题·score（本省组件）</option>' in panel
    form_pk = url.rsplit("/", 1)[1]
    preview = province.get(f"/admin/preview/{form_pk}/s/s1")
    assert 'class="score" id="score-q2"' in preview.text
    answered = province.post(
        f"/admin/preview/{form_pk}/s/s1/answer",
        data={"_csrf": csrf_of(preview.text), "_q": ["q2"], "q2": "9"},
        headers={"HX-Request": "true"},
    )
    assert "请选一到五分" in answered.text  # the widget's own check

    back = province.post(
        f"{url}/question/q2", data={"_csrf": csrf_of(panel), "rev": _rev(panel), "label": "新的数字题", "widget": ""},
        follow_redirects=False,
    )  # fmt: skip
    assert back.status_code == 303
    assert (
        'class="score"' not in province.get(f"/admin/preview/{form_pk}/s/s1").text
    )  # the number's own input


def test_an_imported_question_naming_a_widget_that_is_not_installed_is_an_error_at_it(
    province: TestClient[Litestar],
) -> None:
    definition = {
        "id": "with-stars", "version": 1, "title": "试", "sections": [{"id": "s1", "title": "页", "questions": [
            {"type": "number", "id": "q1", "label": "打几颗星", "widget": "stars"},
            {"type": "text", "id": "q2", "label": "说说", "widget": "score"},
        ]}],
    }  # fmt: skip
    page = province.get("/admin/")
    report = province.post(
        "/admin/forms/import",
        data={"_csrf": csrf_of(page.text)},
        files={
            "file": (
                "with-stars.json",
                json.dumps(definition, ensure_ascii=False).encode(),
                "application/json",
            )
        },
    )
    assert report.status_code == 422
    assert "这道题用的组件 stars 不是本配置包的组件" in report.text
    assert "组件 score 是给数字题用的，这道题是填空题" in report.text
