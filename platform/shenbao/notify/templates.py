"""The SMS template names a message may carry: those of the chains' ``sms`` and the platform's own.

Providers in China send only templates approved in advance, filled with parameters; they never take free text.
Each queued message keeps the values its template was filled with (:attr:`shenbao.notify.sms.Sms.params`), so
the provider's gateway needs no more than to know, at start-up, that every name has a provider template.
"""

from __future__ import annotations

from collections.abc import Iterable

from shenbao.workflow import Chain

__all__ = ["OTP_TEMPLATE", "OTP_TEMPLATE_NAME", "PLATFORM_TEMPLATES", "template_names"]

OTP_TEMPLATE = "【申报】您的验证码是{code}，5分钟内有效。请不要把验证码告诉别人。"
"""The phone verification code's SMS."""
OTP_TEMPLATE_NAME = "otp"
"""The template name a verification code's SMS carries."""
PLATFORM_TEMPLATES = {OTP_TEMPLATE_NAME: OTP_TEMPLATE}
"""The platform's own templates, by name, beside those of the chains."""


def template_names(chains: Iterable[Chain]) -> frozenset[str]:
    """Every SMS template name of ``chains`` and the platform's own (:data:`PLATFORM_TEMPLATES`)."""
    return frozenset(PLATFORM_TEMPLATES).union(*(chain.sms for chain in chains))
