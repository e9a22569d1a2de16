"""The JSON API under ``/api/v1``: published forms, evaluation, submissions (see DESIGN.md's contracts)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, FromPath, HeaderParameter
from litestar.status_codes import (
    HTTP_201_CREATED,
    HTTP_202_ACCEPTED,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
)

from shenbao.cases import submit_evaluated
from shenbao.cases.phones import with_phone_checks
from shenbao.forms import CompiledForm, Evaluation, evaluate, text_of
from shenbao.forms.rules import rule_source
from shenbao.forms.values import is_mobile, normalise_phone
from shenbao.metrics import OBSERVED
from shenbao.notify.otp import VerificationRefused
from shenbao.web.api.body import ApiRequest
from shenbao.web.posted import client_address
from shenbao.web.services import Services
from shenbao.web.upload_quota import UploadQuota, address_quota, draft_quota
from shenbao.widgets import receive_answers

__all__ = ["ApiController"]


IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        min_length=8,
        max_length=200,
        required=False,
        description="The client's key for one submission of this form, 8 to 200 characters (a UUID is good): "
        "the verification codes and the submission share it, and a retry with the same key and the same answers "
        "returns the same application. Required by the routes that store something (400 without it).",
    ),
]


class OptionView(msgspec.Struct):
    value: str | int
    label: str


class QuestionView(msgspec.Struct):
    id: str
    type: str
    label: str
    required: bool
    options: list[OptionView]
    visible_if: str | None = None


class FormView(msgspec.Struct):
    """The normalised view of a form, whatever richer format its definition file uses."""

    id: str
    version: int
    title: str
    questions: list[QuestionView]


class FormSummary(msgspec.Struct):
    id: str
    version: int
    title: str


class Answers(msgspec.Struct, forbid_unknown_fields=True):
    """The answers by question id; any other member of the body is refused (400)."""

    answers: dict[str, Any]


class ErrorView(msgspec.Struct, omit_defaults=True):
    """Every refusal that is not an answer's: what went wrong in Chinese, and for 400 which part of the request."""

    status_code: int
    detail: str
    extra: list[dict[str, Any]] | dict[str, Any] | None = None
    request_id: str | None = None
    """On a 500: the id of the request in the server's log."""


AnswersBody = Annotated[
    Answers,
    Body(
        media_type=RequestEncodingType.JSON,
        schema_extra={"additional_properties": False},
        description="`application/json` only; at most 32 levels deep.",
    ),
]


def _error(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=ErrorView, description=description, generate_examples=False)


_MALFORMED = _error(
    "The body is not JSON, is nested deeper than 32 levels, has a member the schema does not name, or a "
    "parameter is out of its range (the Idempotency-Key's length); `extra` says which."
)
_NO_FORM = _error("No published form has this id.")
_NOT_JSON = _error("The body's Content-Type is not application/json: nothing else is read.")
_READ = {400: _MALFORMED, 404: _NO_FORM, 415: _NOT_JSON}
_FILES_AWAY = _error(
    "The file store did not answer while a picture sent as a data URL was checked: send the same request again "
    "after the `Retry-After` header's seconds."
)
_STORE = {
    **_READ,
    400: _error(f"{_MALFORMED.description} Or the Idempotency-Key header is missing."),
    503: _error(
        "The database could not take the write in time (SQLite, the embedded default, has one writer), or the "
        "file store did not take a picture sent as a data URL: nothing was stored; send the same request again "
        "after the `Retry-After` header's seconds."
    ),
}


class OutcomeView(msgspec.Struct):
    id: str
    kind: Literal["blocked", "flagged"]
    message: str


class EvaluationView(msgspec.Struct):
    visible: list[str]
    errors: dict[str, list[str]]
    missing: list[str]
    outcome: OutcomeView | None
    progress: int


class PhoneCode(msgspec.Struct, forbid_unknown_fields=True):
    """A phone of the submission and, to verify it, the code it received; any other member is refused (400)."""

    phone: str
    code: str | None = None


PhoneCodeBody = Annotated[
    PhoneCode,
    Body(
        media_type=RequestEncodingType.JSON,
        schema_extra={"additional_properties": False},
        description="`application/json` only.",
    ),
]


class PhoneCodeResult(msgspec.Struct):
    phone: str
    sent: bool = False
    verified: bool = False
    detail: str = ""


def _phone_result(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=PhoneCodeResult, description=description, generate_examples=False)


