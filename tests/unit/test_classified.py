"""Classified tasks (涉密任务): invisible to users not cleared for them, in tasks, plans and the trail."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.services.audit_trail import AuditFilter, count_audit, export_audit, export_audit_xlsx, search_audit
from app.services.context import ServiceContext
from app.services.errors import NotFoundError, RuleViolation
from app.services.plans import create_plan, list_adjustments, list_plans, publish_plan
from app.services.tasks import cancel_task, create_task, find_task, get_task, list_tasks, update_task
from app.services.users import UserData, create_user
from tests.factories import build_mini_county, joint_task_data
from tests.security import PASSWORD, fast_hasher, login, make_accounts  # noqa: F401 - fast_hasher is a fixture

pytestmark = pytest.mark.usefixtures("fast_hasher")

SECRET_NAME = "2026年某涉密专项检查"


@pytest.fixture
def setup(ctx: ServiceContext) -> dict[str, object]:
    from app.models.enums import RiskClass

    county = build_mini_county(
        ctx, targets_per_class={RiskClass.A: 2, RiskClass.B: 2}, inspectors_per_department=2
    )
    plan = create_plan(ctx, year=2026)
    public = create_task(ctx, joint_task_data(county, plan_id=plan))
    secret = create_task(
        ctx, joint_task_data(county, name=SECRET_NAME, plan_id=plan, is_classified=True, is_public=False)
    )
    publish_plan(ctx, plan)
    # An adjustment of the classified task after publication: its audit entry is about that task.
    update_task(
        ctx,
        secret,
        replace(get_task(ctx, secret).data, contact="联系人甲"),
        expected_version=None,
        adjustment_reason="涉密调整原因",
    )
    contexts = make_accounts(
        ctx.db, department_id=county.departments["青山市监"], inspector_id=county.inspectors["青山市监"][0]
    )
    create_user(
        contexts["admin"],
        UserData("cleared", "保密员", contexts["office"].user.roles, cleared_for_classified=True),  # type: ignore[union-attr]
        password=PASSWORD,
        must_change_password=False,
    )
    contexts["cleared"] = login(ctx.db, "cleared")
    return {"contexts": contexts, "public": public, "secret": secret, "plan": plan}


def test_task_lists_and_lookups_hide_classified(setup: dict[str, object]) -> None:
    contexts: dict[str, ServiceContext] = setup["contexts"]  # type: ignore[assignment]
    secret, public = setup["secret"], setup["public"]
    cleared, office, viewer = contexts["cleared"], contexts["office"], contexts["readonly"]
    assert {t.id for t in list_tasks(cleared)} == {public, secret}
    for uncleared in (office, viewer, contexts["department"], contexts["inspector"], contexts["admin"]):
        assert [t.id for t in list_tasks(uncleared)] == [public]
    number = get_task(cleared, secret).row.number  # type: ignore[arg-type]
    assert find_task(cleared, number).row.name == SECRET_NAME
    # "Not found", worded exactly as for a task that does not exist.
    with pytest.raises(NotFoundError) as hidden:
        get_task(office, secret)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError) as missing:
        get_task(office, 99999)
    assert str(hidden.value).replace(str(secret), "N") == str(missing.value).replace("99999", "N")
    assert SECRET_NAME not in str(hidden.value)
    for ref in (number, str(secret)):
        with pytest.raises(RuleViolation, match="找不到抽查任务"):
            find_task(viewer, ref)
    with pytest.raises(NotFoundError):
        cancel_task(office, secret, reason="试图取消")  # type: ignore[arg-type]
    cancel_task(cleared, secret, reason="任务撤销")  # type: ignore[arg-type]


def test_plan_counts_and_adjustments_hide_classified(setup: dict[str, object]) -> None:
    contexts: dict[str, ServiceContext] = setup["contexts"]  # type: ignore[assignment]
    plan: int = setup["plan"]  # type: ignore[assignment]
    [cleared_row] = list_plans(contexts["cleared"])
    [office_row] = list_plans(contexts["office"])
    assert (cleared_row.tasks, cleared_row.adjustments) == (2, 1)
    assert (office_row.tasks, office_row.adjustments) == (1, 0)
    assert len(list_adjustments(contexts["cleared"], plan)) == 1
    assert list_adjustments(contexts["office"], plan) == []


def test_audit_entries_of_classified_work_are_hidden(setup: dict[str, object], tmp_path: Path) -> None:
    contexts: dict[str, ServiceContext] = setup["contexts"]  # type: ignore[assignment]
    secret: int = setup["secret"]  # type: ignore[assignment]
    cleared, viewer = contexts["cleared"], contexts["readonly"]
    about_secret = search_audit(cleared, AuditFilter(task_id=secret))
    assert {r.action for r in about_secret} == {"create", "update", "adjust"}
    assert all(r.classified for r in about_secret)
    assert search_audit(viewer, AuditFilter(task_id=secret)) == []
    assert search_audit(viewer, AuditFilter(text=SECRET_NAME)) == []
    assert count_audit(cleared) - count_audit(viewer) == len(about_secret)
    [published] = search_audit(viewer, AuditFilter(actions=("publish",)))
    assert "（1 项任务）" in published.summary  # the classified task is not even counted
    out = tmp_path / "viewer.xlsx"
    export_audit_xlsx(viewer, out)
    cells = [str(c) for row in load_workbook(out).worksheets[0].iter_rows(values_only=True) for c in row]
    assert not any(SECRET_NAME in c or "涉密调整原因" in c for c in cells)
    out2 = tmp_path / "cleared.xlsx"
    export_audit_xlsx(cleared, out2)
    cells = [str(c) for row in load_workbook(out2).worksheets[0].iter_rows(values_only=True) for c in row]
    assert any(SECRET_NAME in c for c in cells)
    csv_out = tmp_path / "viewer.csv"
    export_audit(viewer, csv_out)
    text = csv_out.read_text(encoding="utf-8-sig")
    assert SECRET_NAME not in text and "涉密调整原因" not in text
    export_audit(cleared, tmp_path / "cleared.csv")
    assert SECRET_NAME in (tmp_path / "cleared.csv").read_text(encoding="utf-8-sig")


def test_task_made_classified_later_hides_its_earlier_entries(ctx: ServiceContext) -> None:
    from app.models.enums import RiskClass

    county = build_mini_county(ctx, targets_per_class={RiskClass.A: 2}, inspectors_per_department=2)
    task = create_task(ctx, joint_task_data(county, name="后定密任务"))
    contexts = make_accounts(
        ctx.db, department_id=county.departments["青山市监"], inspector_id=county.inspectors["青山市监"][0]
    )
    viewer = contexts["readonly"]
    assert len(search_audit(viewer, AuditFilter(task_id=task))) == 1
    # The single-user operator has gone; an office user cleared for classified work reclassifies.
    create_user(
        contexts["admin"],
        UserData("cleared", "保密员", contexts["office"].user.roles, cleared_for_classified=True),  # type: ignore[union-attr]
        password=PASSWORD,
        must_change_password=False,
    )
    cleared = login(ctx.db, "cleared")
    update_task(
        cleared,
        task,
        replace(get_task(cleared, task).data, is_classified=True, is_public=False),
        expected_version=None,
    )
    assert search_audit(viewer, AuditFilter(task_id=task)) == []
    assert len(search_audit(cleared, AuditFilter(task_id=task))) == 2
