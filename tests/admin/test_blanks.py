"""The blanks of a fields question (多项填空): the edits that add, change, move and delete them, and the panel that
makes them, without script (each change a POST answered with the page) and with htmx (the panel's save)."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao.forms.editing import (
    AddField,
    DeleteField,
    EditError,
    MoveField,
    UpdateField,
    apply_edit,
    describe_edit,
)
from shenbao.forms.lint import lint_form
from shenbao.forms.model import FieldsQuestion, FormDef
from shenbao.web.admin.edits import question_edits
from tests.admin.test_builder_web import _new_form, _post, _rev
from tests.support.web import csrf_of


def _form(*fields: dict[str, Any], applicant_name: str | None = None) -> FormDef:
    question = {"type": "fields", "id": "q4", "label": "联系人", "fields": list(fields)}
    data: dict[str, Any] = {
        "id": "blanks",
        "version": 1,
        "title": "试",
        "sections": [{"id": "s1", "title": "页", "questions": [question]}],
    }
    if applicant_name:
        data["applicant_name"] = applicant_name
    return msgspec.convert(data, FormDef)


def _blanks(form: FormDef) -> list[dict[str, Any]]:
    return _blanks_of(form, "q4")


def _blanks_of(form: FormDef, question_id: str) -> list[dict[str, Any]]:
    question = next(each for each in form.questions() if each.id == question_id)
    assert isinstance(question, FieldsQuestion)
    return [msgspec.to_builtins(field) for field in question.fields]


NAME = {"id": "name", "label": "姓名"}
PHONE = {"id": "phone", "label": "电话", "kind": "phone", "verify": True}


def test_a_new_blank_takes_the_next_number() -> None:
    form = apply_edit(
        _form({"id": "f1", "label": "填空1"}, {"id": "f3", "label": "乙"}), AddField(question="q4")
    )
    assert _blanks(form)[-1] == {"id": "f4", "label": "填空4"}
    assert _blanks(apply_edit(_form(NAME), AddField(question="q4")))[-1] == {"id": "f1", "label": "填空1"}


def test_a_blank_changes_everything_but_its_id() -> None:
    form = apply_edit(
        _form(NAME, {"id": "f2", "label": "填空2"}),
        UpdateField(
            question="q4",
            field="f2",
            values={"label": {"zh": "手机", "bo": "ཁ་པར"}, "kind": "phone", "verify": True, "max_chars": 11},
        ),
    )
    assert _blanks(form)[1] == {
        "id": "f2", "label": {"zh": "手机", "bo": "ཁ་པར"}, "kind": "phone", "max_chars": 11, "verify": True,
    }  # fmt: skip

    with pytest.raises(EditError, match="填空的编号不能修改"):
        apply_edit(form, UpdateField(question="q4", field="f2", values={"id": "mobile"}))
    with pytest.raises(EditError, match="不能在这里修改填空的unit"):
        apply_edit(form, UpdateField(question="q4", field="f2", values={"unit": "元"}))
    with pytest.raises(EditError, match="这个修改不符合表单格式"):
        apply_edit(form, UpdateField(question="q4", field="f2", values={"kind": "email"}))
    with pytest.raises(EditError, match="这个填空已不存在"):
        apply_edit(form, UpdateField(question="q4", field="gone", values={"label": "甲"}))


def test_a_blank_that_is_no_longer_a_phone_is_not_verified() -> None:
    form = apply_edit(_form(NAME, PHONE), UpdateField(question="q4", field="phone", values={"kind": "text"}))
    assert _blanks(form)[1] == {"id": "phone", "label": "电话"}


def test_blanks_move_within_their_question() -> None:
    form = _form(NAME, PHONE)
    moved = apply_edit(form, MoveField(question="q4", field="phone", by=-1))
    assert [each["id"] for each in _blanks(moved)] == ["phone", "name"]
    assert apply_edit(moved, MoveField(question="q4", field="phone", by=-1)) == moved  # already first


def test_deleting_a_blank_is_refused_when_it_is_the_last_or_the_applicants_name() -> None:
    form = _form(NAME, PHONE, applicant_name="q4.name")
    assert [each["id"] for each in _blanks(apply_edit(form, DeleteField(question="q4", field="phone")))] == [
        "name"
    ]
    with pytest.raises(EditError, match="请先在“表单设置”里修改“申请人姓名取自”"):
        apply_edit(form, DeleteField(question="q4", field="name"))
    with pytest.raises(EditError, match="至少要有一个填空"):
        apply_edit(_form(NAME), DeleteField(question="q4", field="name"))


def test_a_question_without_blanks_has_none_to_edit() -> None:
    form = msgspec.convert(
        {"id": "x", "version": 1, "title": "试",
         "sections": [{"id": "s1", "title": "页", "questions": [{"type": "text", "id": "q1", "label": "姓名"}]}]},
        FormDef,
    )  # fmt: skip
    with pytest.raises(EditError, match="这道题没有填空"):
        apply_edit(form, AddField(question="q1"))


def test_the_history_says_whose_blanks_changed() -> None:
    form = _form(NAME)
    for edit in (
        AddField(question="q4"),
        UpdateField(question="q4", field="name", values={"label": "户主姓名"}),
        DeleteField(question="q4", field="name"),
        MoveField(question="q4", field="name", by=1),
    ):
        assert describe_edit(form, edit) == "修改了“联系人”的填空"


def test_the_panel_reads_each_blank_and_refuses_what_is_not_a_number() -> None:
    question = _form(NAME, PHONE).questions()[0]
    posted = {
        "label": "联系人", "field.name.label": "户主姓名", "field.name.kind": "text", "field.name.max_chars": "",
        "field.name.required._shown": "1", "field.name.verify._shown": "1", "field.name.verify": "1",
        "field.phone.label": "电话", "field.phone.kind": "phone", "field.phone.max_chars": "50",
        "field.phone.required._shown": "1", "field.phone.required": "1", "field.phone.verify._shown": "1",
    }  # fmt: skip
    edits, errors = question_edits(question, posted)
    assert not errors
    assert edits == [
        UpdateField(question="q4", field="name", values={"label": "户主姓名", "required": False}),
        UpdateField(question="q4", field="phone", values={"verify": False}),
    ]  # a text blank is never verified; an empty max_chars is the default, no change

    edits, errors = question_edits(question, {**posted, "field.phone.max_chars": "十一"})
    assert edits == [] and errors == {"field.phone.max_chars": "“电话”的最多字数请填整数，例如 20"}


def _page(admin: TestClient[Litestar], url: str, question: str = "q2") -> str:
    page = admin.get(f"{url}/?q={question}")
    assert page.status_code == 200, page.text
    return page.text


def _panel(html: str) -> dict[str, str]:
    """What the panel's form posts as it stands (text inputs, selects, ticked boxes, markers)."""
    form = html[html.index('id="panel-form"') : html.index("</form>", html.index('id="panel-form"'))]
    posted: dict[str, str] = {}
    for tag in re.finditer(r"<input [^>]*>", form):
        attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', tag.group(0)))
        if "name" not in attributes or (
            attributes.get("type") == "checkbox" and " checked" not in tag.group(0)
        ):
            continue
        posted[attributes["name"]] = attributes.get("value", "")
    for select in re.finditer(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', select.group(2))
        posted[select.group(1)] = chosen.group(1) if chosen else ""
    for area in re.finditer(r'<textarea [^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', form):
        posted[area.group(1)] = area.group(2)
    return posted


def _blank_ids(html: str) -> list[str]:
    return re.findall(r'name="field\.(\w+)\.label"', html)


def test_an_admin_edits_the_blanks_of_a_fields_question(admin: TestClient[Litestar]) -> None:
    url = _new_form(admin)
    assert _post(admin, url, "do", op="add_question", kind="fields", section="s1").status_code == 303  # type: ignore[attr-defined]
    html = _page(admin, url)
    assert _blank_ids(html) == ["f1"] and "＋ 添加填空" in html
    assert 'value="delete_field?question=q2&amp;field=f1" title="删除这个填空" disabled' in html

    assert _post(admin, url, "do", op="add_field?question=q2").status_code == 303  # type: ignore[attr-defined]
    html = _page(admin, url)
    assert _blank_ids(html) == ["f1", "f2"] and 'value="填空2"' in html

    posted = {
        **_panel(html),
        "field.f2.label": "联系电话",
        "field.f2.label.bo": "ཁ་པར",
        "field.f2.kind": "phone",
    }
    saved = admin.post(f"{url}/question/q2", data=posted, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    html = _page(admin, url)
    assert 'value="联系电话"' in html and 'value="ཁ་པར"' in html
    assert '<option value="phone" selected>手机号码</option>' in html
    assert "修改了“新的多项填空”的填空" in html  # the history

    posted = {**_panel(html), "field.f2.verify": "1", "field.f2.max_chars": "11"}
    saved = admin.post(f"{url}/question/q2", data=posted, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    html = _page(admin, url)
    assert 'id="blank-f2-verify" name="field.f2.verify" value="1" checked' in html
    assert 'name="field.f2.max_chars" value="11"' in html

    _post(admin, url, "do", op="move_field?question=q2&field=f2&by=-1")
    html = _page(admin, url)
    assert _blank_ids(html) == ["f2", "f1"]

    assert _post(admin, url, "do", op="delete_field?question=q2&field=f1").status_code == 303  # type: ignore[attr-defined]
    html = _page(admin, url)
    assert _blank_ids(html) == ["f2"]

    refused = _post(admin, url, "do", op="delete_field?question=q2&field=f2")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "多项填空至少要有一个填空" in refused.text  # type: ignore[attr-defined]


def test_the_blank_the_applicants_name_comes_from_is_not_deleted(admin: TestClient[Litestar]) -> None:
    url = _new_form(admin)
    _post(admin, url, "do", op="add_question", kind="fields", section="s1")
    _post(admin, url, "do", op="add_field?question=q2")
    settings = admin.get(f"{url}/?panel=form")
    assert 'value="q2.f1"' in settings.text  # a text blank can hold the name
    admin.post(
        f"{url}/settings",
        data={"_csrf": csrf_of(settings.text), "rev": _rev(settings.text), "title": "临时救助申请",
              "applicant_name": "q2.f1"},
    )  # fmt: skip

    refused = _post(admin, url, "do", op="delete_field?question=q2&field=f1")

    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "申请人姓名取自这个填空" in refused.text  # type: ignore[attr-defined]
    assert _blank_ids(_page(admin, url)) == ["f1", "f2"]


def test_a_max_chars_that_is_not_a_number_is_refused_at_its_blank(admin: TestClient[Litestar]) -> None:
    url = _new_form(admin)
    _post(admin, url, "do", op="add_question", kind="fields", section="s1")
    html = _page(admin, url)

    refused = admin.post(f"{url}/question/q2", data={**_panel(html), "field.f1.max_chars": "二十"})
    assert refused.status_code == 422
    assert (
        "“填空1”的最多字数请填整数" in refused.text
        and 'name="field.f1.max_chars" value="二十"' in refused.text
    )

    swapped = admin.post(
        f"{url}/question/q2",
        data={**_panel(html), "field.f1.max_chars": "二十"},
        headers={"HX-Request": "true"},
    )
    assert re.search(
        r'id="e-blank-f1" hx-swap-oob="true" role="alert">“填空1”的最多字数请填整数', swapped.text
    )


def test_a_form_built_with_blanks_lints_clean(admin: TestClient[Litestar]) -> None:
    url = _new_form(admin)
    _post(admin, url, "do", op="add_question", kind="fields", section="s1")
    _post(admin, url, "do", op="add_field?question=q2")
    html = _page(admin, url)
    admin.post(f"{url}/question/q2", data={**_panel(html), "field.f2.kind": "id_number"})
    exported = admin.get(f"{url}/export")
    assert exported.status_code == 200
    form = msgspec.json.decode(exported.content, type=FormDef)
    assert [each.get("kind", "text") for each in _blanks_of(form, "q2")] == ["text", "id_number"]
    assert lint_form(form, "blanks.json") == []
