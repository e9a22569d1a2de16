"""The rule builder through its pages: every rule of both Gansu forms opens as rows, and rows are changed by posts."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao.packs import FormRegistry
from tests.support.web import csrf_of

GANSU = FormRegistry.from_packs(["gansu"])


def _copy(admin: TestClient[Litestar], form_id: str) -> str:
    page = admin.get("/admin/")
    copied = admin.post(
        "/admin/forms/copy", data={"_csrf": csrf_of(page.text), "form_id": form_id}, follow_redirects=False
    )
    return str(copied.headers["location"]).rstrip("/")


def _keys(html: str) -> dict[str, str]:
    rev = re.search(r'name="rev" value="(\d+)"', html)
    assert rev
    return {"_csrf": csrf_of(html), "rev": rev.group(1)}


@pytest.mark.parametrize("form_id", ["gansu-zizhu-2021", "gansu-yijian-2023"])
def test_every_rule_of_the_gansu_forms_opens_in_the_rule_builder(
    admin: TestClient[Litestar], form_id: str
) -> None:
    url = _copy(admin, form_id)
    form = GANSU.get(form_id)
    assert form is not None
    with_rules = [q for q in form.questions if q.visible_if or q.jumps or q.checks]
    assert with_rules
    for question in with_rules:
        page = admin.get(f"{url}/?q={question.id}").text
        assert "条件编辑器无法显示" not in page, question.id
        expected = (1 if question.visible_if else 0) + len(question.jumps) + len(question.checks)
        assert page.count('class="rule" id="rule-') == expected, question.id
        assert 'name="node.r"' in page, question.id


def test_q9_reads_as_a_sentence_and_its_rows(admin: TestClient[Litestar]) -> None:
    url = _copy(admin, "gansu-zizhu-2021")
    page = admin.get(f"{url}/?q=q9").text
    assert "第8题选“有”时显示" in page
    assert re.search(r'<select name="q.r"[^>]*>.*<option value="q8" selected>', page, re.S)


def test_a_condition_becomes_two_that_must_both_hold(admin: TestClient[Litestar]) -> None:
    url = _copy(admin, "gansu-zizhu-2021")
    page = admin.get(f"{url}/?q=q9").text
    rows = {"node.r": "cond", "q.r": "q8", "was.r": "q8", "op.r": "is", "v.r": "yes", "mode": "tree"}
    anded = admin.post(
        f"{url}/question/q9/rules/visible_if/0",
        data={**_keys(page), **rows, "act": "and"},
        follow_redirects=False,
    )
    assert anded.status_code == 303, anded.text
    page = admin.get(f"{url}/?q=q9").text
    assert 'name="node.r" aria-label' in page and "下面全部满足" in page
    assert 'name="node.r.1"' in page

    both = {
        "node.r": "all", "node.r.0": "cond", "q.r.0": "q8", "was.r.0": "q8", "op.r.0": "is", "v.r.0": "yes",
        "node.r.1": "cond", "q.r.1": "q5", "was.r.1": "q5", "op.r.1": "is", "v.r.1": "agri", "mode": "tree",
    }  # fmt: skip
    saved = admin.post(
        f"{url}/question/q9/rules/visible_if/0", data={**_keys(page), **both}, follow_redirects=False
    )
    assert saved.status_code == 303
    page = admin.get(f"{url}/?q=q9").text
    assert "第8题选“有”，并且第5题选“农业户籍”时显示" in page or "并且第5题选" in page


def test_a_typed_expression_is_checked_as_it_is_typed_and_kept(admin: TestClient[Litestar]) -> None:
    url = _copy(admin, "gansu-zizhu-2021")
    page = admin.get(f"{url}/?q=q9").text
    bad = admin.post(
        f"{url}/question/q9/rules/visible_if/0/check", data={**_keys(page), "expression": 'q8 == "yes" &&'}
    )
    assert "表达式有错" in bad.text
    good = admin.post(
        f"{url}/question/q9/rules/visible_if/0/check", data={**_keys(page), "expression": 'q8 != "yes"'}
    )
    assert "第8题没选“有”时显示" in good.text or "不是" in good.text

    typed = admin.post(
        f"{url}/question/q9/rules/visible_if/0",
        data={**_keys(page), "mode": "expression", "expression": 'q8 == "yes" || size(q10) > 99'},
        follow_redirects=False,
    )
    assert typed.status_code == 303
    page = admin.get(f"{url}/?q=q9").text
    assert "q8 == &#34;yes&#34; || size(q10) &gt; 99" in page or "size(q10)" in page


def test_outcomes_are_added_changed_and_kept_while_a_jump_goes_there(admin: TestClient[Litestar]) -> None:
    page = admin.get("/admin/forms/new")
    made = admin.post(
        "/admin/forms",
        data={"_csrf": csrf_of(page.text), "title": "试", "form_id": "try-outcomes"},
        follow_redirects=False,
    )
    url = str(made.headers["location"]).rstrip("/")
    page = admin.get(f"{url}/?panel=form").text
    admin.post(f"{url}/outcomes/add", data={**_keys(page), "kind": "flagged"})
    page = admin.get(f"{url}/?panel=form").text
    assert 'id="outcome-end1"' in page and "可以申请，但标记为不符合政策" in page
    changed = admin.post(
        f"{url}/outcomes/end1",
        data={**_keys(page), "kind": "blocked", "message": "非农户籍不能申请"},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    page = admin.get(f"{url}/?q=q1").text
    admin.post(f"{url}/question/q1/rules/jump/add", data=_keys(page))
    page = admin.get(f"{url}/?panel=form").text
    assert "非农户籍不能申请" in page

    refused = admin.post(f"{url}/outcomes/end1/delete", data=_keys(page))

    assert refused.status_code == 422
    assert "还有1道题的跳转转到这个结果" in refused.text


def test_the_region_pickers_root_is_chosen_one_level_at_a_time(admin: TestClient[Litestar]) -> None:
    url = _copy(admin, "gansu-zizhu-2021")
    page = admin.get(f"{url}/?q=q6").text
    assert "从哪里开始选：</strong>甘肃省" in page
    assert page.count('<option value="62') == 14  # the cities of Gansu, not their 17,718 villages
    narrowed = admin.post(
        f"{url}/question/q6/root", data={**_keys(page), "root": "6201"}, follow_redirects=False
    )
    assert narrowed.status_code == 303, narrowed.text[:500]
    page = admin.get(f"{url}/?q=q6").text
    assert "甘肃省 › 兰州市" in page and 'id="root-up"' in page

    refused = admin.post(f"{url}/question/q6/root", data={**_keys(page), "root": "64"})
    assert refused.status_code == 422 and "只能选您所在地区之内的地方" in refused.text


def test_a_region_question_too_shallow_for_the_chain_is_a_problem_at_it(admin: TestClient[Litestar]) -> None:
    url = _copy(admin, "gansu-zizhu-2021")
    page = admin.get(f"{url}/?q=q6").text
    label = re.search(r'<textarea id="f-label" name="label"[^>]*>([^<]*)<', page)
    assert label
    admin.post(f"{url}/question/q6", data={**_keys(page), "label": label.group(1), "depth": "township"})

    page = admin.get(f"{url}/?q=q6").text

    assert "只选到乡镇（街道）" in page or "只选到乡镇" in page
    assert "请把“选到哪一级”改为村级" in page


def test_an_options_group_heading_is_edited_and_kept(admin: TestClient[Litestar]) -> None:
    url = _copy(admin, "gansu-zizhu-2021")
    page = admin.get(f"{url}/?q=q9").text
    groups = re.findall(r'name="option\.([^"]+)\.group" value="([^"]*)"', page)
    assert groups and any(heading for _, heading in groups)  # q9's topics came with the copy
    value = groups[0][0]
    label = re.search(r'<textarea id="f-label" name="label"[^>]*>([^<]*)<', page)
    assert label
    option = re.search(rf'name="option\.{re.escape(value)}" value="([^"]*)"', page)
    assert option
    data = {
        **_keys(page),
        "label": label.group(1),
        f"option.{value}": option.group(1),
        f"option.{value}.group": "家庭情况",
    }
    saved = admin.post(f"{url}/question/q9", data=data, follow_redirects=False)
    assert saved.status_code == 303
    assert f'name="option.{value}.group" value="家庭情况"' in admin.get(f"{url}/?q=q9").text


def test_a_check_may_add_up_later_questions(admin: TestClient[Litestar]) -> None:
    url = _copy(admin, "gansu-zizhu-2021")
    page = admin.get(f"{url}/?q=q13").text
    assert "不能选" not in page  # a check reads any question: q14–q19 come after q13
    for addend in ("q15", "q16", "q17", "q18", "q19"):
        assert re.search(rf'name="sum\.r\.1\.{addend}" value="1" checked', page), addend
