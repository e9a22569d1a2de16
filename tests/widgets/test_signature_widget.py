"""E-signature: a blank pad or a single tap is refused; a signature is kept as a clean PNG."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from PIL import Image, PngImagePlugin

from shenbao.display import display_answer
from shenbao.files import parse_ref
from shenbao.forms.model import Signature
from shenbao.widgets import WidgetRegistry, WidgetServices, rejection
from tests.support.images import NAME_STROKES, jpeg_bytes, png_bytes
from tests.support.s3 import stored_names

pytestmark = pytest.mark.anyio

Q45 = Signature(id="q45", label="签名")


async def receive(widgets: WidgetRegistry, raw: Any, services: WidgetServices) -> Any:
    hook = widgets["signature"].receive
    assert hook is not None
    return await hook(Q45, raw, services)


async def test_a_signature_is_kept_as_a_png(widgets: WidgetRegistry, services: WidgetServices) -> None:
    value = await receive(widgets, png_bytes(strokes=NAME_STROKES), services)
    ref = parse_ref(value)
    assert ref is not None and ref.type == "image/png"
    with Image.open(io.BytesIO(await services.files.read(ref))) as image:
        assert image.format == "PNG" and image.mode == "RGBA" and image.size == (600, 240)
    assert widgets.clean(Q45, value) == (value, [])


async def test_text_chunks_are_dropped(widgets: WidgetRegistry, services: WidgetServices) -> None:
    image = Image.open(io.BytesIO(png_bytes(strokes=NAME_STROKES)))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    ref = parse_ref(await receive(widgets, out.getvalue(), services))
    assert ref is not None
    with Image.open(io.BytesIO(await services.files.read(ref))) as stored:
        assert "Comment" not in stored.info


async def test_a_data_url_from_the_form_is_kept(widgets: WidgetRegistry, services: WidgetServices) -> None:
    data_url = "data:image/png;base64," + base64.b64encode(png_bytes(strokes=NAME_STROKES)).decode()
    assert parse_ref(await receive(widgets, data_url, services)) is not None


def _opaque_white_pad() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 240), "white").save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (png_bytes(), "签名是空白的，请在框里用手指写下您的名字"),
        (_opaque_white_pad(), "签名是空白的，请在框里用手指写下您的名字"),
        (png_bytes(strokes=[(300, 120, 314, 126)]), "签名太小了，只有一个点，请在框里用手指写下您的名字"),
        (jpeg_bytes(), "这不是一张图片，请在框里用手指写下您的名字"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "这不是一张图片，请在框里用手指写下您的名字"),
        (png_bytes(strokes=NAME_STROKES)[:400], "图片没有传完整，请在框里用手指写下您的名字"),
    ],
    ids=["blank", "blank-white", "a-dot", "a-jpeg", "broken-png", "truncated"],
)
async def test_a_blank_pad_or_not_a_png_is_refused(
    widgets: WidgetRegistry, services: WidgetServices, raw: bytes, message: str
) -> None:
    value = await receive(widgets, raw, services)
    assert rejection(value) == [message]
    assert widgets.clean(Q45, value) == (None, [message])


def test_only_a_stored_png_is_a_signature_answer(widgets: WidgetRegistry) -> None:
    assert widgets.clean(Q45, {"file": "a" * 64, "type": "image/jpeg"}) == (
        None,
        ["签名没有保存好，请在框里用手指写下您的名字"],
    )
    assert widgets.clean(Q45, None) == (None, [])


# Household signers (signers: "household"): the applicant and each family member, each with a name.

HOUSEHOLD = Signature(id="q45", label="签名", signers="household")


def _pad(shift: int = 0) -> str:
    strokes = [(x0, y0 + shift, x1, y1) for x0, y0, x1, y1 in NAME_STROKES]
    return "data:image/png;base64," + base64.b64encode(png_bytes(strokes=strokes)).decode()


async def receive_household(widgets: WidgetRegistry, raw: Any, services: WidgetServices) -> Any:
    hook = widgets["signature"].receive
    assert hook is not None
    return await hook(HOUSEHOLD, raw, services)


async def test_a_household_signs_with_names(widgets: WidgetRegistry, services: WidgetServices) -> None:
    posted = json.dumps(
        [
            {"name": "张三", "role": "applicant", "image": _pad()},
            {"name": " 李四 ", "role": "member", "image": _pad(10)},
        ]
    )
    value = await receive_household(widgets, posted, services)
    cleaned, problems = widgets.clean(HOUSEHOLD, value)
    assert problems == []
    assert [(signer["name"], signer["role"], signer["type"]) for signer in cleaned] == [
        ("张三", "applicant", "image/png"),
        ("李四", "member", "image/png"),
    ]
    assert cleaned[0]["file"] != cleaned[1]["file"]
    for signer in cleaned:
        assert set(signer) == {"name", "role", "file", "type"}
        ref = parse_ref({"file": signer["file"], "type": signer["type"]})
        assert ref is not None and await services.files.size(ref) is not None
    # Once kept, the references come back on the next save and are checked again, not stored twice.
    assert await receive_household(widgets, cleaned, services) == cleaned
    assert widgets.clean(HOUSEHOLD, cleaned) == (cleaned, [])
    assert display_answer(HOUSEHOLD, cleaned) == "张三、李四（共2人签名）"


async def test_each_signer_needs_a_name(widgets: WidgetRegistry, services: WidgetServices) -> None:
    value = await receive_household(
        widgets,
        [
            {"name": "张三", "role": "applicant", "image": _pad()},
            {"name": "  ", "role": "member", "image": _pad(10)},
            {"name": "王" * 21, "role": "member", "image": _pad(20)},
            {"name": "<b>", "role": "member", "image": _pad(30)},
        ],
        services,
    )
    assert widgets.clean(HOUSEHOLD, value) == (
        None,
        [
            "第2位签名人还没有写名字",
            "第3位签名人的名字太长了（最多20个字）",
            "第4位签名人的名字只能写汉字或字母",
        ],
    )
    minority = [{**value[0], "name": "阿依古丽·买买提"}]
    assert widgets.clean(HOUSEHOLD, minority)[1] == []


async def test_a_blank_or_missing_signature_names_the_signer(
    widgets: WidgetRegistry, services: WidgetServices
) -> None:
    blank = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    value = await receive_household(
        widgets,
        [
            {"name": "张三", "role": "applicant", "image": _pad()},
            {"name": "李四", "role": "member", "image": blank},
        ],
        services,
    )
    message = "第2位签名人的签名是空白的，请在框里用手指写下您的名字"
    assert rejection(value) == [message]
    assert widgets.clean(HOUSEHOLD, value) == (None, [message])
    unsigned = await receive_household(
        widgets, [{"name": "张三", "role": "applicant", "image": _pad()}, {"name": "李四"}], services
    )
    assert widgets.clean(HOUSEHOLD, unsigned) == (
        None,
        ["第2位签名人还没有签名，请在框里用手指写下您的名字"],
    )


async def test_at_most_fifteen_signers(widgets: WidgetRegistry, services: WidgetServices) -> None:
    fifteen = await receive_household(
        widgets,
        [
            {"name": f"张{'一二三四五六七八九十'[i % 10]}{'甲乙'[i // 10]}", "image": _pad(i * 3)}
            for i in range(15)
        ],
        services,
    )
    assert widgets.clean(HOUSEHOLD, fifteen)[1] == []
    sixteen = [*fifteen, {**fifteen[-1], "name": "多一人"}]
    assert widgets.clean(HOUSEHOLD, sixteen) == (None, ["最多15人签名，现在有16人，请删掉多出来的"])


async def test_a_forged_reference_is_refused(widgets: WidgetRegistry, services: WidgetServices) -> None:
    kept = await receive_household(widgets, [{"name": "张三", "image": _pad()}], services)
    forged = [*kept, {"name": "李四", "role": "member", "file": "f" * 64, "type": "image/png"}]
    value = await receive_household(widgets, forged, services)
    assert rejection(value) == ["第2位签名人的图片没有找到，请在框里用手指写下您的名字"]
    copied = [*kept, {**kept[0], "name": "李四", "role": "member"}]
    assert widgets.clean(HOUSEHOLD, copied) == (
        None,
        ["第2位签名人的签名和第1位签名人的一样，请本人重新签名"],
    )


def test_the_applicant_signs_first(widgets: WidgetRegistry) -> None:
    ref = {"file": "a" * 64, "type": "image/png"}
    assert widgets.clean(HOUSEHOLD, [{"name": "李四", "role": "member", **ref}]) == (
        None,
        ["第1位签名人应当是申请人本人，请重新签名"],
    )
    assert widgets.clean(HOUSEHOLD, None) == (None, [])
    assert widgets.clean(HOUSEHOLD, ref) == (None, ["签名没有保存好，请在框里用手指写下您的名字"])


# Without script: the typed names, to be signed on paper at the household visit.


def extract(widgets: WidgetRegistry, question: Signature, data: dict[str, list[str]]) -> Any:
    hook = widgets["signature"].extract
    assert hook is not None
    return hook(question, data)


async def test_a_household_without_script_gives_its_typed_names(
    widgets: WidgetRegistry, services: WidgetServices
) -> None:
    posted = {"q45": [""], "q45.typed_name": [" 张三 "], "q45.typed_members": ["李四\n王 五、 赵六，\n\n"]}
    raw = extract(widgets, HOUSEHOLD, posted)
    value = await receive_household(widgets, raw, services)
    cleaned, problems = widgets.clean(HOUSEHOLD, value)
    assert problems == []
    assert cleaned == [
        {"name": "张三", "role": "applicant", "sign_at_visit": True},
        {"name": "李四", "role": "member", "sign_at_visit": True},
        {"name": "王 五", "role": "member", "sign_at_visit": True},
        {"name": "赵六", "role": "member", "sign_at_visit": True},
    ]
    assert not await stored_names(services.files)  # nothing drawn, nothing stored
    assert widgets.clean(HOUSEHOLD, cleaned) == (cleaned, [])  # the draft's value checks again as it is
    assert display_answer(HOUSEHOLD, cleaned) == (
        "张三、李四、王 五、赵六（共4人）：未在手机上手写签名，入户核查时须当面签字"
    )


def test_typed_names_are_checked_like_signed_ones(widgets: WidgetRegistry) -> None:
    members_only = extract(widgets, HOUSEHOLD, {"q45.typed_name": [""], "q45.typed_members": ["李四"]})
    assert widgets.clean(HOUSEHOLD, members_only) == (None, ["第1位签名人还没有写名字"])
    odd = extract(widgets, HOUSEHOLD, {"q45.typed_name": ["张三1"], "q45.typed_members": ["李" * 21]})
    assert widgets.clean(HOUSEHOLD, odd) == (
        None,
        ["第1位签名人的名字只能写汉字或字母", "第2位签名人的名字太长了（最多20个字）"],
    )
    assert extract(widgets, HOUSEHOLD, {"q45.typed_name": [" "], "q45.typed_members": [""]}) is None


def test_a_signature_drawn_before_is_kept_when_no_names_are_typed(widgets: WidgetRegistry) -> None:
    """The no-script page asks for names only when nothing drawn is kept; the hidden input then carries it."""
    drawn = json.dumps([{"name": "张三", "role": "applicant", "file": "a" * 64, "type": "image/png"}])
    assert extract(widgets, HOUSEHOLD, {"q45": [drawn]}) == drawn


def test_a_household_may_mix_drawn_and_typed_signatures(widgets: WidgetRegistry) -> None:
    ref = {"file": "a" * 64, "type": "image/png"}
    mixed = [
        {"name": "张三", "role": "applicant", **ref},
        {"name": "李四", "role": "member", "sign_at_visit": True},
    ]
    assert widgets.clean(HOUSEHOLD, mixed) == (mixed, [])
    assert display_answer(HOUSEHOLD, mixed) == (
        "张三、李四（共2人，1人已签名）；李四未在手机上手写签名，入户核查时须当面签字"
    )
    # sign_at_visit is a promise to sign on paper, not a way round the picture check of a drawn signature.
    forged = [
        {"name": "张三", "role": "applicant", "sign_at_visit": True, "file": "b" * 63, "type": "image/png"}
    ]
    assert widgets.clean(HOUSEHOLD, forged) == (
        None,
        ["第1位签名人的签名没有保存好，请在框里用手指写下您的名字"],
    )


async def test_one_signer_without_script_gives_a_typed_name(
    widgets: WidgetRegistry, services: WidgetServices
) -> None:
    raw = extract(widgets, Q45, {"q45": [""], "q45.typed_name": ["张三"]})
    value = await receive(widgets, raw, services)
    assert widgets.clean(Q45, value) == ({"name": "张三", "sign_at_visit": True}, [])
    assert display_answer(Q45, value) == "张三：未在手机上手写签名，入户核查时须当面签字"
    assert extract(widgets, Q45, {"q45": [""], "q45.typed_name": [""]}) is None
    assert widgets.clean(Q45, {"name": "", "sign_at_visit": True}) == (None, ["您还没有写名字"])
    assert widgets.clean(Q45, {"name": "张三", "sign_at_visit": "yes"}) == (
        None,
        ["签名没有保存好，请在框里用手指写下您的名字"],
    )
