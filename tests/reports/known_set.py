"""A known set of applications for the statistics and export tests, moved along their chains by the real engine."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shenbao import store
from shenbao.china_time import CHINA
from shenbao.workflow.model import Accept, Action, Approve, PassUp, RecordCheck, Refuse
from tests.support.applications import YIJIAN, ZIZHU, Built, evaluated
from tests.support.applications import add_application as build
from tests.support.samples import household_2021, id_number, one_click_2023

TODAY = dt.date(2026, 6, 17)
"""A Wednesday; the last 12 weeks start on Monday 30 March 2026 and every deadline stays in a known year."""
SUBMITTED = dt.date(2026, 6, 1)

_TO_APPROVAL: dict[str, list[Action]] = {
    YIJIAN: [
        Accept(),
        RecordCheck(answers={"summary": "入户核查属实", "members": 5}),  # the household check counted 5
        PassUp(),
        PassUp(),
        PassUp(),
        Approve(),
    ],
    ZIZHU: [
        Accept(),
        RecordCheck(answers={"summary": "入户核查属实"}),
        PassUp(),
        PassUp(),
        PassUp(),
        Approve(),
    ],
}
"""The actions that take an application of each form from submission to the county's approval."""


async def add_application(
    db: store.Database,
    *,
    form_id: str,
    region: str,
    answers: dict[str, Any],
    actions: int = 0,
    finish: bool = False,
    refuse: bool = False,
    submitted_on: dt.date = SUBMITTED,
    acted_on: dt.date | None = None,
    created_at: dt.datetime | None = None,
) -> Built:
    """Submit an application at 10:00 on ``submitted_on``, then take the first ``actions`` steps towards its
    approval (all of them, and the closing hand-over, with ``finish``; a refusal after them with ``refuse``)."""
    steps: list[Action] = list(_TO_APPROVAL[form_id][:actions])
    if finish:
        steps = [*_TO_APPROVAL[form_id], PassUp()] if form_id == YIJIAN else list(_TO_APPROVAL[form_id])
    if refuse:
        steps.append(Refuse(reason="家庭收入高于标准"))
    return await build(
        db,
        form_id,
        region=region,
        answers=evaluated(form_id, answers),
        submitted_on=submitted_on,
        actions=steps,
        acted_on=acted_on,
        created_at=created_at or dt.datetime.combine(submitted_on, dt.time(10), CHINA),
    )


def zizhu(name: str, serial: str, phone: str, **changes: Any) -> dict[str, Any]:
    """A 2021 declaration by ``name``, with their own ID number and phone."""
    person = {"name": name, "id_number": id_number(serial=serial), "phone": phone}
    return household_2021(q4=person, **changes)


def yijian(name: str, serial: str, phone: str, **changes: Any) -> dict[str, Any]:
    """A 2023 one-click application by ``name`` from the village ``address``."""
    return one_click_2023(name=name, id_number=id_number(serial=serial), phone=phone, **changes)


VILLAGE = "620102001001"
SIBLING_VILLAGE = "620102001002"
OTHER_TOWNSHIP_VILLAGE = "620102002001"
TOWNSHIP = "620102001"
COUNTY = "620102"
OTHER_COUNTY_VILLAGE = "620103001001"
OTHER_PROVINCE_VILLAGE = "640104001001"


def _at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), CHINA)


async def add_known_set(db: store.Database) -> dict[str, Built]:
    """The applications every statistics and export test counts (letters as in the tests' expectations).

    In 城关区 (620102): ``a`` waiting past its deadline, ``b`` being handled, ``c`` approved and finished in the
    green channel, ``d`` a 2021 declaration approved, ``e`` approved and waiting for the national entry, ``f``
    refused, ``g`` a 2021 declaration whose region stops at the township. Outside it: ``h`` approved in another
    county, ``i`` in another province, ``j`` without a region.
    """
    monday = dt.date(2026, 6, 15)
    return {
        "a": await add_application(
            db, form_id=YIJIAN, region=VILLAGE, answers=yijian("甲", "101", "13900000001", address=VILLAGE)
        ),
        "b": await add_application(
            db,
            form_id=YIJIAN,
            region=VILLAGE,
            answers=yijian("乙", "102", "13900000002", address=VILLAGE),
            actions=2,
            submitted_on=monday,
            created_at=_at(monday, 0),  # the first moment of this week, China time
        ),
        "c": await add_application(
            db,
            form_id=YIJIAN,
            region=SIBLING_VILLAGE,
            answers=yijian("丙", "103", "13900000003", address=SIBLING_VILLAGE, hardship=["disaster"]),
            finish=True,
            acted_on=dt.date(2026, 6, 10),
        ),
        "d": await add_application(
            db,
            form_id=ZIZHU,
            region=SIBLING_VILLAGE,
            answers=zizhu("丁", "104", "13900000004", q11=["illness", "schooling"]),
            finish=True,
            acted_on=dt.date(2026, 6, 12),
        ),
        "e": await add_application(
            db,
            form_id=YIJIAN,
            region=OTHER_TOWNSHIP_VILLAGE,
            answers=yijian("戊", "105", "13900000005", address=OTHER_TOWNSHIP_VILLAGE),
            actions=6,
            acted_on=dt.date(2026, 6, 11),
        ),
        "f": await add_application(
            db,
            form_id=YIJIAN,
            region=OTHER_TOWNSHIP_VILLAGE,
            answers=yijian("己", "106", "13900000006", address=OTHER_TOWNSHIP_VILLAGE),
            actions=2,
            refuse=True,
            created_at=_at(dt.date(2026, 3, 20), 9),  # before the 12 weeks counted
        ),
        "g": await add_application(
            db,
            form_id=ZIZHU,
            region=TOWNSHIP,
            answers=zizhu("庚", "107", "13900000007"),
            submitted_on=monday,
            created_at=_at(dt.date(2026, 6, 14), 23, 59, 59),  # the last second of last week, China time
        ),
        "h": await add_application(
            db,
            form_id=YIJIAN,
            region=OTHER_COUNTY_VILLAGE,
            answers=yijian("辛", "108", "13900000008", address=OTHER_COUNTY_VILLAGE, hardship=["accident"]),
            finish=True,
        ),
        "i": await add_application(
            db, form_id=YIJIAN, region=OTHER_PROVINCE_VILLAGE, answers=yijian("壬", "109", "13900000009")
        ),
    }