class SubmissionView(msgspec.Struct):
    id: int
    receipt_number: str
    status: str
    flags: list[str]


class RejectionView(msgspec.Struct):
    detail: str
    errors: dict[str, list[str]]
    missing: list[str]
    outcome: OutcomeView | None


def _form(services: Services, form_id: str) -> CompiledForm:
    form = services.forms.get(form_id)
    if form is None:
        raise NotFoundException(f"没有找到申报表“{form_id}”")
    return form


def _form_view(form: CompiledForm) -> FormView:
    return FormView(
        id=form.id,
        version=form.version,
        title=form.title(),
        questions=[
            QuestionView(
                id=question.id,
                type=question.__struct_config__.tag,  # type: ignore[arg-type]
                label=text_of(question.label),
                required=question.required,
                options=[
                    OptionView(value=option.value, label=text_of(option.label))
                    for option in getattr(question, "options", ())
                ],
                visible_if=rule_source(question.visible_if, form) if question.visible_if else None,
            )
            for question in form.questions
        ],
    )


def _outcome_view(evaluation: Evaluation) -> OutcomeView | None:
    outcome = evaluation.outcome
    return OutcomeView(outcome.id, outcome.kind, text_of(outcome.message)) if outcome else None


class ApiController(Controller):
    path = "/"
    tags = ["forms"]  # noqa: RUF012  (Litestar declares it as a plain attribute)
    request_class = ApiRequest

    @get("/forms", summary="List the published forms")
    async def forms(self, services: NamedDependency[Services]) -> list[FormSummary]:
        return [FormSummary(form.id, form.version, form.title()) for form in services.forms]

    @get("/forms/{form_id:str}", summary="One published form, normalised", responses={404: _NO_FORM})
    async def form(self, services: NamedDependency[Services], form_id: FromPath[str]) -> FormView:
        return _form_view(_form(services, form_id))

    @post("/forms/{form_id:str}/evaluate", summary="Evaluate answers: visible questions, errors, missing, outcome",
          status_code=200, responses={**_READ, 503: _FILES_AWAY})  # fmt: skip
    async def evaluate(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        form_id: FromPath[str],
        data: AnswersBody,
    ) -> EvaluationView:
        """Pictures sent as data URLs are checked as a submission checks them, and never kept."""
        form = _form(services, form_id)
        gate = UploadQuota(services.database, address_quota(client_address(request)))
        answers = await receive_answers(
            services.widgets_of(form.id), form, data.answers, services.settings, gate=gate, keep=False,
            at_question=False,
        )  # fmt: skip
        evaluation = evaluate(form, answers)
        return EvaluationView(
            visible=evaluation.visible,
            errors=evaluation.errors,
            missing=evaluation.missing,
            outcome=_outcome_view(evaluation),
            progress=evaluation.progress,
        )

    @post(
        "/forms/{form_id:str}/submissions",
        summary="Submit an application; a retry with the same Idempotency-Key returns the same application",
        status_code=HTTP_201_CREATED,
        opt={OBSERVED: "submit"},
        responses={
            **_STORE,
            409: _error(
                "This Idempotency-Key was used for a submission of other answers: nothing is stored."
            ),
            422: ResponseSpec(
                data_container=RejectionView,
                description="The answers cannot be accepted: what is wrong, what is missing, or an outcome that "
                "ends the form. Nothing is stored.",
                generate_examples=False,
            ),
        },
        response_headers=[
            ResponseHeader(
                name="Idempotent-Replayed",
                description="`true` when the application was stored by an earlier request with the same key",
                required=False,
                documentation_only=True,
            )
        ],
    )
    async def submit(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        form_id: FromPath[str],
        data: AnswersBody,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[SubmissionView]:
        form = _form(services, form_id)
        scope = _api_scope(form, idempotency_key)
        # Pictures are kept for this submission's key: its quota, and the address's.
        gate = UploadQuota(services.database, draft_quota(scope), address_quota(client_address(request)))
        widgets = services.widgets_of(form.id)
        answers = await receive_answers(
            widgets, form, data.answers, services.settings, gate=gate, at_question=False
        )
        evaluation = evaluate(form, answers)
        evaluation = await with_phone_checks(services.phones, form, evaluation, scope)
        if not evaluation.submittable:
            blocked = evaluation.outcome is not None and evaluation.outcome.kind == "blocked"
            # Typed as the 201's body so the document gives 201 one schema; the 422's is in `responses`.
            return cast(
                Response[SubmissionView],
                Response(
                    RejectionView(
                        detail="不符合申报条件，申请未保存" if blocked else "还有问题需要改正，申请未保存",
                        errors=evaluation.errors,
                        missing=evaluation.missing,
                        outcome=_outcome_view(evaluation),
                    ),
                    status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                ),
            )
        # The key is the client's for one submission of this form: another form's key is another key.
        application, created = await submit_evaluated(
            services, form, evaluation, idempotency_key=scope, draft_token=None
        )
        if not created and application.answers != evaluation.answers:
            raise HTTPException(
                status_code=HTTP_409_CONFLICT,
                detail="这个 Idempotency-Key 已经用于另一份内容不同的申请，这次的申请未保存：新的申请请换一个新的键"
                "（例如 UUID），重试请原样重发上次的内容",
            )
        return Response(
            SubmissionView(
                application.id, application.receipt_number, application.status, list(application.flags)
            ),
            status_code=HTTP_201_CREATED,
            headers={} if created else {"Idempotent-Replayed": "true"},
        )

    @post(
        "/forms/{form_id:str}/phone-codes",
        summary="Send a verification code to a phone of this submission (Idempotency-Key)",
        status_code=HTTP_202_ACCEPTED,
        responses={
            **_STORE,
            422: _phone_result("The phone is not an 11-digit mainland mobile number."),
            429: _phone_result(
                "A limit was reached: 60 seconds between codes, or the hourly limits per phone and per address; "
                "`detail` says how long to wait."
            ),
        },
    )
    async def send_phone_code(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        form_id: FromPath[str],
        data: PhoneCodeBody,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[PhoneCodeResult]:
        """A phone that the form says must be verified is verified for one submission: its Idempotency-Key."""
        form = _form(services, form_id)
        phone = normalise_phone(data.phone)
        if not is_mobile(phone):
            return _malformed_phone(phone)
        client = client_address(request)
        try:
            await services.phones.send_code(
                scope=_api_scope(form, idempotency_key), phone=phone, client=client
            )
        except VerificationRefused as refused:
            return Response(
                PhoneCodeResult(phone, detail=str(refused)), status_code=HTTP_429_TOO_MANY_REQUESTS
            )
        return Response(
            PhoneCodeResult(phone, sent=True, detail="验证码已发出，5分钟内有效"),
            status_code=HTTP_202_ACCEPTED,
        )

    @post(
        "/forms/{form_id:str}/phone-codes/verify",
        summary="Check the code a phone received, for the same Idempotency-Key",
        status_code=200,
        responses={
            **_STORE,
            422: _phone_result(
                "The phone is not a mobile number, or the code is wrong, expired or tried too often; "
                "`detail` says which and what to do."
            ),
        },
    )
    async def verify_phone_code(
        self,
        services: NamedDependency[Services],
        form_id: FromPath[str],
        data: PhoneCodeBody,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[PhoneCodeResult]:
        form = _form(services, form_id)
        phone = normalise_phone(data.phone)
        if not is_mobile(phone):
            return _malformed_phone(phone)
        try:
            await services.phones.verify(
                scope=_api_scope(form, idempotency_key), phone=phone, code=data.code or ""
            )
        except VerificationRefused as refused:
            return Response(
                PhoneCodeResult(phone, detail=str(refused)), status_code=HTTP_422_UNPROCESSABLE_ENTITY
            )
        return Response(PhoneCodeResult(phone, verified=True, detail="手机号码已验证"))


def _malformed_phone(phone: str) -> Response[PhoneCodeResult]:
    """A number that is no mainland mobile is the client's mistake (422), not a limit reached (429)."""
    detail = "phone 不是手机号码：请填写11位手机号码，以1开头，只写数字"
    return Response(PhoneCodeResult(phone, detail=detail), status_code=HTTP_422_UNPROCESSABLE_ENTITY)


def _api_scope(form: CompiledForm, idempotency_key: str | None) -> str:
    """Codes and the submission they verify share the client's Idempotency-Key."""
    if not idempotency_key:
        raise HTTPException(
            status_code=400,
            detail="缺少 Idempotency-Key 请求头：每次申请请带一个唯一的键（例如 UUID），验证码和提交用同一个",
        )
    return f"api:{form.id}:{idempotency_key}"
