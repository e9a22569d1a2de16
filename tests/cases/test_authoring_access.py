"""Who authors forms and which forms each author edits: the pure rules, table-driven on plain records.

Province accounts author forms, flag or not; a county account authors once the province admin granted it
表单管理权限 (``form_admin``), and edits its own county's forms only; the flag means nothing on any other role.
"""

from __future__ import annotations

import msgspec
import pytest

from shenbao.cases.authoring import may_author, may_edit
from shenbao.store.authoring import AuthoredFormRecord
from shenbao.store.staff import StaffRecord

STAFF = {  # name: role, region, form_admin, active
    "province": ("province", "62", False, True),
    "province_flagged": ("province", "62", True, True),
    "county_granted": ("county", "620102", True, True),
    "county": ("county", "620102", False, True),
    "county_granted_inactive": ("county", "620102", True, False),
    "county_of_another_province": ("county", "640104", True, True),
    "province_of_another_province": ("province", "64", False, True),
    "province_inactive": ("province", "62", False, False),
    "township_flagged": ("township", "620102001", True, True),
    "village_flagged": ("village", "620102001001", True, True),
}
FORMS = {  # name: owner region
    "province_form": "62",
    "own_county_form": "620102",
    "other_county_form": "620103",
}
EDITS = {  # written out, not computed by the rules under test
    "province": {"province_form", "own_county_form", "other_county_form"},
    "province_flagged": {"province_form", "own_county_form", "other_county_form"},
    "county_granted": {"own_county_form"},
    "county": set(),
    "county_granted_inactive": set(),
    "county_of_another_province": set(),
    "province_of_another_province": set(),
    "province_inactive": set(),
    "township_flagged": set(),
    "village_flagged": set(),
}
AUTHORS = {
    "province",
    "province_flagged",
    "province_of_another_province",
    "county_granted",
    "county_of_another_province",
}


def _staff(name: str) -> StaffRecord:
    role, region, form_admin, active = STAFF[name]
    return msgspec.convert(
        {"id": 1, "username": name, "display_name": "", "phone": "", "role": role, "region_code": region,
         "active": active, "form_admin": form_admin, "created_at": "2026-12-01T00:00:00Z"},
        StaffRecord,
    )  # fmt: skip


def _form(name: str) -> AuthoredFormRecord:
    return msgspec.convert(
        {"id": 1, "form_id": "f", "title": "t", "state": "draft", "definition": {}, "revision": 1,
         "owner_region": FORMS[name], "source": "", "created_by": 1, "created_at": "2026-12-01T00:00:00Z",
         "updated_by": 1, "updated_at": "2026-12-01T00:00:00Z"},
        AuthoredFormRecord,
    )  # fmt: skip


@pytest.mark.parametrize("name", sorted(STAFF))
def test_who_authors_forms(name: str) -> None:
    assert may_author(_staff(name)) is (name in AUTHORS)


@pytest.mark.parametrize("name", sorted(STAFF))
@pytest.mark.parametrize("form", sorted(FORMS))
def test_which_forms_each_author_edits(name: str, form: str) -> None:
    assert may_edit(_staff(name), _form(form)) is (form in EDITS[name])
