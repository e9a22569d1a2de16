"""What the use cases need of the running platform: its database and the packs' forms and chains."""

from __future__ import annotations

from typing import Protocol

from shenbao.packs import ChainRegistry, FormRegistry
from shenbao.store import Database

__all__ = ["Platform"]


class Platform(Protocol):
    """The parts of the running platform a use case reads (the web layer's ``Services`` is one)."""

    @property
    def database(self) -> Database:
        """The open database."""
        ...

    @property
    def forms(self) -> FormRegistry:
        """The published forms farmers fill."""
        ...

    @property
    def chains(self) -> ChainRegistry:
        """The packs' approval chains, each with its working-day calendar."""
        ...

    @property
    def step_forms(self) -> FormRegistry:
        """The forms staff fill at a chain's step (the household check)."""
        ...
