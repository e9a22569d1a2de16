"""Trial links: a signed, expiring token that opens a form being built on any phone, without signing in.

The admin's builder makes one (:func:`sign_trial`) and shows it with its QR code; the public pages under
``<base>/try/<token>/`` read it back (:func:`read_trial`) and run the farmer's own flow on the draft's current
definition. The token names the authored form by its database id and by its form id (so a link never opens
another form that reuses the number), and is dated by ``itsdangerous``'s timestamp signer with the platform's
secrets: the current secret signs, every retired one is still accepted (``SHENBAO_SECRET_KEY=NEW,OLD``), as for
the guide marks. A link is good for :data:`TRIAL_LIFETIME`.
"""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import segno
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from shenbao.settings import signing_order

__all__ = [
    "TRIAL_LIFETIME",
    "TRIAL_PATH",
    "TrialExpired",
    "TrialInvalid",
    "TrialLink",
    "read_trial",
    "sign_trial",
    "trial_png",
    "trial_svg",
    "trial_url",
]

TRIAL_LIFETIME = timedelta(days=7)
"""How long a trial link opens its form: long enough to hand a phone round the villages of a county."""
TRIAL_PATH = "/try"
"""Where the trial pages live, under the platform's prefix."""
_SALT = "shenbao.trial-link"


class TrialLink(msgspec.Struct, frozen=True, kw_only=True):
    """What a trial token names, and until when it opens it.

    Attributes:
        form_pk: the authored form's database id.
        form_id: its form id when the link was made.
        expires: when the link stops working (aware, UTC).
    """

    form_pk: int
    form_id: str
    expires: datetime


class TrialInvalid(Exception):
    """The token is not one the platform signed: mistyped, cut short, altered, or signed with a dropped secret."""


class TrialExpired(Exception):
    """The token was signed by the platform but is older than :data:`TRIAL_LIFETIME`."""


class _DatedSigner(TimestampSigner):
    """The timestamp signer of trial tokens, dating a new token at ``at`` (a Unix time) instead of now if given."""

    def __init__(self, *args: Any, at: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._at = at

    def get_timestamp(self) -> int:
        return self._at if self._at is not None else super().get_timestamp()


def _serializer(secret: str | Sequence[str], at: int | None = None) -> URLSafeTimedSerializer:
    """The serializer of trial tokens: the current secret signs, every listed one is accepted."""
    return URLSafeTimedSerializer(
        signing_order(secret), salt=_SALT, signer=_DatedSigner, signer_kwargs={"at": at}
    )


def sign_trial(
    secret: str | Sequence[str], form_pk: int, form_id: str, *, at: float | None = None
) -> tuple[str, TrialLink]:
    """A trial token for the authored form ``form_pk`` (``form_id``), and what it names.

    Args:
        secret: the platform's secrets (``Settings.secrets``: the current one signs).
        form_pk: the authored form's database id.
        form_id: its form id.
        at: when the link is made, as a Unix time; now when omitted (tests date tokens in the past).

    Returns:
        The token (URL-safe text) and the link it stands for, with its expiry.
    """
    made = int(time.time() if at is None else at)
    token = _serializer(secret, made).dumps([form_pk, form_id])
    expires = datetime.fromtimestamp(made, UTC) + TRIAL_LIFETIME
    return str(token), TrialLink(form_pk=form_pk, form_id=form_id, expires=expires)


def read_trial(secret: str | Sequence[str], token: str) -> TrialLink:
    """What ``token`` names.

    Args:
        secret: the platform's secrets (every one of them is accepted).
        token: the token from the link's path.

    Returns:
        The link: its form and expiry.

    Raises:
        TrialExpired: the platform signed it, more than :data:`TRIAL_LIFETIME` ago.
        TrialInvalid: anything else that is not a token the platform signed for a form.
    """
    serializer = _serializer(secret)
    try:
        payload, signed = serializer.loads(
            token, max_age=int(TRIAL_LIFETIME.total_seconds()), return_timestamp=True
        )
    except SignatureExpired as expired:
        raise TrialExpired(str(expired)) from None
    except (BadData, UnicodeError, ValueError) as bad:
        raise TrialInvalid(str(bad)) from None
    form_pk, form_id = _fields(payload)
    return TrialLink(form_pk=form_pk, form_id=form_id, expires=signed + TRIAL_LIFETIME)


def _fields(payload: Any) -> tuple[int, str]:
    """The ``[form_pk, form_id]`` of a signed payload (a secret's other uses never sign this shape)."""
    if (
        isinstance(payload, list)
        and len(payload) == 2
        and type(payload[0]) is int
        and isinstance(payload[1], str)
    ):
        return payload[0], payload[1]
    raise TrialInvalid("not a trial link")


def trial_url(origin: str, base: str, token: str) -> str:
    """The link a phone opens: ``<origin><base>/try/<token>/`` (the origin as the admin's browser reached us)."""
    return f"{origin.rstrip('/')}{base}{TRIAL_PATH}/{token}/"


def _qr(url: str) -> segno.QRCode:
    """The link's QR code: medium error correction, so a smudged print or a cracked screen still scans."""
    return segno.make_qr(url, error="m")


def trial_svg(url: str) -> str:
    """The QR code of ``url`` as an SVG document (black on white, with the quiet zone scanners need)."""
    out = io.BytesIO()
    _qr(url).save(out, kind="svg", scale=4, border=4, dark="#000", light="#fff", xmldecl=False)
    return out.getvalue().decode()


def trial_png(url: str) -> bytes:
    """The QR code of ``url`` as a PNG picture (to save on a PC or send through a chat app)."""
    out = io.BytesIO()
    _qr(url).save(out, kind="png", scale=8, border=4)
    return out.getvalue()
