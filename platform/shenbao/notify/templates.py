"""The SMS template names a message may carry: those of the chains' ``sms`` and the platform's own.

Providers in China send only templates approved in advance, filled with parameters; they never take free text.
Each queued message keeps the values its template was filled with (:attr:`shenbao.notify.sms.Sms.params`), so
the provider's gateway needs no more than to know, at start-up, that every name has a provider template.

A chain's message carries its chain's name for the template, ``<chain id>.<template>``
(``<chain id>.new_application``): two provinces served side by side both have a ``new_application``, each in
its own words and under its own sign, and the provider must send each as its own approved template.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from shenbao.workflow import Chain

__all__ = [
    "OTP_TEMPLATE",
    "OTP_TEMPLATE_NAME",
    "PLATFORM_TEMPLATES",
    "chain_of",
    "chain_template",
    "provider_code",
    "template_names",
    "template_of",
]

OTP_TEMPLATE = "【申报】您的验证码是{code}，5分钟内有效。请不要把验证码告诉别人。"
"""The phone verification code's SMS."""
OTP_TEMPLATE_NAME = "otp"
"""The template name a verification code's SMS carries."""
PLATFORM_TEMPLATES = {OTP_TEMPLATE_NAME: OTP_TEMPLATE}
"""The platform's own templates, by name, beside those of the chains."""


def chain_template(chain_id: str, template: str) -> str:
    """The name a message of ``chain_id``'s template ``template`` is queued under."""
    return f"{chain_id}.{template}"


def chain_of(name: str) -> str:
    """The chain a queued template name belongs to (``""``: a platform template, or a message queued before
    names carried their chain)."""
    return name.rpartition(".")[0]


def template_of(name: str) -> str:
    """The template a queued name is of, without its chain (``new_application`` of
    ``<chain id>.new_application``)."""
    return name.rpartition(".")[2]


def provider_code(codes: Mapping[str, str], name: str) -> str | None:
    """The provider's code for template ``name``: the code given for the chain's own template
    (``<chain id>.new_application=SMS_1``) first, else the one given for every chain's template of that name
    (``new_application=SMS_1``).

    A message queued before names carried their chain has the bare name: it takes the bare code, else the one code
    all chains' templates of that name share (none when they differ: which province's wording it was is unknown).
    """
    bare = template_of(name)
    found = codes.get(name) or codes.get(bare)
    if found is None and bare == name:
        shared = {code for key, code in codes.items() if template_of(key) == name}
        found = shared.pop() if len(shared) == 1 else None
    return found


def template_names(chains: Iterable[Chain]) -> frozenset[str]:
    """Every SMS template name of ``chains`` (``<chain id>.<template>``) and the platform's own."""
    return frozenset(PLATFORM_TEMPLATES).union(
        *({chain_template(chain.id, template) for template in chain.sms} for chain in chains)
    )
