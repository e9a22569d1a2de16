"""The green channel: each chain's rule over its own form's answers."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from shenbao.forms import load_form
from shenbao.forms.model import MultipleChoice
from shenbao.paths import form_defs_dir
from shenbao.workflow import Chain, is_green

from .support import gansu_chain

GREEN = [
    pytest.param("gansu-yijian-2023", {"hardship": ["disaster"]}, True, id="2023 disaster"),
    pytest.param("gansu-yijian-2023", {"hardship": ["illness", "accident"]}, True, id="2023 accident among others"),
    pytest.param("gansu-yijian-2023", {"hardship": ["illness", "schooling"]}, False, id="2023 illness and school"),
    pytest.param("gansu-yijian-2023", {"hardship": []}, False, id="2023 nothing ticked"),
    pytest.param("gansu-yijian-2023", {}, False, id="2023 question unanswered"),
    pytest.param("gansu-zizhu-2021", {"q11": ["disaster"]}, True, id="2021 q11 natural disaster or emergency"),
    pytest.param("gansu-zizhu-2021", {"q11": ["low_wages", "disaster"]}, True, id="2021 q11 among others"),
    pytest.param("gansu-zizhu-2021", {"q11": ["illness"]}, False, id="2021 q11 illness only"),
    pytest.param("gansu-zizhu-2021", {"q11": ["illness"], "q9": ["disaster"]}, False,
                 id="2021 disaster in q9 but not q11 (the rule reads q11 only)"),
    pytest.param("gansu-zizhu-2021", {"q11": None}, False, id="2021 q11 null"),
]  # fmt: skip


@pytest.mark.parametrize(("chain_name", "answers", "green"), GREEN)
def test_green_channel_rule(chain_name: str, answers: dict[str, Any], green: bool) -> None:
    assert is_green(gansu_chain(chain_name), answers) is green


@pytest.mark.parametrize(
    ("chain_name", "question", "values"),
    [
        pytest.param("gansu-yijian-2023", "hardship", {"disaster", "accident"}, id="2023 hardship"),
        pytest.param("gansu-zizhu-2021", "q11", {"disaster"}, id="2021 q11"),
    ],
)
def test_the_rules_name_real_options(chain_name: str, question: str, values: set[str]) -> None:
    form = load_form(form_defs_dir() / "gansu" / "forms" / f"{chain_name}.json")
    assert form.chain == chain_name
    found = next(q for q in form.questions() if q.id == question)
    assert isinstance(found, MultipleChoice)
    assert values <= {option.value for option in found.options}
    green_channel = gansu_chain(chain_name).green_channel
    assert green_channel is not None
    assert all(f'"{value}"' in green_channel.when for value in values)


def test_a_chain_without_green_channel_is_never_green(yijian_chain: Chain) -> None:
    plain = msgspec.structs.replace(yijian_chain, green_channel=None)
    assert not is_green(plain, {"hardship": ["disaster"]})
