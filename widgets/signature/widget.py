"""E-signature: the farmer signs with a finger on a pad (``signature_pad``), can clear and sign again.

The pad's picture is uploaded as a PNG (``POST <base>/widgets/signature/upload``) when the farmer taps "签好了",
or goes with the form as a ``data:`` URL when they tap the form's button first. The server refuses a blank pad
(or a single tap), re-encodes the PNG without metadata and keeps it by content hash; the answer is
``{"file": "<sha256>", "type": "image/png"}``.

With ``signers: "household"`` (the applicant and each family member sign the electronic authorisation), the
page draws the applicant's pad with a name field, and "添加一位家庭成员签名" adds another name and pad (each can be
removed). Each pad uploads its own PNG; the hidden input posts the list, and the answer is
``[{"name": "张三", "role": "applicant", "file": "<sha256>", "type": "image/png"}, {"name": "李四", "role":
"member", ...}]``: the applicant first, at most :data:`MAX_SIGNERS`. A signer whose pad was not uploaded (no
network) posts ``"image": "<data: URL>"`` instead of ``file`` and ``type``; ``receive`` stores it.

Without script a finger signature cannot be drawn. Decision: the page then asks for the typed name(s) instead
("您的浏览器不能手写签名。请写下您的姓名，村干部入户核查时请您当面签字"; for a household, the applicant's name and the
names of the family members present), and the answer records that no handwritten signature was given on the
phone: ``{"name": "张三", "sign_at_visit": true}`` for one signer, and for a household each signer as
``{"name": "李四", "role": "member", "sign_at_visit": true}`` in place of ``file`` and ``type``. The check
accepts it (the names are checked as usual), and the staff pages show "未在手机上手写签名，入户核查时须当面签字"
for it (``shenbao.display``): the village handler has the paper authorisation signed at the visit. On the
household check itself (the handler's phone at the visit) the page says so to the handler: "这部手机的浏览器不能
手写签名。请写下签名人的姓名，再请他们当场在纸质材料上签字。" A signature already drawn on the phone is kept: the
typed names are asked for only when there is none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import msgspec
from litestar import Request, Response, post
from litestar.di import NamedDependency
from PIL import Image

from shenbao.display import SIGN_AT_VISIT, signs_at_visit
from shenbao.files import (
    ImageRejected,
    clean_kept_image,
    encode_png,
    kept_image,
    kept_image_context,
    open_image,
    parse_ref,
)
from shenbao.forms.model import Signature
from shenbao.web.services import Services
from shenbao.web.upload_access import upload_services
from shenbao.web.widget_routes import upload_response
from shenbao.widgets import (
    AT_HOUSEHOLD_VISIT,
    Cleaned,
    FormData,
    WidgetHooks,
    WidgetServices,
    first_value,
    rejected,
    rejection,
)

MEDIA_TYPE = "image/png"
MAX_BYTES = 1024 * 1024
"""A signature pad's PNG is tens of kilobytes; a megabyte leaves room for a large tablet screen."""
MIN_INK_PIXELS = 40
MIN_SPAN = 0.08
"""The strokes must reach across at least this share of the pad's width or height: a tap is not a signature."""
_RETRY = "请在框里用手指写下您的名字"
MAX_SIGNERS = 15
"""The most signers of a household's authorisation: the form's largest household (15人)."""
MAX_NAME = 20
_NAME = re.compile(r"^[\u3400-\u9fffA-Za-z][\u3400-\u9fffA-Za-z·•.\- ]*$")
"""A name in Chinese characters (or letters), with the middle dot of names like 阿依古丽·买买提."""
_ROLES = ("applicant", "member")
_MEMBERS_SPLIT = re.compile(r"[\r\n、，,；;]+")
"""What separates the family members' typed names: a new line, or a comma the farmer typed instead."""


def prepare_signature(content: bytes, max_bytes: int) -> bytes:
    """Check a signature PNG has real strokes on it, and re-encode it without metadata.

    Raises:
        ImageRejected: not a PNG, cut short, too big, blank, or only a dot.
    """
    image = open_image(content, max_bytes=max_bytes, formats=("PNG",)).convert("RGBA")
    on_white = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image).convert("L")
    ink = on_white.point(lambda level: 255 if level < 160 else 0)
    box = ink.getbbox()
    if box is None or ink.histogram()[255] < MIN_INK_PIXELS:
        raise ImageRejected("签名是空白的")
    left, top, right, bottom = box
    if right - left < image.width * MIN_SPAN and bottom - top < image.height * MIN_SPAN:
        raise ImageRejected("签名太小了，只有一个点")
    return encode_png(image)


