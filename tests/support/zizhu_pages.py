"""The 2021 questionnaire's sections as a phone posts them without script: what several page tests send."""

from __future__ import annotations

import json
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from tests.support.samples import id_number, photo, signers
from tests.support.web import verify_on_page

BASE = "/f/gansu-zizhu-2021"

METHOD = {"_q": ["q1", "q2", "q3", "q4"], "q1": "self", "q4.name": "张三", "q4.id_number": id_number(),
          "q4.phone": "13800138000"}  # fmt: skip
RESIDENCE = {"_q": ["q5", "q6", "q7"], "q5": "agri", "q6": "620102001001"}
HOUSEHOLD = {"_q": ["q8", "q9", "q10", "q11", "q12"], "q8": "yes", "q9": ["chronic"], "q11": ["illness"]}
MEMBERS = {"_q": ["q13", "q14", "q15", "q16", "q20"], "q13": "3", "q14": ["over_60", "age_18_60"], "q15": "1",
           "q16": "2", "q20": "no"}  # fmt: skip
PROPERTY = {"_q": [f"q{n}" for n in range(23, 32)], "q23": "no", "q24": "no", "q25": "b", "q26": "no", "q27": "no",
            "q28": "no", "q29": "no", "q30": "no", "q31": "no"}  # fmt: skip
INCOME = {"_q": ["q32", "q33", "q34", "q37", "q38", "q40", "q44"], "q32": ["tap"], "q33": "under_20k", "q34": "no",
          "q37": "5k_10k", "q38": "yes", "q40": "2k_5k", "q44": "no"}  # fmt: skip
PLEDGE = {"_q": ["q45", "q46", "q47"], "q45": json.dumps(signers("张三")), "q46": photo()}


def post_section(client: TestClient[Litestar], section: str, data: dict[str, Any], nav: str = "next") -> Any:
    if section == "method" and data.get("q4.phone"):
        verify_on_page(client, "gansu-zizhu-2021", "q4.phone", data["q4.phone"])
    return client.post(f"{BASE}/s/{section}", data={**data, "nav": nav}, follow_redirects=False)
