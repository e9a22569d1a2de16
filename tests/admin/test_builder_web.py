"""The builder through its pages, without script: every change a POST answered with the page, as a form admin
working with a mouse on an intranet PC (or a browser without script) would use it."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import TestClient

from shenbao.web.staff.session import STAFF_COOKIE
from tests.support.web import csrf_of, sign_in


def _new_form(admin: TestClient[Litestar], form_id: str = "relief-2027", title: str = "临时救助申请") -> str:
    page = admin.get("/admin/forms/new")
    assert page.status_code == 200, page.text
    made = admin.post(
        "/admin/forms",
        data={"_csrf": csrf_of(page.text), "title": title, "form_id": form_id},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    return str(made.headers["location"]).rstrip("/")


def _rev(html: str) -> str:
    found = re.search(r'name="rev" value="(\d+)"', html)
    assert found, html
    return found.group(1)


def _post(admin: TestClient[Litestar], url: str, path: str, **data: str) -> object:
    page = admin.get(f"{url}/")
    return admin.post(
        f"{url}/{path}",
        data={"_csrf": csrf_of(page.text), "rev": _rev(page.text), **data},
        follow_redirects=False,
    )


def test_only_province_accounts_open_the_admin_pages(admin_settings: object) -> None:
    from shenbao.app import create_app

    with TestClient(create_app(admin_settings), base_url="http://127.0.0.1") as client:  # type: ignore[arg-type]
        assert client.get("/admin/", follow_redirects=False).status_code == 303  # to the login page
        sign_in(client, "county")
        refused = client.get("/admin/")
        assert refused.status_code == 403
        assert "只有省级账号可以制作和修改表单" in refused.text


def test_the_list_shows_the_packs_forms_to_copy(admin: TestClient[Litestar]) -> None:
    page = admin.get("/admin/")
    assert page.status_code == 200
    assert "防止返贫监测对象自主申报" in page.text or "gansu-zizhu-2021" in page.text
    copied = admin.post(
        "/admin/forms/copy",
        data={"_csrf": csrf_of(page.text), "form_id": "gansu-zizhu-2021"},
        follow_redirects=False,
    )
    assert copied.status_code == 303
    builder = admin.get(str(copied.headers["location"]))
    assert builder.status_code == 200, builder.text
    assert "gansu-zizhu-2021-copy" in builder.text
    assert builder.text.count('data-q="') == 48  # q1–q47 and the materials


def test_a_new_form_is_built_question_by_question(admin: TestClient[Litestar]) -> None:
    url = _new_form(admin)
    added = _post(admin, url, "do", op="add_question", kind="single_choice", section="s1")
    assert added.status_code == 303  # type: ignore[attr-defined]
    page = admin.get(f"{url}/?q=q2")
    assert "新的单选题" in page.text and 'name="option.opt1"' in page.text

    saved = _post(
        admin, url, "question/q2", label="家里有没有人生病", **{"option.opt1": "有", "option.opt2": "没有"}
    )
    assert saved.status_code == 303, saved.text  # type: ignore[attr-defined]
    page = admin.get(f"{url}/?q=q2")
    assert "家里有没有人生病" in page.text and 'value="有"' in page.text

    undone = _post(admin, url, "undo")
    assert undone.status_code == 303  # type: ignore[attr-defined]
    assert "家里有没有人生病" not in admin.get(f"{url}/?q=q2").text


def test_a_number_that_is_not_a_number_is_refused_at_its_field(admin: TestClient[Litestar]) -> None:
    url = _new_form(admin)
    page = admin.get(f"{url}/?q=q1")
    refused = admin.post(
        f"{url}/question/q1",
        data={"_csrf": csrf_of(page.text), "rev": _rev(page.text), "label": "姓名", "max_chars": "二十"},
    )
    assert refused.status_code == 422
    assert "“最多字数”请填整数" in refused.text
    assert 'value="二十"' in refused.text  # what was typed is still there


def test_a_stale_save_is_refused_and_says_what_changed(admin: TestClient[Litestar]) -> None:
    url = _new_form(admin)
    old = admin.get(f"{url}/?q=q1")
    first = admin.cookies.get(STAFF_COOKIE)
    admin.cookies.delete(STAFF_COOKIE)  # the same browser, now a second admin: one app, two sessions
    sign_in(admin, "province2")
    page = admin.get(f"{url}/?q=q1")
    assert "也正在编辑这张表单" in page.text
    admin.post(
        f"{url}/question/q1", data={"_csrf": csrf_of(page.text), "rev": _rev(page.text), "label": "户主姓名"}
    )
    admin.cookies.set(STAFF_COOKIE, str(first), domain=admin.base_url.host, path="/")

    refused = admin.post(
        f"{url}/question/q1",
        data={"_csrf": csrf_of(old.text), "rev": _rev(old.text), "label": "申请人的姓名"},
    )

    assert refused.status_code == 409
    assert "您的修改没有保存" in refused.text and "province2" in refused.text
    assert "户主姓名" in admin.get(f"{url}/?q=q1").text


def test_a_copy_runs_the_packs_scenarios_and_a_broken_rule_fails_them(admin: TestClient[Litestar]) -> None:
    page = admin.get("/admin/")
    copied = admin.post(
        "/admin/forms/copy",
        data={"_csrf": csrf_of(page.text), "form_id": "gansu-zizhu-2021"},
        follow_redirects=False,
    )
    url = str(copied.headers["location"]).rstrip("/")
    assert "51个场景全部通过" in admin.get(f"{url}/").text

    page = admin.get(f"{url}/?q=q12")
    label = re.search(r'<textarea id="f-label" name="label"[^>]*>([^<]*)<', page.text)
    assert label
    _post(
        admin, url, "question/q12", label=label.group(1), required="1", **{"required._shown": "1"}
    )  # 必须回答

    builder = admin.get(f"{url}/?panel=scenarios")
    assert "个没有通过" in builder.text
    assert "第12题不应是未填写的必答题，实际没有填写" in builder.text

    _post(admin, url, "do", op="delete_question", question="q8")
    builder = admin.get(f"{url}/?q=q9")
    assert (
        "个没有通过" in builder.text
    )  # the rules still compile: the scenarios run, and say what q8's loss changed
    assert "显示条件用到的题目 q8 已不存在" in builder.text  # q9's display rule, at q9, in Chinese


def test_the_preview_answers_become_a_scenario(admin: TestClient[Litestar]) -> None:
    url = _new_form(admin)
    _post(admin, url, "do", op="add_question", kind="single_choice", section="s1")
    form_pk = url.rsplit("/", 1)[1]
    preview = admin.get(f"/admin/preview/{form_pk}/s/s1")
    assert preview.status_code == 200, preview.text
    assert "新的单选题" in preview.text
    answered = admin.post(
        f"/admin/preview/{form_pk}/s/s1/answer",
        data={"_csrf": csrf_of(preview.text), "_q": ["q1", "q2"], "q1": "张三", "q2": "opt1"},
    )
    assert answered.status_code == 200, answered.text

    saved = _post(admin, url, "scenarios", name="选了选项1")

    assert saved.status_code == 303  # type: ignore[attr-defined]
    page = admin.get(f"{url}/?panel=scenarios")
    assert "1个场景全部通过" in page.text and "选了选项1" in page.text
    _post(admin, url, "question/q2", label="新的单选题", required="", **{"required._shown": "1"})
    assert "1个场景全部通过" in admin.get(f"{url}/?panel=scenarios").text


def test_the_preview_says_why_a_question_is_hidden(admin: TestClient[Litestar]) -> None:
    page = admin.get("/admin/")
    copied = admin.post(
        "/admin/forms/copy",
        data={"_csrf": csrf_of(page.text), "form_id": "gansu-zizhu-2021"},
        follow_redirects=False,
    )
    form_pk = str(copied.headers["location"]).rstrip("/").rsplit("/", 1)[1]
    preview = admin.get(f"/admin/preview/{form_pk}/s/household")
    assert preview.status_code == 200
    assert "第9题“" in preview.text and "第8题选“有”时显示；现在第8题还没有回答" in preview.text

    swap = admin.post(
        f"/admin/preview/{form_pk}/s/household/answer",
        data={"_csrf": csrf_of(preview.text), "_q": ["q8"], "q8": "no"},
        headers={"HX-Request": "true"},
    )

    assert 'id="why-hidden" hx-swap-oob="true"' in swap.text
    assert "现在第8题选的是“没有”" in swap.text and "第10题“" not in swap.text  # q10 shows now


def test_a_farmers_page_never_explains_hidden_questions(admin: TestClient[Litestar]) -> None:
    page = admin.get("/f/gansu-zizhu-2021/s/household")
    assert "why-hidden" not in page.text
