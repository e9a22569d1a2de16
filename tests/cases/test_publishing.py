"""Publishing a form: versions stored once and never changed, the current one moved by one conditional statement,
refusals shown where they are, rollbacks, the packs' files as versions, and farmers' drafts carried over."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest

from shenbao import store
from shenbao.cases import authoring, publishing
from shenbao.cases.catalog import Catalog, sync_pack_versions
from shenbao.cases.drafts import draft_on_current, take_carried
from shenbao.forms import compile_form
from shenbao.forms.editing import AddQuestion, ReplaceForm, UpdateQuestion, new_form
from shenbao.forms.model import FormDef
from shenbao.packs import FormRegistry, PackError, PackForms
from shenbao.store import authoring as drafts
from shenbao.store import versions as stored
from shenbao.store.audit import AuditFilter, audit_page
from shenbao.store.staff import StaffRecord
from tests.support.staff import add_account

pytestmark = pytest.mark.anyio


class _Platform:
    """What the draft use cases read of the running platform."""

    def __init__(self, database: store.Database, forms: FormRegistry) -> None:
        self.database = database
        self.forms = forms
        self.step_forms = FormRegistry([])
        self.chains: Any = None


async def _admin(db: store.Database, name: str = "admin1") -> StaffRecord:
    return await add_account(db, "province", "62", username=name, display_name=name)


async def _draft(db: store.Database, staff: StaffRecord) -> drafts.AuthoredFormRecord:
    form = await authoring.start_form(
        db, staff, new_form("relief-2027", "临时救助申请"), source="", summary="新建"
    )
    assert form is not None
    return form


async def _edit(db: store.Database, staff: StaffRecord, form: drafts.AuthoredFormRecord, edit: Any) -> Any:
    found = await drafts.authored_form(db, form.id)
    assert found is not None
    saved = await authoring.apply_to_form(db, staff, found, edit, expected=found.revision)
    assert isinstance(saved, authoring.Saved), saved
    return saved.form


async def _publish(
    db: store.Database,
    forms: FormRegistry,
    staff: StaffRecord,
    form: drafts.AuthoredFormRecord,
    *,
    current: int | None,
    reason: str = "按新政策调整",
) -> publishing.Published | publishing.NotPublished:
    found = await drafts.authored_form(db, form.id)
    assert found is not None
    return await publishing.publish(
        db,
        forms,
        staff,
        form.id,
        seen_revision=found.revision,
        seen_current=current,
        reason=reason,
        chains=[],
    )


async def test_a_draft_is_published_as_version_1_then_2_and_each_version_stays_as_published(
    db: store.Database,
) -> None:
    admin = await _admin(db)
    forms = FormRegistry([])
    form = await _draft(db, admin)

    first = await _publish(db, forms, admin, form, current=None, reason="第一次发布")
    assert first == publishing.Published(item_id="relief-2027", version=1, previous=None)
    form = await _edit(db, admin, form, UpdateQuestion(question="q1", values={"label": "户主姓名"}))
    second = await _publish(db, forms, admin, form, current=1)

    assert second == publishing.Published(item_id="relief-2027", version=2, previous=1)
    assert await stored.current_version(db, "relief-2027") == 2
    one, two = (
        await stored.version_record(db, "relief-2027", 1),
        await stored.version_record(db, "relief-2027", 2),
    )
    assert one is not None and two is not None
    assert (
        one.definition["sections"][0]["questions"][0]["label"] == "申请人姓名"
    )  # unchanged by the later edit
    assert (two.definition["version"], two.username, two.reason) == (2, "admin1", "按新政策调整")
    served = forms.get("relief-2027")
    assert served is not None and served.version == 2 and served.title() == "临时救助申请"
    assert forms.version("relief-2027", 1) is not None
    rows = (await audit_page(db, AuditFilter(action="form.publish"))).entries
    assert [row.detail for row in rows] == [
        "发布第2版（原为第1版）：按新政策调整",
        "发布第1版（原为未发布）：第一次发布",
    ]


@pytest.mark.parametrize(
    ("reason", "revision_delta", "current", "message"),
    [
        pytest.param("", 0, None, "请写明为什么发布", id="no-reason"),
        pytest.param("x" * 201, 0, None, "请写明为什么发布", id="reason-too-long"),
        pytest.param("发布", -1, None, "草稿又有了改动", id="draft-changed-since"),
        pytest.param("发布", 0, 1, "另一位管理员刚发布了这个表单", id="current-moved-since"),
    ],
)
async def test_a_publication_on_a_stale_view_or_without_a_reason_changes_nothing(
    db: store.Database, reason: str, revision_delta: int, current: int | None, message: str
) -> None:
    admin = await _admin(db)
    form = await _draft(db, admin)

    result = await publishing.publish(
        db, FormRegistry([]), admin, form.id, seen_revision=form.revision + revision_delta, seen_current=current,
        reason=reason, chains=[],
    )  # fmt: skip

    assert isinstance(result, publishing.NotPublished) and message in result.message
    assert result.stale == (revision_delta != 0 or current is not None)  # an out-of-date page: 409, reload
    assert await stored.versions_of(db, "relief-2027") == []
    assert await stored.current_version(db, "relief-2027") is None


async def test_a_draft_with_a_lint_error_or_a_failing_scenario_is_refused_with_the_problem_at_its_question(
    db: store.Database,
) -> None:
    admin = await _admin(db)
    form = await _draft(db, admin)
    form = await _edit(db, admin, form, AddQuestion(kind="number", section="s1"))
    form = await _edit(db, admin, form, UpdateQuestion(question="q2", values={"visible_if": "q9 > 1"}))

    broken = await _publish(db, FormRegistry([]), admin, form, current=None)

    assert isinstance(broken, publishing.NotPublished)
    assert "还有1个问题没有解决" in broken.message and "q9" in " ".join(broken.problems["q2"])

    definition = authoring.definition_of(form)
    failing = msgspec.to_builtins(definition)
    failing["sections"][0]["questions"][1].pop("visible_if")
    failing["scenarios"] = [
        {"name": "填了姓名就能提交", "answers": {"q1": "张三"}, "expect": {"hidden": ["q2"]}}
    ]
    form = await _edit(db, admin, form, ReplaceForm(definition=msgspec.convert(failing, FormDef)))

    refused = await _publish(db, FormRegistry([]), admin, form, current=None)

    assert isinstance(refused, publishing.NotPublished)
    assert any(
        "填了姓名就能提交" in message for messages in refused.problems.values() for message in messages
    )
    assert await stored.versions_of(db, "relief-2027") == []


async def test_a_question_whose_type_changed_under_its_id_is_refused(db: store.Database) -> None:
    admin = await _admin(db)
    forms = FormRegistry([])
    form = await _draft(db, admin)
    form = await _edit(db, admin, form, AddQuestion(kind="number", section="s1"))
    assert isinstance(await _publish(db, forms, admin, form, current=None), publishing.Published)
    changed = msgspec.to_builtins(authoring.definition_of(form))
    changed["sections"][0]["questions"][1] = {"type": "text", "id": "q2", "label": "家里几口人"}
    form = await _edit(db, admin, form, ReplaceForm(definition=msgspec.convert(changed, FormDef)))

    result = await _publish(db, forms, admin, form, current=1)

    assert isinstance(result, publishing.NotPublished) and result.refused
    assert all(change.severity == "refused" and change.question == "q2" for change in result.refused)
    assert await stored.current_version(db, "relief-2027") == 1


async def test_two_admins_publishing_at_once_one_wins_and_the_other_is_told(db: store.Database) -> None:
    first, second = await _admin(db), await _admin(db, "admin2")
    forms = FormRegistry([])
    form = await _draft(db, first)

    results = await asyncio.gather(
        _publish(db, forms, first, form, current=None, reason="甲发布"),
        _publish(db, forms, second, form, current=None, reason="乙发布"),
    )

    assert sorted(type(result).__name__ for result in results) == ["NotPublished", "Published"]
    lost = next(result for result in results if isinstance(result, publishing.NotPublished))
    assert "另一位管理员刚发布了" in lost.message
    assert [record.version for record in await stored.versions_of(db, "relief-2027")] == [1]
    assert len(await stored.publications(db, "relief-2027")) == 1


async def test_a_rollback_serves_an_older_version_again_and_is_recorded(db: store.Database) -> None:
    admin = await _admin(db)
    forms = FormRegistry([])
    form = await _draft(db, admin)
    await _publish(db, forms, admin, form, current=None)
    form = await _edit(db, admin, form, AddQuestion(kind="number", section="s1"))
    await _publish(db, forms, admin, form, current=1)

    stale = await publishing.republish(db, forms, admin, "relief-2027", 1, seen_current=1, reason="回退")
    done = await publishing.republish(db, forms, admin, "relief-2027", 1, seen_current=2, reason="新题有误")
    again = await publishing.republish(db, forms, admin, "relief-2027", 1, seen_current=1, reason="再回退")

    assert isinstance(stale, publishing.NotPublished) and "现在农户用的是第2版" in stale.message
    assert done == publishing.Published(item_id="relief-2027", version=1, previous=2)
    assert isinstance(again, publishing.NotPublished) and "用的就是第1版" in again.message
    served = forms.get("relief-2027")
    assert served is not None and served.version == 1
    assert [
        (each.action, each.version, each.previous) for each in await stored.publications(db, "relief-2027")
    ] == [
        ("rollback", 1, 2),
        ("publish", 2, 1),
        ("publish", 1, None),
    ]
    rows = (await audit_page(db, AuditFilter(action="form.rollback"))).entries
    assert [row.detail for row in rows] == ["回退到第1版（原为第2版）：新题有误"]


async def test_another_process_serves_a_publication_after_its_next_look(db: store.Database) -> None:
    admin = await _admin(db)
    here, there = FormRegistry([]), FormRegistry([])
    catalog = Catalog(db, there, every=3600)
    await catalog.refresh()
    form = await _draft(db, admin)
    await _publish(db, here, admin, form, current=None)

    await catalog.fresh()  # within its second: not looked yet
    assert there.get("relief-2027") is None
    await catalog.refresh()
    served = there.get("relief-2027")
    assert served is not None and served.version == 1


def _pack(definition: dict[str, Any]) -> PackForms:
    compiled = compile_form(msgspec.convert(definition, FormDef))
    return PackForms(
        forms=FormRegistry([compiled]),
        step_forms=FormRegistry([]),
        pack_of={compiled.id: "gansu"},
        files={compiled.id: definition},
    )


async def test_a_packs_file_is_a_published_version_once_and_may_not_change_under_its_number(
    db: store.Database,
) -> None:
    admin = await _admin(db)
    definition = msgspec.to_builtins(new_form("pack-form", "包里的表"))
    await sync_pack_versions(db, _pack(definition))
    await sync_pack_versions(db, _pack(definition))  # a restart: nothing new
    assert [(each.action, each.version) for each in await stored.publications(db, "pack-form")] == [
        ("pack", 1)
    ]

    newer = {**definition, "version": 2, "title": "包里的表（2027）"}
    await sync_pack_versions(db, _pack(newer))
    assert await stored.current_version(db, "pack-form") == 2
    rolled = await publishing.republish(
        db, FormRegistry([]), admin, "pack-form", 1, seen_current=2, reason="退回"
    )
    assert isinstance(rolled, publishing.Published)
    await sync_pack_versions(db, _pack(newer))  # a restart keeps the rollback
    assert await stored.current_version(db, "pack-form") == 1

    with pytest.raises(
        PackError, match=r"version 2 in pack 'gansu' differs .* next free version number \(3\)"
    ):
        await sync_pack_versions(db, _pack({**newer, "title": "改了但没改版本号"}))


async def test_a_farmers_draft_moves_to_the_new_version_keeping_its_answers_and_is_told_once(
    db: store.Database,
) -> None:
    admin = await _admin(db)
    forms = FormRegistry([])
    form = await _draft(db, admin)
    await _publish(db, forms, admin, form, current=None)
    one = forms.get("relief-2027")
    assert one is not None
    await store.save_draft(db, "phone-1", one.id, 1, {"q1": "张三"}, "s1", personal=one.personal)
    form = await _edit(db, admin, form, AddQuestion(kind="number", section="s1"))
    form = await _edit(db, admin, form, UpdateQuestion(question="q2", values={"label": "家里几口人"}))
    await _publish(db, forms, admin, form, current=1)
    two = forms.get("relief-2027")
    assert two is not None and two.version == 2
    platform = _Platform(db, forms)

    saved = await store.load_draft(db, "phone-1", "relief-2027")
    assert saved is not None
    moved = await draft_on_current(platform, two, saved)  # type: ignore[arg-type]

    assert (moved.form_version, moved.answers) == (2, {"q1": "张三"})
    reloaded = await store.load_draft(db, "phone-1", "relief-2027")
    assert reloaded is not None and reloaded.form_version == 2 and reloaded.answers == {"q1": "张三"}
    told = await take_carried(platform, reloaded)  # type: ignore[arg-type]
    assert told is not None and told.version == 2 and told.new == ["第2题“家里几口人”"] and told.again == []
    assert await take_carried(platform, reloaded) is None  # type: ignore[arg-type]
    impact = await stored.impact(db, "relief-2027")
    assert impact.drafts == {2: 1} and impact.open_cases == {}


async def test_a_look_that_fails_serves_what_is_known_and_is_tried_again(
    db: store.Database, caplog: pytest.LogCaptureFixture
) -> None:
    forms = FormRegistry([])
    catalog = Catalog(db, forms, every=0)
    await catalog.refresh()

    class Away:
        """The database gone for a moment."""

        async def fetch(self, *_: Any) -> list[dict[str, Any]]:
            raise OSError("connection refused")

    catalog._database = Away()  # type: ignore[assignment]
    await catalog.fresh()  # no error reaches the request
    assert "could not look for new publications" in caplog.text
    catalog._database = db
    admin = await _admin(db)
    await _publish(db, FormRegistry([]), admin, await _draft(db, admin), current=None)
    await catalog.fresh()  # tried again: the publication is served
    assert forms.get("relief-2027") is not None