async def store_signature(raw: Any, services: WidgetServices) -> dict[str, Any]:
    """The stored reference for ``raw`` (bytes, a data URL or a reference), or a :func:`rejected` value."""
    try:
        ref = await services.files.receive_image(
            raw, max_bytes=MAX_BYTES, media_type=MEDIA_TYPE, prepare=prepare_signature
        )
    except ImageRejected as error:
        return rejected(error.advice(_RETRY))
    return ref.as_value()


def _signer_list(raw: Any) -> Any:
    """A posted list of signers (its JSON text from the hidden input) as a list; anything else as it is."""
    if isinstance(raw, str) and raw.lstrip().startswith("["):
        try:
            return msgspec.json.decode(raw)
        except (msgspec.DecodeError, RecursionError):  # nested too deep is as wrong as malformed
            return raw
    return raw


def _who(index: int) -> str:
    return f"第{index + 1}位签名人"


def _spaced(name: Any) -> str:
    """A name with its runs of spaces made one (and nothing for what is not text)."""
    return " ".join(name.split()) if isinstance(name, str) else ""


def _name_problem(who: str, name: str) -> str | None:
    if not name:
        return f"{who}还没有写名字"
    if len(name) > MAX_NAME:
        return f"{who}的名字太长了（最多{MAX_NAME}个字）"
    if not _NAME.match(name):
        return f"{who}的名字只能写汉字或字母"
    return None


def _row(index: int, signer: Mapping[str, Any]) -> dict[str, Any]:
    """One signer as the page draws it: the name, the role by position, the kept signature and its posted text."""
    name = signer.get("name")
    ref = kept_image({key: signer.get(key) for key in ("file", "type")}, MEDIA_TYPE)
    return {
        "name": name if isinstance(name, str) else "",
        "role": _ROLES[0] if index == 0 else _ROLES[1],
        "ref": ref.as_value() if ref else None,
        "posted": msgspec.json.encode(ref).decode() if ref else "",
    }


