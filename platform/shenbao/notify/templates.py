"""The SMS templates by name, and the values a message's text was filled with.

Providers in China send only templates approved in advance, filled with parameters; they never take free text.
The outbox keeps a message's template name and its text (what the staff pages show), not the values: the text
was made from one of the known templates with ``str.format``, so :meth:`SmsTemplates.values` reads the values
back by matching the text against that template. Whichever split of the text matches, filling the template
with it gives the same text again, so the recipient reads exactly what the outbox shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from string import Formatter

from shenbao.workflow import Chain

__all__ = ["OTP_TEMPLATE", "PLATFORM_TEMPLATES", "SmsTemplates", "template_pattern"]

OTP_TEMPLATE = "【申报】您的验证码是{code}，5分钟内有效。请不要把验证码告诉别人。"
"""The phone verification code's SMS."""
PLATFORM_TEMPLATES = {"otp": OTP_TEMPLATE}
"""The platform's own templates, by name, beside those of the chains."""


def template_pattern(template: str) -> re.Pattern[str]:
    """A pattern matching every text ``template.format(**values)`` can give, one group per placeholder.

    Raises:
        ValueError: a placeholder that is not a plain name (``{}``, ``{0}``, ``{a.b}``, ``{a:>5}``, ``{a!r}``):
            such a text cannot be read back.
    """
    parts: list[str] = []
    seen: set[str] = set()
    for literal, name, spec, conversion in Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"the SMS template {template!r} has {{{name}}}: only {{name}} placeholders")
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
        seen.add(name)
    return re.compile("".join(parts), re.DOTALL)


class SmsTemplates:
    """The known SMS templates: one name may have several texts (each chain words its ``refused`` its own way)."""

    def __init__(self, templates: Mapping[str, Iterable[str]]) -> None:
        """
        Raises:
            ValueError: a template that cannot be read back (see :func:`template_pattern`).
        """
        self._patterns = {
            name: tuple(template_pattern(text) for text in dict.fromkeys(texts))
            for name, texts in templates.items()
        }

    @classmethod
    def of_chains(cls, chains: Iterable[Chain]) -> SmsTemplates:
        """The templates of ``chains`` and the platform's own (:data:`PLATFORM_TEMPLATES`)."""
        templates: dict[str, list[str]] = {name: [text] for name, text in PLATFORM_TEMPLATES.items()}
        for chain in chains:
            for name, text in chain.sms.items():
                templates.setdefault(name, []).append(text)
        return cls(templates)

    def names(self) -> frozenset[str]:
        """Every template name."""
        return frozenset(self._patterns)

    def values(self, name: str, text: str) -> dict[str, str] | None:
        """The values that filled template ``name`` to give ``text``, or ``None`` when no text of it matches."""
        for pattern in self._patterns.get(name, ()):
            found = pattern.fullmatch(text)
            if found is not None:
                return found.groupdict()
        return None
