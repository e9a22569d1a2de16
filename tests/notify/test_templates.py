"""Reading back the values an SMS text was filled with, from its template."""

from __future__ import annotations

import pytest

from shenbao.notify.templates import OTP_TEMPLATE, SmsTemplates, template_pattern
from shenbao.packs import ChainRegistry

CHAINS = ChainRegistry.from_packs(["gansu"])
SAMPLES = (
    {"receipt": "G2026-000123", "step": "乡镇审核", "reason": "收入高于标准", "due": "6月8日", "label": ""},
    {"receipt": "G2026-000124", "step": "县级审批", "reason": "", "due": "规定期限", "label": "（绿色通道）"},
    # values holding the template's own punctuation and words
    {
        "receipt": "）",
        "step": "环节",
        "reason": "不符合：理由。有异议可向乡镇申请复核。",
        "due": "前",
        "label": "，请在",
    },
)


@pytest.mark.parametrize("values", SAMPLES)
def test_every_chain_text_gives_back_values_that_make_the_same_text(values: dict[str, str]) -> None:
    templates = SmsTemplates.of_chains(CHAINS)
    checked = 0
    for chain in CHAINS:
        for name, template in chain.sms.items():
            text = template.format_map(values)
            found = templates.values(name, text)
            assert found is not None, (chain.id, name)
            assert template.format_map(found) == text
            checked += 1
    assert checked >= 11


def test_plain_values_come_back_as_they_went() -> None:
    templates = SmsTemplates({"t": ["【签】申请{receipt}经{step}不符合：{reason}。"]})
    text = "【签】申请G2026-1经村级核查不符合：收入高。"
    assert templates.values("t", text) == {"receipt": "G2026-1", "step": "村级核查", "reason": "收入高"}


def test_each_text_of_a_name_is_tried() -> None:
    templates = SmsTemplates({"refused": ["【甲】{receipt}不符合", "【乙】{receipt}不予认定"]})
    assert templates.values("refused", "【乙】G1不予认定") == {"receipt": "G1"}
    assert templates.values("refused", "【丙】G1不予认定") is None
    assert templates.values("approved", "【乙】G1不予认定") is None


def test_a_repeated_placeholder_must_repeat_its_value() -> None:
    pattern = template_pattern("{a}和{a}，{{不是变量}}")
    found = pattern.fullmatch("甲和甲，{不是变量}")
    assert found is not None and found.groupdict() == {"a": "甲"}
    assert pattern.fullmatch("甲和乙，{不是变量}") is None


@pytest.mark.parametrize("template", ["{}", "{0}", "{a.b}", "{a[0]}", "{a:>5}", "{a!r}"])
def test_a_placeholder_that_cannot_be_read_back_is_refused(template: str) -> None:
    with pytest.raises(ValueError, match="only \\{name\\} placeholders"):
        template_pattern(template)


def test_the_platform_templates_come_with_the_chains() -> None:
    templates = SmsTemplates.of_chains(CHAINS)
    assert "otp" in templates.names() and "new_application" in templates.names()
    assert templates.values("otp", OTP_TEMPLATE.format(code="123456")) == {"code": "123456"}
