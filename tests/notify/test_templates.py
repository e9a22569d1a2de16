"""The SMS template names, and the values a chain's message is made from (queued with it as its parameters)."""

from __future__ import annotations

from string import Formatter

import pytest

from shenbao.notify.templates import chain_of, provider_code, template_names
from shenbao.packs import ChainRegistry
from shenbao.workflow import Chain, Notify, sms_params, sms_text

CHAINS = ChainRegistry.from_packs(["gansu"])
SAMPLES = (
    {"step": "乡镇审核", "reason": "收入高于标准", "due": "6月8日", "label": "", "days": "3"},
    {"step": "县级审批", "reason": "", "due": "规定期限", "label": "（绿色通道）"},
    # values holding the templates' own punctuation and words, and braces
    {"step": "环节", "reason": "不符合：理由。有异议可向乡镇申请复核。", "due": "前", "label": "，请在{due}"},
)


def _chain(chain_id: str = "gansu-yijian-2023") -> Chain:
    found = CHAINS.get(chain_id)
    assert found is not None
    return found[0]


def _event(template: str, values: dict[str, str]) -> Notify:
    return Notify(to="applicant", role=None, region="620102001001", template=template, values=values)


@pytest.mark.parametrize("values", SAMPLES)
def test_each_chain_text_is_its_template_filled_with_the_stored_values(values: dict[str, str]) -> None:
    checked = 0
    for chain in CHAINS:
        for name, template in chain.sms.items():
            event = _event(name, values)
            params = sms_params(chain, event, receipt="2606 0100 0001")
            placeholders = {field for _, field, _, _ in Formatter().parse(template) if field is not None}
            assert set(params) == placeholders | {"receipt"}, (chain.id, name)
            assert template.format_map(params) == sms_text(chain, event, receipt="2606 0100 0001")
            checked += 1
    assert checked >= 15


def test_the_values_are_those_the_text_shows() -> None:
    chain = _chain()
    refused = _event("refused", {"step": "村里答复", "reason": "收入高于标准"})
    assert sms_params(chain, refused, receipt="2606 0100 0001") == {
        "receipt": "2606 0100 0001",
        "step": "村里答复",
        "reason": "收入高于标准",
    }
    # approve carries the county's note as reason; "approved" does not show it, so it is not a parameter
    approved = _event("approved", {"step": "县级审批", "reason": "经县扶贫办复核，家庭情况属实"})
    assert sms_params(chain, approved, receipt="R1") == {"receipt": "R1"}
    text = sms_text(chain, approved, receipt="R1")
    assert "经县扶贫办复核" not in text and "R1" in text


def test_a_value_the_event_lacks_is_blank_in_the_text_and_the_values() -> None:
    chain = _chain()
    event = _event("step_waiting", {"step": "乡镇审核", "due": "6月8日"})  # no label
    params = sms_params(chain, event, receipt="R2")
    assert params == {"receipt": "R2", "step": "乡镇审核", "label": "", "due": "6月8日"}
    assert sms_text(chain, event, receipt="R2") == chain.sms["step_waiting"].format_map(params)


def test_the_receipt_given_wins_over_one_in_the_events_values() -> None:
    event = _event("accepted", {"receipt": "stale"})
    assert sms_params(_chain(), event, receipt="2606 0100 0001") == {"receipt": "2606 0100 0001"}


def test_the_names_are_the_chains_and_the_platforms() -> None:
    names = template_names(CHAINS)
    own = {"new_application", "step_waiting", "refused", "approved", "reminder", "overdue"}
    assert {"otp"} | {f"gansu-yijian-2023.{name}" for name in own} <= names
    assert names == {"otp"}.union(*({f"{chain.id}.{name}" for name in chain.sms} for chain in CHAINS))
    assert template_names([]) == {"otp"}
    assert [chain_of(name) for name in ("gansu-zizhu-2021.refused", "otp", "refused")] == [
        "gansu-zizhu-2021",
        "",
        "",
    ]


@pytest.mark.parametrize(
    ("codes", "name", "code"),
    [
        ({"a.refused": "SMS_1", "refused": "SMS_2"}, "a.refused", "SMS_1"),  # the chain's own code first
        ({"refused": "SMS_2"}, "a.refused", "SMS_2"),  # else the bare name's, for every chain
        ({"a.refused": "SMS_1"}, "b.refused", None),  # never another chain's
        ({"a.refused": "SMS_1", "b.refused": "SMS_1"}, "refused", "SMS_1"),  # queued before: one shared code
        ({"a.refused": "SMS_1", "b.refused": "SMS_3"}, "refused", None),  # whose wording it was is unknown
        ({"otp": "SMS_4"}, "otp", "SMS_4"),
    ],
)
def test_the_provider_code_of_a_name(codes: dict[str, str], name: str, code: str | None) -> None:
    assert provider_code(codes, name) == code
