"""Publishing through the pages, without script: the publish page's checks, changes and impact; a publication
served to farmers at once; a refusal shown where it is; versions, a diff between two and a rollback; a pack's form
opened as the draft of its next version; staff reading an application in its own version."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from tests.admin.test_builder_web import _new_form, _post
from tests.support.web import csrf_of

Client = TestClient[Litestar]


def _publish(admin: Client, url: str, reason: str = "第一次发布", **override: str) -> Any:
    page = admin.get(f"{url}/publish")
    assert page.status_code == 200, page.text
    revision = re.search(r'name="revision" value="(\d+)"', page.text)
    current = re.search(r'name="current" value="(\d*)"', page.text)
    assert revision and current, page.text
    data = {"_csrf": csrf_of(page.text), "revision": revision.group(1), "current": current.group(1)}
    return admin.post(f"{url}/publish", data={**data, "reason": reason, **override}, follow_redirects=False)


def _label(admin: Client, url: str, question: str, label: str) -> None:
    saved = _post(admin, url, f"question/{question}", label=label)
    assert getattr(saved, "status_code", 0) == 303, getattr(saved, "text", "")


def test_a_clean_draft_is_published_and_farmers_get_it_at_once(admin: Client) -> None:
    url = _new_form(admin)
    page = admin.get(f"{url}/publish")
    assert "✓ 检查通过" in page.text and "第一次发布" in page.text and "发布为第1版" in page.text
    assert admin.get("/f/relief-2027").status_code == 404  # not served before it is published
    assert "临时救助申请" not in admin.get("/").text

    published = _publish(admin, url)

    assert published.status_code == 303
    assert published.headers["location"].endswith("/admin/versions/relief-2027?published=1")
    versions = admin.get(published.headers["location"])
    assert (
        "农户从现在起用第1版" in versions.text
        and "第一次发布" in versions.text
        and "农户在用" in versions.text
    )
    farmer = admin.get("/f/relief-2027")
    assert farmer.status_code == 200 and "临时救助申请" in farmer.text
    assert "临时救助申请" in admin.get("/").text  # the farmers' list of forms, cached per set of versions
    assert "农户在用第1版" in admin.get(f"{url}/").text


def test_the_publish_page_shows_the_changes_classed_and_the_impact(admin: Client) -> None:
    url = _new_form(admin)
    _publish(admin, url)
    _label(admin, url, "q1", "户主姓名")

    page = admin.get(f"{url}/publish")

    assert "与农户现在用的第1版相比" in page.text
    assert 'id="changes-safe"' in page.text and "户主姓名" in page.text
    assert 'id="changes-breaking"' not in page.text
    assert "现在没有人在填这张表" in page.text and "发布为第2版" in page.text


def test_a_refusal_names_what_to_fix_and_keeps_the_reason_typed(admin: Client) -> None:
    url = _new_form(admin)
    refused = _publish(admin, url, reason="")
    assert refused.status_code == 422 and "请写明为什么发布" in refused.text

    stale = _publish(admin, url, revision="99", reason="按新政策")
    assert stale.status_code == 409 and "草稿又有了改动" in stale.text and "按新政策" in stale.text
    assert admin.get("/f/relief-2027").status_code == 404


def test_an_unchanged_draft_has_nothing_to_publish(admin: Client) -> None:
    url = _new_form(admin)
    _publish(admin, url)
    page = admin.get(f"{url}/publish")
    assert "没有改动" in page.text
    assert re.search(r'<button class="btn" type="submit" id="publish" disabled', page.text)


def test_versions_compare_and_a_rollback_serves_the_older_one(admin: Client) -> None:
    url = _new_form(admin)
    _publish(admin, url)
    _label(admin, url, "q1", "户主姓名")
    assert _publish(admin, url, reason="改了题目文字").status_code == 303

    diff = admin.get("/admin/versions/relief-2027/diff?from=1&to=2")
    assert diff.status_code == 200 and "第1版 → 第2版" in diff.text and "户主姓名" in diff.text
    assert admin.get("/admin/versions/relief-2027/diff?from=1&to=9").status_code == 404

    page = admin.get("/admin/versions/relief-2027")
    rolled = admin.post(
        "/admin/versions/relief-2027/rollback",
        data={"_csrf": csrf_of(page.text), "version": "1", "current": "2", "reason": "新文字有误"},
        follow_redirects=False,
    )
    assert rolled.status_code == 303
    after = admin.get("/admin/versions/relief-2027")
    assert "回退到第1版（原为第2版） · province：新文字有误" in after.text
    assert "申请人姓名" in admin.get("/f/relief-2027/s/s1").text

    stale = admin.post(
        "/admin/versions/relief-2027/rollback",
        data={"_csrf": csrf_of(page.text), "version": "2", "current": "2", "reason": "再换"},
    )
    assert stale.status_code == 409 and "现在农户用的是第1版" in stale.text


def test_a_packs_form_opens_as_the_draft_of_its_next_version(admin: Client) -> None:
    page = admin.get("/admin/")
    assert "修改（做下一版）" in page.text
    opened = admin.post(
        "/admin/forms/revise",
        data={"_csrf": csrf_of(page.text), "form_id": "gansu-yijian-2023"},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    builder = admin.get(opened.headers["location"])
    assert "gansu-yijian-2023" in builder.text and "农户在用第1版" in builder.text
    again = admin.post(
        "/admin/forms/revise",
        data={"_csrf": csrf_of(page.text), "form_id": "gansu-yijian-2023"},
        follow_redirects=False,
    )
    assert again.headers["location"] == opened.headers["location"]  # one draft per form
    versions = admin.get("/admin/versions/gansu-yijian-2023")
    assert "包文件 gansu" in versions.text and "修改草稿（下一版）" in versions.text


def test_publications_and_rollbacks_are_named_in_the_audit_log(admin: Client) -> None:
    url = _new_form(admin)
    _publish(admin, url, reason="上线")
    log = admin.get("/staff/audit?action=form.*")
    assert log.status_code == 200
    assert "发布表单" in log.text and "发布第1版（原为未发布）：上线" in log.text and "新建表单" in log.text
