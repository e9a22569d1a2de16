"""The green channel (绿色通道): a chain's CEL rule over the application's answers decides it."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from shenbao.forms.expressions import CompiledExpression, compile_expression, new_context
from shenbao.workflow.model import Chain

__all__ = ["is_green"]


@lru_cache(maxsize=64)
def _compiled(source: str) -> CompiledExpression:
    return compile_expression(source)


def is_green(chain: Chain, answers: Mapping[str, Any]) -> bool:
    """Whether the chain's green-channel rule picks an application with these ``answers``.

    A question the rule reads but the answers lack (hidden, or unanswered) reads as ``null``; a rule that
    fails on it does not hold, so only what the farmer actually said can open the green channel.

    Raises:
        shenbao.forms.expressions.ExpressionError: the rule does not compile (``shenbao lint`` reports it first).
    """
    if chain.green_channel is None:
        return False
    rule = _compiled(chain.green_channel.when)
    context = new_context()
    for name in rule.reads:
        context.add_variable(name, answers.get(name))
    return rule.holds(context)
