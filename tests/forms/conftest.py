"""Fixtures for the form tests: the Gansu pack's forms, compiled once per session."""

from __future__ import annotations

import pytest

from shenbao.forms import CompiledForm

from .support import gansu_form


@pytest.fixture(scope="session")
def zizhu() -> CompiledForm:
    """The 2021 self-declaration questionnaire (防止返贫监测对象自主申报)."""
    return gansu_form("gansu-zizhu-2021")


@pytest.fixture(scope="session")
def yijian() -> CompiledForm:
    """The 2023 one-click form (甘肃一键报贫)."""
    return gansu_form("gansu-yijian-2023")
