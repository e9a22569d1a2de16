"""The chain editor through its pages, without script: a step's deadline changed and the timeline's dates with it,
each bad input refused where it is, a stale save told, the draft published as the chain's next version (new cases
start on it, an open one keeps its own), and only province accounts let in."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from shenbao.app import create_app
from shenbao.settings import Settings
from tests.support.web import csrf_of, sign_in

Client = TestClient[Litestar]
CHAIN = "/admin/chains/gansu-yijian-2023"


def _rev(html: str) -> str:
    found = re.search(r'name="rev" value="(\d+)"', html)
    assert found, html
    return found.group(1)


def _edit(admin: Client, **data: str) -> Any:
    page = admin.get(CHAIN)
    return admin.post(
        f"{CHAIN}/edit",
        data={"_csrf": csrf_of(page.text), "rev": _rev(page.text), **data},
        follow_redirects=False,
    )


def _step(admin: Client, step: str, **changes: str) -> Any:
    page = admin.get(CHAIN).text
    section = page[page.index(f'id="step-{step}"') :]
    form = section[section.index('class="step-form"') :]
    form = form[: form.index("</form>")]
    values = dict(re.findall(r'name="(name|public_name)" value="([^"]*)"', form))
    role = re.search(r'name="role">.*?<option value="(\w+)" selected', form, re.S)
    days = re.search(r'name="working_days" value="(\d+)"', form)
    start = re.search(r'<option value="(\w+)" selected>(?:提交申请之日|进入这一步之日)', form)
    ticked = re.findall(r'name="(action\.\w+)" value="1" checked', form)
    assert role and days and start, form
    data = {
        "op": "step", "step": step, **values, "role": role.group(1), "working_days": days.group(1),
        "start": start.group(1), "actions._shown": "1", **dict.fromkeys(ticked, "1"), "form": "",
    }  # fmt: skip
    chosen = re.search(r'name="form">.*?<option value="([\w-]+)" selected', form, re.S)
    if chosen:
        data["form"] = chosen.group(1)
    return _edit(admin, **{**data, **changes})


def test_the_chains_are_listed_and_one_opens_with_its_steps_and_dates(admin: Client) -> None:
    listed = admin.get("/admin/chains")
    assert listed.status_code == 200 and "gansu-yijian-2023" in listed.text and "第1版" in listed.text
    page = admin.get(f"{CHAIN}?on=2026-09-28")
    assert page.status_code == 200
    assert "村级核查" in page.text or "入户核查" in page.text
    assert 'id="due-household_check"' in page.text and "10月10日" in page.text  # 调休 Saturday 10 October
    assert "国庆节" in page.text and "调休上班" in page.text
    assert (
        "第5题选了“因灾（遭受自然灾害）”“因意外事故”中任一项</span>" in page.text
    )  # the green channel, said


def test_a_deadline_changed_moves_the_timeline_and_publishing_makes_it_the_next_version(
    admin: Client,
) -> None:
    before = admin.get(f"{CHAIN}?on=2026-09-28").text
    assert re.search(r'id="due-household_check">.*?10月10日', before, re.S)

    saved = _step(admin, "household_check", working_days="7")
    assert saved.status_code == 303, saved.text

    after = admin.get(f"{CHAIN}?on=2026-09-28").text
    assert re.search(
        r'id="due-household_check">.*?10月13日', after, re.S
    )  # 7 working days: 29, 30 Sep, 8, 9, 10 (调休), 12, 13 Oct
    assert "第2次保存" in after
    assert "与第1版相比" in after and "“村级入户核查”的期限由提交后5个工作日改为提交后7个工作日" in after
    page = admin.get(CHAIN)
    published = admin.post(
        f"{CHAIN}/publish",
        data={
            "_csrf": csrf_of(page.text),
            "rev": _rev(page.text),
            "current": "1",
            "reason": "核查期限放宽到7天",
        },
        follow_redirects=False,
    )
    assert published.status_code == 303 and published.headers["location"].endswith("?published=2")
    shown = admin.get(published.headers["location"]).text
    assert "已发布为第2版" in shown and "新申请现用第2版" in shown
    assert "与第2版相比：</strong>没有改动" in shown and 'id="publish-chain" disabled' in shown

    rolled = admin.post(
        f"{CHAIN}/rollback",
        data={"_csrf": csrf_of(shown), "version": "1", "current": "2", "reason": "7天太长，恢复原来的5天"},
        follow_redirects=False,
    )
    assert rolled.status_code == 303
    back = admin.get(f"{CHAIN}?on=2026-09-28").text
    assert "新申请现用第1版" in back and "回退到第1版 · province：7天太长，恢复原来的5天" in back
    stale = admin.post(
        f"{CHAIN}/rollback",
        data={"_csrf": csrf_of(shown), "version": "2", "current": "2", "reason": "再换回来"},
    )
    assert stale.status_code == 409 and "现在新申请用的是第1版" in stale.text


def test_a_step_is_given_to_an_office_of_its_level_and_a_bad_office_refused(admin: Client) -> None:
    saved = _step(admin, "county_approval", role="county", office="乡村振兴")
    assert saved.status_code == 303, saved.text
    page = admin.get(CHAIN).text
    assert "“县级审批”由县级（乡村振兴）办理，但全省还没有一个县级（乡村振兴）账号" in page  # none opened yet
    assert 'name="office" value="乡村振兴"' in page
    refused = _step(admin, "county_approval", role="county", office="民政 局")
    assert refused.status_code == 422 and "科室名称要用1到10个汉字、字母或数字" in refused.text
    assert 'name="office" value="乡村振兴"' in admin.get(CHAIN).text  # the refused office changed nothing


def test_bad_input_is_refused_where_it_is_and_changes_nothing(admin: Client) -> None:
    refused = _step(admin, "household_check", working_days="十")
    assert refused.status_code == 422 and "“期限”请填1到250之间的整数" in refused.text
    unknown = _edit(
        admin, op="sms", template="refused", text="您的申请{receipt}被驳回，原因：{reason}，{nonsense}"
    )
    assert unknown.status_code == 303  # kept in the draft: the check names it, and publishing stays closed
    page = admin.get(CHAIN).text
    assert "{nonsense}不是可用的变量" in page and 'id="publish-chain" disabled' in page
    stale = admin.post(
        f"{CHAIN}/edit",
        data={"_csrf": csrf_of(page), "rev": "1", "op": "chain_deadline", "working_days": "20"},
        follow_redirects=False,
    )
    assert stale.status_code == 409 and "你的修改没有保存" in stale.text


def test_only_province_accounts_edit_chains(admin_settings: Settings) -> None:
    with TestClient(create_app(admin_settings), base_url="http://127.0.0.1") as client:
        sign_in(client, "county")
        assert client.get("/admin/chains").status_code == 403


def test_the_green_channel_is_set_with_the_rule_builders_rows(admin: Client) -> None:
    rows = {"node.r": "cond", "was.r": "hardship", "q.r": "hardship", "op.r": "any_of"}
    saved = _edit(admin, op="green_rule", **rows, **{"vs.r.illness": "1", "vs.r.disaster": "1"})
    assert saved.status_code == 303, saved.text
    page = admin.get(CHAIN).text
    assert "第5题选了“因病（家里有人生病）”“因灾（遭受自然灾害）”中任一项" in page
    assert "绿色通道的规则或设置变了" in page  # what publishing would change

    both = _edit(admin, op="green_rule", act="and", **rows, **{"vs.r.illness": "1"})
    assert both.status_code == 303
    grouped = admin.get(CHAIN).text
    assert 'name="node.r" aria-label="这一组的条件"' in grouped and 'name="node.r.1" value="cond"' in grouped

    removed = _edit(admin, op="green_rule", act="del:r", **rows)
    assert removed.status_code == 303
    gone = admin.get(CHAIN).text
    assert 'id="green-start"' in gone and "green-sentence" not in gone


def test_the_sms_length_counts_the_sign_of_the_chain_s_pack() -> None:
    from types import SimpleNamespace

    from shenbao.pack_runtime import Packs
    from shenbao.packs import ChainRegistry
    from shenbao.web.admin.chain_views import pack_sign

    packs = ["gansu", "example-ningxia"]
    services = SimpleNamespace(chains=ChainRegistry.from_packs(packs), packs=Packs.load(packs))
    assert pack_sign(services, "gansu-yijian-2023") == "甘肃一键报贫"  # type: ignore[arg-type]
    assert pack_sign(services, "example-ningxia-apply") == "宁夏防返贫申报"  # type: ignore[arg-type]
    assert pack_sign(services, "no-such-chain") is None  # type: ignore[arg-type]