@post(
    "/upload",
    name="widgets:signature:upload",
    include_in_schema=False,
    request_max_body_size=MAX_BYTES * 2,
    status_code=200,
)
async def upload(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[Any]:
    """Keep the PNG the pad sends (the request body) for the page's draft; answer with its reference and
    thumbnail (``409`` before the draft exists: the script then sends the signature with the page)."""
    admitted = await upload_services(request, services)
    if isinstance(admitted, Response):
        return admitted
    value = await store_signature(await request.body(), admitted)
    return upload_response(value, services)


class SignatureWidget(WidgetHooks[Signature]):
    """One signature or a household's (typed names without script); the pad uploads by the route."""

    SCRIPTS = ("signature_pad.umd.min.js", "widget.js")
    STYLES = ("widget.css",)
    ROUTES = (upload,)

    def extract(self, question: Signature, data: FormData) -> Any:
        """The hidden input's value; without script (the typed-name inputs were posted), the typed names.

        The page shows the typed-name inputs only while no signature drawn before is kept (that one is posted in
        the hidden input and stays); names left empty are no answer.
        """
        typed = data.get(f"{question.id}.typed_name")
        if typed is None:
            return first_value(data, question.id) or None
        name = _spaced(typed[0] if typed else "")
        if question.signers != "household":
            return {"name": name, SIGN_AT_VISIT: True} if name else None
        members = [
            _spaced(member)
            for member in _MEMBERS_SPLIT.split(first_value(data, f"{question.id}.typed_members"))
        ]
        members = [member for member in members if member]
        if not name and not members:
            return None
        return [
            {"name": name, "role": _ROLES[0], SIGN_AT_VISIT: True},
            *({"name": member, "role": _ROLES[1], SIGN_AT_VISIT: True} for member in members),
        ]

    async def receive(self, question: Signature, raw: Any, services: WidgetServices) -> Any:
        """Keep each drawn signature not kept yet; typed names pass as they are (``clean`` checks them)."""
        if question.signers != "household":
            if signs_at_visit(raw):
                return raw  # a typed name: nothing to store, clean checks the name
            return await store_signature(raw, services)
        signers = _signer_list(raw)
        if not isinstance(signers, list):
            return signers  # clean says what is wrong
        received: list[Any] = []
        for index, signer in enumerate(signers):
            if not isinstance(signer, dict):
                received.append(signer)
                continue
            picture = signer.get("image") or (
                {"file": signer["file"], "type": signer.get("type")} if signer.get("file") else None
            )
            kept = {key: item for key, item in signer.items() if key not in ("image", "file", "type")}
            if picture is not None:
                stored = await store_signature(picture, services)
                messages = rejection(stored)
                if messages is not None:
                    return rejected(*(f"{_who(index)}的{message}" for message in messages))
                kept.update(stored)
            received.append(kept)
        return received

    def clean(self, question: Signature, value: Any) -> Cleaned:
        """Only a kept image's reference is an answer (``receive`` has checked the image itself), or a typed name
        to be signed at the visit (no script).

        For a household, every signer needs a name and a kept signature (or ``sign_at_visit``), the applicant
        first.
        """
        if question.signers != "household":
            if signs_at_visit(value):
                name = _spaced(value.get("name"))
                problem = _name_problem("您", name)
                return (None, [problem]) if problem else ({"name": name, SIGN_AT_VISIT: True}, [])
            return clean_kept_image(value, MEDIA_TYPE, f"签名没有保存好，{_RETRY}")
        signers = _signer_list(value)
        if signers is None or signers == "" or signers == []:
            return None, []
        if not isinstance(signers, list) or not all(isinstance(signer, dict) for signer in signers):
            return None, [f"签名没有保存好，{_RETRY}"]
        if len(signers) > MAX_SIGNERS:
            return None, [f"最多{MAX_SIGNERS}人签名，现在有{len(signers)}人，请删掉多出来的"]
        problems: list[str] = []
        cleaned: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        for index, signer in enumerate(signers):
            who = _who(index)
            role = _ROLES[0] if index == 0 else _ROLES[1]
            name = _spaced(signer.get("name"))
            if signer.get("role", role) != role:
                problems.append(f"{who}应当是{'申请人本人' if index == 0 else '家庭成员'}，请重新签名")
            problem = _name_problem(who, name)
            if problem:
                problems.append(problem)
            if signs_at_visit(signer):
                cleaned.append({"name": name, "role": role, SIGN_AT_VISIT: True})
                continue
            ref = parse_ref({key: signer[key] for key in ("file", "type") if key in signer})
            if not signer.get("file"):
                problems.append(f"{who}还没有签名，{_RETRY}")
            elif ref is None or ref.type != MEDIA_TYPE:
                problems.append(f"{who}的签名没有保存好，{_RETRY}")
            elif ref.file in seen:
                problems.append(f"{who}的签名和{_who(seen[ref.file])}的一样，请本人重新签名")
            else:
                seen[ref.file] = index
                cleaned.append({"name": name, "role": role, **ref.as_value()})
        return (None, problems) if problems else (cleaned, [])

    def context(self, question: Signature, value: Any, page: Mapping[str, Any]) -> dict[str, Any]:
        """The kept image's reference and the text its hidden input posts.

        For a household: ``signers``, each ``{"name", "role", "ref"}`` (the applicant's row always there). For
        the page without script: ``drawn`` (a drawn signature is kept), ``typed_name`` and, for a household,
        ``typed_members`` (one name a line), the names typed before; ``at_visit``: the handler fills the page
        at the household visit (:data:`~shenbao.widgets.AT_HOUSEHOLD_VISIT`), so the names are signed on paper
        there.
        """
        at_visit = bool(page.get(AT_HOUSEHOLD_VISIT))
        if question.signers != "household":
            single = kept_image_context(value, MEDIA_TYPE)
            typed = _spaced(value.get("name")) if signs_at_visit(value) else ""
            return {**single, "drawn": single["ref"] is not None, "typed_name": typed, "at_visit": at_visit}
        signers = _signer_list(value)
        if not isinstance(signers, list):  # nothing yet, a refused upload, or a single signature from before
            earlier = kept_image(signers, MEDIA_TYPE)
            signers = [{"name": "", **earlier.as_value()}] if earlier else []
        rows = [
            _row(index, signer)
            for index, signer in enumerate(signers[:MAX_SIGNERS])
            if isinstance(signer, dict)
        ]
        if not rows:
            rows = [_row(0, {})]
        posted = (
            [{"name": row["name"], "role": row["role"], **(row["ref"] or {})} for row in rows]
            if any(row["name"] or row["ref"] for row in rows)
            else None
        )
        return {
            "signers": rows,
            "posted": msgspec.json.encode(posted).decode() if posted else "",
            "max_signers": MAX_SIGNERS,
            "drawn": any(row["ref"] for row in rows),
            "typed_name": rows[0]["name"],
            "typed_members": "\n".join(row["name"] for row in rows[1:] if row["name"]),
            "at_visit": at_visit,
        }
