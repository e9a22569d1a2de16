"""试填: a form being built, tried on a phone through its trial link, without a staff session; nothing is stored
as an application."""

from __future__ import annotations

import html
import io
import json
import re
import sqlite3
import time
from urllib.parse import urlsplit

import httpx
import pytest
import zxingcpp
from litestar import Litestar
from litestar.testing import TestClient
from PIL import Image

from shenbao.settings import Settings
from shenbao.web.farmer.trial import TRIAL_COOKIE
from shenbao.web.staff.session import STAFF_COOKIE
from shenbao.web.trial_links import TRIAL_LIFETIME, TrialExpired, TrialInvalid, read_trial, sign_trial
from tests.support.web import csrf_of, sign_in


def _new_form(admin: TestClient[Litestar]) -> str:
    page = admin.get("/admin/forms/new")
    made = admin.post(
        "/admin/forms",
        data={"_csrf": csrf_of(page.text), "title": "临时救助申请", "form_id": "relief-2027"},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    return str(made.headers["location"]).rstrip("/")


def _edit(admin: TestClient[Litestar], url: str, path: str, **data: str) -> None:
    page = admin.get(f"{url}/")
    rev = re.search(r'name="rev" value="(\d+)"', page.text)
    assert rev
    done = admin.post(
        f"{url}/{path}",
        data={"_csrf": csrf_of(page.text), "rev": rev.group(1), **data},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text


def _make_link(admin: TestClient[Litestar], url: str) -> str:
    """Press "生成试填链接和二维码" in the builder (htmx) and read the link from the part it swaps in."""
    part = admin.get(f"{url}/trial", headers={"HX-Request": "true"})
    assert part.status_code == 200, part.text
    made = admin.post(f"{url}/trial", data={"_csrf": csrf_of(part.text)}, headers={"HX-Request": "true"})
    assert made.status_code == 200, made.text
    assert "<html" not in made.text  # only the builder's part
    found = re.search(r'id="trial-url" type="text" readonly value="([^"]+)"', made.text)
    assert found, made.text
    return html.unescape(found.group(1))


@pytest.fixture
def built(admin: TestClient[Litestar]) -> str:
    """A new form with a text question (q1) and a single choice (q2) on its one page: the builder's address."""
    url = _new_form(admin)
    _edit(admin, url, "do", op="add_question", kind="single_choice", section="s1")
    _edit(admin, url, "question/q2", label="家里有没有人生病", **{"option.opt1": "有", "option.opt2": "没有"})
    return url


class Phone:
    """The phone the link is opened on: the same app (one database per process) with cookies of its own, signed in
    nowhere. ``with phone as client:`` makes the admin's client that phone for a while."""

    def __init__(self, client: TestClient[Litestar]) -> None:
        self.client = client
        self.cookies = httpx.Cookies()
        self._admin = httpx.Cookies()

    def __enter__(self) -> TestClient[Litestar]:
        self._admin = self.client.cookies
        self.client.cookies = self.cookies
        return self.client

    def __exit__(self, *_: object) -> None:
        self.cookies = self.client.cookies
        self.client.cookies = self._admin


@pytest.fixture
def phone(admin: TestClient[Litestar]) -> Phone:
    return Phone(admin)


def _path(link: str) -> str:
    return urlsplit(link).path.rstrip("/")


def _rows(settings: Settings, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(settings.data_dir / "web.db") as connection:
        return connection.execute(sql, args).fetchall()


def test_the_link_opens_the_draft_on_a_phone_and_ends_at_the_review(
    admin: TestClient[Litestar], built: str, phone: Phone, admin_settings: Settings
) -> None:
    link = _make_link(admin, built)
    trial = _path(link)
    assert link.startswith("http://127.0.0.1/try/")

    with phone as client:
        first = client.get(link, follow_redirects=False)
        assert first.status_code == 303 and first.headers["location"] == f"{trial}/s/s1"
        page = client.get(f"{trial}/s/s1")
        assert page.status_code == 200, page.text
        assert "家里有没有人生病" in page.text and "临时救助申请" in page.text
        assert '<meta name="robots" content="noindex">' in page.text
        assert page.headers["cache-control"] == "no-store" and page.headers["x-robots-tag"] == "noindex"
        assert "这是试填，答案不会提交" in page.text

        answer = {"_q": ["q1", "q2"], "q1": "张三", "q2": "opt1"}
        swapped = client.post(f"{trial}/s/s1/answer", data=answer, headers={"HX-Request": "true"})
        assert swapped.status_code == 200, swapped.text
        assert "<html" not in swapped.text  # the swap, not a page
        cookie = next(each for each in client.cookies.jar if each.name == TRIAL_COOKIE)
        assert cookie.path == "/try/"
        assert "张三</textarea>" in client.get(f"{trial}/s/s1").text  # kept as the trial's draft

        done = client.post(f"{trial}/s/s1", data=answer, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == f"{trial}/review"
        review = client.get(f"{trial}/review")
        assert review.status_code == 200
        assert "试填到此为止" in review.text and "试填不会保存任何申请，也不会发出短信" in review.text
        assert 'id="submit-form"' not in review.text and "张三" in review.text
        assert '<meta name="robots" content="noindex">' in review.text
        assert client.post(f"{trial}/submit").status_code in {404, 405}  # there is no submit

    assert _rows(admin_settings, "SELECT count(*) FROM application") == [(0,)]
    assert _rows(admin_settings, "SELECT count(*) FROM outbox") == [(0,)]
    assert _rows(admin_settings, "SELECT count(*) FROM otp_challenge") == [(0,)]
    audited = _rows(admin_settings, "SELECT target, detail FROM audit_log WHERE action = 'form.trial_link'")
    assert audited and audited[0][0] == "relief-2027" and "有效至" in str(audited[0][1])


def test_the_builder_part_shows_the_expiry_in_china_time(admin: TestClient[Litestar], built: str) -> None:
    part = admin.get(f"{built}/trial", headers={"HX-Request": "true"})
    assert 'action="/admin/forms/' in part.text and "生成试填链接和二维码" in part.text
    made = admin.post(
        f"{built}/trial", data={"_csrf": csrf_of(part.text)}
    )  # without script: a page of its own
    assert made.status_code == 200 and "<html" in made.text and "回到表单制作" in made.text
    expires = re.search(r"有效至 (\d{4}-\d\d-\d\d \d\d:\d\d)（北京时间）", made.text)
    assert expires, made.text
    link = re.search(r'id="trial-url" type="text" readonly value="([^"]+)"', made.text)
    assert link
    token = _path(html.unescape(link.group(1))).rsplit("/", 1)[1]
    assert read_trial("test", token).expires.timestamp() == pytest.approx(
        time.time() + TRIAL_LIFETIME.total_seconds(), abs=5
    )


def test_the_phone_sees_each_new_revision_on_its_next_page(
    admin: TestClient[Litestar], built: str, phone: Phone
) -> None:
    trial = _path(_make_link(admin, built))
    with phone as client:
        assert "家里有没有人生病" in client.get(f"{trial}/s/s1").text
    _edit(
        admin,
        built,
        "question/q2",
        label="家里有没有长期病人",
        **{"option.opt1": "有", "option.opt2": "没有"},
    )
    with phone as client:
        page = client.get(f"{trial}/s/s1")
    assert "家里有没有长期病人" in page.text and "家里有没有人生病" not in page.text


def test_the_qr_code_decodes_to_the_link(admin: TestClient[Litestar], built: str) -> None:
    part = admin.get(f"{built}/trial", headers={"HX-Request": "true"})
    made = admin.post(f"{built}/trial", data={"_csrf": csrf_of(part.text)}, headers={"HX-Request": "true"})
    link = html.unescape(re.findall(r'readonly value="([^"]+)"', made.text)[0])
    svg_url = html.unescape(re.findall(r'id="trial-qr" src="([^"]+)"', made.text)[0])
    png_url = html.unescape(re.findall(r'href="([^"]+\.png[^"]*)" download', made.text)[0])

    svg = admin.get(svg_url)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg")
    png = admin.get(png_url)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert [each.text for each in decoded] == [link]

    assert admin.get(png_url.replace("t=", "t=x")).status_code == 404  # a token not ours draws nothing


def test_a_bad_expired_or_deleted_link_gets_a_page_in_chinese(
    admin: TestClient[Litestar], built: str, phone: Phone, admin_settings: Settings
) -> None:
    trial = _path(_make_link(admin, built))
    form_pk = int(built.rsplit("/", 1)[1])
    old, _ = sign_trial(admin_settings.secrets, form_pk, "relief-2027", at=time.time() - 8 * 24 * 3600)
    with pytest.raises(TrialExpired):
        read_trial(admin_settings.secrets, old)

    with phone as client:
        tampered = client.get(f"{trial[:-3]}abc/s/s1")
        assert tampered.status_code == 404 and "试填链接无效" in tampered.text
        assert '<meta name="robots" content="noindex">' in tampered.text
        for junk in ("x", "%0d%0aSet-Cookie:%20a=b", "a.b.c", "%2e"):
            assert client.get(f"/try/{junk}/").status_code == 404
            assert (
                client.post(f"/try/{junk}/s/s1/answer", data={"q1": "x"}).status_code == 200
            )  # htmx: reload
            assert client.post(f"/try/{junk}/s/s1", data={"q1": "x"}).status_code == 404

        expired = client.get(f"/try/{old}/")
        assert expired.status_code == 410 and "试填链接已过期" in expired.text and "重新生成" in expired.text

        _rows(admin_settings, "DELETE FROM form_revision WHERE form = ?", form_pk)
        _rows(admin_settings, "DELETE FROM form_editor WHERE form = ?", form_pk)
        _rows(admin_settings, "DELETE FROM authored_form WHERE id = ?", form_pk)
        gone = client.get(f"{trial}/s/s1")
        assert gone.status_code == 410 and "这张表单已被删除" in gone.text
        assert client.get(f"{trial}/review").status_code == 410


def test_a_draft_with_problems_says_it_is_being_fixed(
    admin: TestClient[Litestar], built: str, phone: Phone, admin_settings: Settings
) -> None:
    trial = _path(_make_link(admin, built))
    form_pk = int(built.rsplit("/", 1)[1])
    [(stored,)] = _rows(admin_settings, "SELECT definition FROM authored_form WHERE id = ?", form_pk)
    definition = json.loads(str(stored))
    choice = definition["sections"][0]["questions"][1]
    choice["options"][1]["value"] = choice["options"][0]["value"]  # E003: one stored value twice
    _rows(
        admin_settings,
        "UPDATE authored_form SET definition = ?, revision = revision + 1 WHERE id = ?",
        json.dumps(definition, ensure_ascii=False),
        form_pk,
    )
    with phone as client:
        page = client.get(f"{trial}/s/s1")
    assert page.status_code == 200 and "管理员正在修改这张表单" in page.text
    assert 'name="q1"' not in page.text


def test_a_link_signed_with_a_retired_secret_still_opens() -> None:
    token, _ = sign_trial("old-secret", 7, "relief-2027")
    assert read_trial(("new-secret", "old-secret"), token).form_pk == 7
    with pytest.raises(TrialInvalid):
        read_trial("new-secret", token)


def test_a_county_account_gets_no_link(admin: TestClient[Litestar], built: str) -> None:
    admin.cookies.delete(STAFF_COOKIE)
    sign_in(admin, "county")
    assert admin.get(f"{built}/trial").status_code == 403
    page = admin.get("/staff/")
    refused = admin.post(f"{built}/trial", data={"_csrf": csrf_of(page.text)})
    assert refused.status_code == 403
    assert "只有省级账号可以制作和修改表单" in refused.text


def test_only_the_forms_own_links_draw_a_qr_code(admin: TestClient[Litestar], built: str) -> None:
    form_pk = int(built.rsplit("/", 1)[1])
    other, _ = sign_trial("test", form_pk + 1, "relief-2027")
    assert admin.get(f"{built}/trial/qr.svg?t={other}").status_code == 404
    assert admin.get(f"/admin/forms/{form_pk + 100}/trial").status_code == 404


def test_a_phone_question_sends_no_code_in_a_trial(
    admin: TestClient[Litestar], built: str, phone: Phone, admin_settings: Settings
) -> None:
    _edit(admin, built, "do", op="add_question", kind="phone", section="s1")
    trial = _path(_make_link(admin, built))
    with phone as client:
        page = client.get(f"{trial}/s/s1")
        assert page.status_code == 200, page.text
        assert 'name="q3"' in page.text and "试填不发短信验证码" in page.text
        assert "发送验证码</button>" not in page.text and "/widgets/phone/send" not in page.text
        pressed = client.post(
            f"{trial}/s/s1",
            data={"_q": ["q1", "q2", "q3"], "q1": "张三", "q3": "13800138000", "_otp_send": "q3"},
            follow_redirects=False,
        )
        assert pressed.status_code == 200  # without script: back on the page, as the button would
        assert 'value="13800138000"' in pressed.text
    assert _rows(admin_settings, "SELECT count(*) FROM otp_challenge") == [(0,)]
    assert _rows(admin_settings, "SELECT count(*) FROM outbox") == [(0,)]
