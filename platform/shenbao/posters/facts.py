"""What a poster says: the form's title, the region's full name, the link and the chain's steps in farmers' words.

Pure: built from a compiled form, its chain and the loaded divisions; no I/O.
"""

from __future__ import annotations

import msgspec

from shenbao.forms import CompiledForm
from shenbao.forms.model import text_of
from shenbao.regions import Division, Divisions
from shenbao.workflow.model import Chain

__all__ = ["PosterFacts", "PosterStep", "poster_facts", "villages_below"]


class PosterStep(msgspec.Struct, frozen=True, kw_only=True):
    """One step of the chain as a farmer reads it on the poster.

    Attributes:
        name: the step's ``public_name`` (``村级核查``).
        working_days: its deadline in working days.
        from_submission: counted from the day of the application (else from the step before).
    """

    name: str
    working_days: int
    from_submission: bool = True

    @property
    def when(self) -> str:
        """The deadline in words: ``申报后15个工作日内`` or ``上一步后5个工作日内``."""
        start = "申报后" if self.from_submission else "上一步后"
        return f"{start}{self.working_days}个工作日内"


class PosterFacts(msgspec.Struct, frozen=True, kw_only=True):
    """Everything one poster page shows.

    Attributes:
        title: the form's title.
        region_code: the division the QR code presets.
        region_name: its full name from the province down (province, city, county, township, village: ``…省…市…县…镇…村``).
        url: the absolute link the QR code holds (the form's guide with ``?region=``).
        steps: the chain's steps in order (empty for a form without a chain).
        total_days: the whole chain's limit in working days from the application, if it has a chain.
    """

    title: str
    region_code: str
    region_name: str
    url: str
    steps: list[PosterStep] = []
    total_days: int | None = None


def poster_facts(
    form: CompiledForm, chain: Chain | None, divisions: Divisions, region_code: str, url: str
) -> PosterFacts:
    """The facts of the poster of ``form`` for ``region_code``.

    Args:
        form: the published form (its current version: the title farmers will see).
        chain: its approval chain, or ``None`` when it has none.
        divisions: the loaded divisions.
        region_code: a division code known to ``divisions``.
        url: the link the QR code holds.

    Raises:
        KeyError: ``region_code`` is not among ``divisions``.
    """
    name = "".join(division.name for division in divisions.path(region_code))
    steps = [
        PosterStep(
            name=text_of(step.public_name),
            working_days=step.deadline.working_days,
            from_submission=step.deadline.start == "submission",
        )
        for step in (chain.steps if chain is not None else [])
    ]
    return PosterFacts(
        title=text_of(form.definition.title),
        region_code=region_code,
        region_name=name,
        url=url,
        steps=steps,
        total_days=chain.deadline.working_days if chain is not None else None,
    )


def villages_below(divisions: Divisions, code: str) -> list[Division]:
    """The villages at or below ``code`` in code order: the village itself, or every village of a township,
    county, city or province.

    Raises:
        KeyError: ``code`` is not among ``divisions``.
    """
    division = divisions.get(code)
    if division is None:
        raise KeyError(code)
    if division.level == "village":
        return [division]
    found: list[Division] = []
    stack = [division]
    while stack:
        for child in reversed(divisions.children(stack.pop().code)):
            if child.level == "village":
                found.append(child)
            else:
                stack.append(child)
    return sorted(found, key=lambda village: village.code)
