"""A phone's verification code asked for and checked from a page: one path with script and without.

The phone widget's "发送验证码" and "验证" are real submit buttons of the section form. With script, htmx posts
them to the widget's routes (``<base>/widgets/phone/send`` and ``/verify``) and swaps in the status line; without
script they post the whole section (``_otp_send`` or ``_otp_verify`` names the phone input), which saves the
answers and comes back to the same page with the same status line. A code typed in the box is also checked when
the section is posted ("下一步"). Every one of these calls :func:`code_action`: the same checks, the same rate
limits (60 seconds between codes, 5 codes an hour per phone, per address), the same 5 tries.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from shenbao.forms import CompiledForm
from shenbao.forms.model import FieldsQuestion, Phone
from shenbao.forms.values import normalise_phone
from shenbao.notify.otp import RESEND_AFTER, CodeAlreadySent, PhoneVerifier, VerificationRefused
from shenbao.privacy.masking import mask_phone
from shenbao.web.answers import posted_questions
from shenbao.widgets import FormData, first_value

__all__ = [
    "SEND",
    "SEND_BUTTON",
    "VERIFY",
    "VERIFY_BUTTON",
    "Action",
    "CodeStatus",
    "SectionCodes",
    "code_action",
    "code_field",
    "needs_code",
    "section_codes",
]

Action = Literal["send", "verify"]
SEND: Action = "send"
VERIFY: Action = "verify"
SEND_BUTTON = "_otp_send"
"""The no-script "发送验证码" button's name; its value names the phone input (``phone``, ``q4.phone``)."""
VERIFY_BUTTON = "_otp_verify"
"""The no-script "验证" button's name; its value names the phone input."""


class CodeStatus(msgspec.Struct, frozen=True, kw_only=True):
    """The line under a phone's code box: what happened and what to do next.

    Attributes:
        message: in Chinese, e.g. "验证码已发到139****5678，5分钟内有效，请填写短信里的6位数字".
        kind: ``ok`` (a code was sent), ``done`` (verified) or ``warn`` (refused, the message says why).
        wait: seconds until another code may be asked for (the script counts them down).
    """

    message: str
    kind: Literal["ok", "done", "warn"]
    wait: int = 0


class SectionCodes(msgspec.Struct, frozen=True, kw_only=True):
    """What a section post did with phone codes.

    Attributes:
        statuses: the status line of each phone input acted on, by input name.
        pressed: a "发送验证码" or "验证" button sent the form: the farmer stays on the page.
    """

    statuses: dict[str, CodeStatus] = {}
    pressed: bool = False


def code_field(name: str) -> str:
    """The name of the code box of the phone input ``name`` (``_otp.q4.phone``)."""
    return f"_otp.{name}"


def needs_code(form: CompiledForm, name: str) -> bool:
    """Whether ``name`` is a phone input of ``form`` that needs a code: ``phone`` or ``q4.phone``."""
    question_id, _, field_id = name.partition(".")
    question = form.by_id.get(question_id)
    if isinstance(question, Phone):
        return question.verify and not field_id
    if isinstance(question, FieldsQuestion):
        return any(
            field.id == field_id and field.kind == "phone" and field.verify for field in question.fields
        )
    return False


async def code_action(
    verifier: PhoneVerifier, action: Action, *, scope: str, phone: str, code: str = "", client: str
) -> CodeStatus:
    """Send a code to ``phone``, or check the ``code`` typed for it, in ``scope`` (the draft).

    A second "发送验证码" within the minute, for the same number in the same draft, sends nothing and says that the
    code sent then is the one to type (and when another may be asked for): the first answer may have been lost
    on a slow network, and a second tap is no mistake of the farmer's.

    Args:
        verifier: the platform's phone verifier (its rate limits and tries).
        action: :data:`SEND` or :data:`VERIFY`.
        scope: the draft the code belongs to (``shenbao.web.drafts.draft_scope``).
        phone: the number as typed (normalised here).
        code: what was typed in the code box (for :data:`VERIFY`).
        client: the client's address, for the per-address limit.
    """
    phone = normalise_phone(phone)
    sent = f"验证码已发到{mask_phone(phone)}，5分钟内有效，请填写短信里的6位数字"
    try:
        if action == SEND:
            await verifier.send_code(scope=scope, phone=phone, client=client)
            return CodeStatus(message=sent, kind="ok", wait=int(RESEND_AFTER.total_seconds()))
        await verifier.verify(scope=scope, phone=phone, code=code)
        return CodeStatus(message=f"手机号码{mask_phone(phone)}已验证", kind="done")
    except CodeAlreadySent as again:
        # Tapped twice, or the first answer was lost on the way: the code sent then is the one to type.
        return CodeStatus(
            message=f"{sent}；没收到的话，{again.wait}秒后可以再获取一次", kind="ok", wait=again.wait
        )
    except VerificationRefused as refused:
        return CodeStatus(message=str(refused), kind="warn")


def _section_inputs(form: CompiledForm, section_id: str, data: FormData) -> list[str]:
    """The phone inputs needing a code among the questions of ``section_id`` that were posted, in form order."""
    names: list[str] = []
    for question in posted_questions(form, section_id, data):
        if isinstance(question, Phone):
            names.append(question.id)
        elif isinstance(question, FieldsQuestion):
            names += [f"{question.id}.{field.id}" for field in question.fields if field.kind == "phone"]
    return [name for name in names if needs_code(form, name)]


async def section_codes(
    verifier: PhoneVerifier,
    form: CompiledForm,
    section_id: str,
    data: FormData,
    *,
    scope: str,
    client: str,
) -> SectionCodes:
    """Act on the phone codes of a posted section (the no-script path, and codes typed before "下一步").

    A pressed "发送验证码" or "验证" button acts on its phone alone. Otherwise each code typed for a phone not yet
    verified in ``scope`` is checked (a phone already verified is left alone: no try is spent).
    """
    inputs = _section_inputs(form, section_id, data)
    for button, action in ((SEND_BUTTON, SEND), (VERIFY_BUTTON, VERIFY)):
        name = first_value(data, button)
        if name:
            if name not in inputs:
                return SectionCodes(pressed=True)  # a button of a question not on this page: nothing to do
            status = await code_action(
                verifier,
                action,
                scope=scope,
                phone=first_value(data, name),
                code=first_value(data, code_field(name)),
                client=client,
            )
            return SectionCodes(statuses={name: status}, pressed=True)
    statuses: dict[str, CodeStatus] = {}
    for name in inputs:
        code, phone = first_value(data, code_field(name)).strip(), normalise_phone(first_value(data, name))
        if code and phone and not await verifier.verified(scope=scope, phone=phone):
            statuses[name] = await code_action(
                verifier, VERIFY, scope=scope, phone=phone, code=code, client=client
            )
    return SectionCodes(statuses=statuses)
