"""Fixtures for the workflow tests: the Gansu pack's two chains."""

from __future__ import annotations

import pytest

from shenbao.workflow import Chain

from .support import gansu_chain


@pytest.fixture(scope="session")
def yijian_chain() -> Chain:
    """The 2023 chain (甘乡振局发〔2023〕8号): 15 working days."""
    return gansu_chain("gansu-yijian-2023")


@pytest.fixture(scope="session")
def zizhu_chain() -> Chain:
    """The 2021 chain (村级评议、乡镇初审、县级审定): 25 working days."""
    return gansu_chain("gansu-zizhu-2021")
