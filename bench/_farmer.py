"""A farmer's phone, in-process: the fields the section pages post, and a draft made the way a farmer makes one."""

from __future__ import annotations

import json
from typing import Any

from _asgi import PHONE_HEADERS, ASGIApp, call, cookie_header, form_body
from _common import BASE, full_answers_2021, guide_read

SECTION = f"{BASE}/s/household"
SECTIONS = {
    "method": ["q1", "q2", "q3", "q4"],
    "residence": ["q5", "q6", "q7"],
    "household": ["q8", "q9", "q11", "q12"],
}
_FIELDS_QUESTIONS = {"q3", "q4"}  # "fields" questions post one input per field (q4.name, q4.phone, …)


def section_fields(answers: dict[str, Any], questions: list[str]) -> list[tuple[str, str]]:
    """The fields a section page posts for ``questions`` with ``answers`` filled in."""
    fields: list[tuple[str, str]] = []
    for question in questions:
        fields.append(("_q", question))
        value = answers.get(question)
        if isinstance(value, dict) and question in _FIELDS_QUESTIONS:
            fields += [(f"{question}.{key}", str(item)) for key, item in value.items()]
        elif isinstance(value, dict):  # widgets with a structured value post it as JSON in one input
            fields.append((question, json.dumps(value)))
        elif isinstance(value, list):
            fields += [(question, str(item)) for item in value]
        elif value is not None:
            fields.append((question, str(value)))
    return fields


def flip(q8: str) -> list[tuple[str, str]]:
    """The household form as the browser posts it when q8 changes to ``q8``.

    The block of the branch shown until now (question 10 before a "yes", question 9 before a "no") is
    enabled, so it is posted with its ticks; the other one is a disabled fieldset and is not.
    """
    shown_before = "q10" if q8 == "yes" else "q9"
    answers = full_answers_2021()
    ticks = answers["q9"] if shown_before == "q9" else ["chronic"]
    fields = [("_q", "q8"), ("q8", q8), ("_q", shown_before), *((shown_before, tick) for tick in ticks)]
    fields += [("_q", "q11"), *(("q11", reason) for reason in answers["q11"])]
    fields += [("_q", "q12"), ("q12", answers["q12"])]
    return fields


async def seed(app: ASGIApp, state: dict[str, Any], sections: list[str]) -> dict[str, str]:
    """Fill in ``sections`` and save them; the phone's cookies (its guide mark and the draft token).

    Each section is posted with ``nav=stay`` (the no-JavaScript "show the next level" button): the answers are
    merged into the draft and saved, and the page comes back. "下一步" would refuse the first page until the
    applicant's phone (question 4) is verified with a code sent by SMS, which a benchmark cannot receive; the
    draft holds the same answers either way.
    """
    answers = full_answers_2021()
    cookies = guide_read()  # the phone read the guide a minute ago
    for section in sections:
        headers, body = form_body([*section_fields(answers, SECTIONS[section]), ("nav", "stay")])
        reply = await call(
            app, "POST", f"{BASE}/s/{section}", PHONE_HEADERS + headers + cookie_header(cookies), body, state
        )
        if reply.status != 200:
            raise RuntimeError(f"seeding {section}: {reply.status} {reply.text[:500]}")
        cookies.update(reply.cookies())
    return cookies
