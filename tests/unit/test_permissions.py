"""Every role × every mutating service: refused ones raise PermissionDenied and change nothing."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.db import Database, open_database
from app.models import AuditEntry, Inspector
from app.models.enums import RiskClass
from app.models.users import Role
from app.services import users
from app.services.audit_trail import count_audit, export_audit_xlsx
from app.services.backup import BackupSettings, create_backup, save_backup_settings
from app.services.context import ServiceContext
from app.services.departments import create_department, update_department
from app.services.errors import PermissionDenied
from app.services.frequency import FrequencyRuleData, save_frequency_rule
from app.services.inspectors import (
    CertificateData,
    InspectorData,
    create_inspector,
    get_inspector,
    set_inspector_active,
    update_inspector,
)
from app.services.items import ItemData, create_item, get_item, update_item
from app.services.permissions import ROLE_PERMISSIONS, Actor, Permission, check_permission
from app.services.plans import create_plan, publish_plan
from app.services.schemes import SchemeData, create_scheme, get_scheme, update_scheme
from app.services.targets import TargetData, create_target, get_target, set_target_active, update_target
from app.services.tasks import cancel_task, create_task, get_task, update_task
from app.services.users import (
    SecuritySettings,
    UserData,
    list_users,
    save_security_settings,
    unlock_user,
    user_by_name,
)
from app.services.workdays import save_holiday_table
from tests.factories import MiniCounty, build_mini_county, joint_task_data
from tests.security import PASSWORD, cheap_hasher, make_accounts


@dataclass
class World:
    db: Database
    county: MiniCounty
    contexts: dict[str, ServiceContext]
    plan_id: int
    task_id: int
    spare_task_id: int
    scheme_id: int
    tmp: Path
    counter: Iterator[int]

    @property
    def market(self) -> int:
        return self.county.departments["青山市监"]

    @property
    def fire(self) -> int:
        return self.county.departments["青山消防"]

    def n(self) -> int:
        return next(self.counter)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with pytest.MonkeyPatch.context() as mp:
        tmp = tmp_path_factory.mktemp("permissions")
        mp.setenv("LIANCHA_DATA_DIR", str(tmp / "data"))
        mp.setattr(users, "HASHER", cheap_hasher())
        db = open_database(str(tmp / "liancha.sqlite3"))
        setup = ServiceContext(db=db, operator="初始化")
        county = build_mini_county(
            setup, targets_per_class={RiskClass.A: 2, RiskClass.B: 2}, inspectors_per_department=2
        )
        plan_id = create_plan(setup, year=2026)
        task_id = create_task(setup, joint_task_data(county, plan_id=plan_id))
        spare = create_task(setup, joint_task_data(county, name="备用任务", plan_id=plan_id))
        scheme_id = create_scheme(
            setup,
            SchemeData(
                industry="餐饮",
                name="餐饮一业一查",
                lead_department_id=county.departments["青山市监"],
                cooperating_department_ids=(county.departments["青山消防"],),
                item_ids=(county.items["food"], county.items["fire"]),
            ),
        )
        contexts = make_accounts(
            db, department_id=county.departments["青山市监"], inspector_id=county.inspectors["青山市监"][0]
        )
        # Accounts exist, but this context has logged nobody in.
        contexts["anonymous"] = ServiceContext(db=db, operator="无名氏")
        try:
            yield World(db, county, contexts, plan_id, task_id, spare, scheme_id, tmp, itertools.count(1))
        finally:
            db.dispose()


def _inspector_data(w: World, ctx: ServiceContext, inspector_id: int, **changes: object) -> InspectorData:
    return replace(get_inspector(ctx, inspector_id).data, **changes)  # type: ignore[arg-type]


def _new_inspector(w: World, department_id: int) -> InspectorData:
    n = w.n()
    return InspectorData(
        name=f"新人员{n}",
        department_id=department_id,
        certificates=(CertificateData(f"NEW{n:06d}", valid_to=date(2030, 1, 1)),),
    )


Action = Callable[[World, ServiceContext], object]

# action -> (what it does, roles allowed to do it). The specification, written out by hand.
ACTIONS: dict[str, tuple[Action, set[str]]] = {
    "create_department": (
        lambda w, c: create_department(c, name=f"新部门{w.n()}", short_name="新"),
        {"admin", "office"},
    ),
    "update_department": (
        lambda w, c: update_department(c, w.fire, name="青山县消防救援大队", short_name="青山消防"),
        {"admin", "office"},
    ),
    "create_target": (lambda w, c: create_target(c, TargetData(name=f"新对象{w.n()}")), {"office"}),
    "update_target": (
        lambda w, c: update_target(
            c,
            w.county.targets[0],
            replace(get_target(c, w.county.targets[0]).data, note=f"备注{w.n()}"),
            expected_version=None,
        ),
        {"office"},
    ),
    "deactivate_target": (
        lambda w, c: set_target_active(c, w.county.targets[1], False, reason="测试"),
        {"office"},
    ),
    "create_inspector_own_department": (
        lambda w, c: create_inspector(c, _new_inspector(w, w.market)),
        {"office", "department"},
    ),
    "create_inspector_other_department": (
        lambda w, c: create_inspector(c, _new_inspector(w, w.fire)),
        {"office"},
    ),
    "update_inspector_own_department": (
        lambda w, c: update_inspector(
            c,
            w.county.inspectors["青山市监"][1],
            _inspector_data(w, c, w.county.inspectors["青山市监"][1], note=f"备注{w.n()}"),
            expected_version=None,
        ),
        {"office", "department"},
    ),
    "update_inspector_other_department": (
        lambda w, c: update_inspector(
            c,
            w.county.inspectors["青山消防"][0],
            _inspector_data(w, c, w.county.inspectors["青山消防"][0], note=f"备注{w.n()}"),
            expected_version=None,
        ),
        {"office"},
    ),
    "move_own_inspector_to_other_department": (
        lambda w, c: update_inspector(
            c,
            w.county.inspectors["青山市监"][1],
            _inspector_data(w, c, w.county.inspectors["青山市监"][1], department_id=w.fire),
            expected_version=None,
        ),
        {"office"},
    ),
    "deactivate_inspector_other_department": (
        lambda w, c: set_inspector_active(c, w.county.inspectors["青山消防"][1], False, reason="测试"),
        {"office"},
    ),
    "create_item_own_department": (
        lambda w, c: create_item(
            c, ItemData(department_id=w.market, name=f"新事项{w.n()}", methods=("实地核查",))
        ),
        {"office", "department"},
    ),
    "create_item_other_department": (
        lambda w, c: create_item(
            c, ItemData(department_id=w.fire, name=f"新事项{w.n()}", methods=("实地核查",))
        ),
        {"office"},
    ),
    "update_item_other_department": (
        lambda w, c: update_item(
            c,
            w.county.items["fire"],
            replace(get_item(c, w.county.items["fire"]).data, category=f"类别{w.n()}"),
            expected_version=None,
        ),
        {"office"},
    ),
    "create_scheme": (
        lambda w, c: create_scheme(
            c,
            SchemeData(
                industry="餐饮",
                name=f"新方案{w.n()}",
                lead_department_id=w.market,
                item_ids=(w.county.items["food"],),
            ),
        ),
        {"office"},
    ),
    "update_scheme": (
        lambda w, c: update_scheme(
            c,
            w.scheme_id,
            replace(get_scheme(c, w.scheme_id).data, handbook_text=f"手册{w.n()}"),
            expected_version=None,
        ),
        {"office"},
    ),
    "create_plan": (lambda w, c: create_plan(c, year=2050 + w.n() % 40), {"office"}),
    "publish_plan": (lambda w, c: publish_plan(c, w.plan_id), {"office"}),
    "create_task": (
        lambda w, c: create_task(
            c, joint_task_data(w.county, name=f"新任务{w.n()}", plan_id=w.plan_id), adjustment_reason="测试"
        ),
        {"office"},
    ),
    "update_task": (
        lambda w, c: update_task(
            c,
            w.task_id,
            replace(get_task(c, w.task_id).data, contact=f"联系人{w.n()}"),
            expected_version=None,
            adjustment_reason="测试",
        ),
        {"office"},
    ),
    "cancel_task": (lambda w, c: cancel_task(c, w.spare_task_id, reason="测试"), {"office"}),
    "save_holiday_table": (
        lambda w, c: save_holiday_table(
            c, year=2027, holidays=[date(2027, 1, 1)], workdays=[], source="测试"
        ),
        {"admin", "office"},
    ),
    "create_user": (
        lambda w, c: users.create_user(
            c, UserData(f"user{w.n()}", "某人", (Role.READONLY,)), password=PASSWORD
        ),
        {"admin"},
    ),
    "list_users": (lambda w, c: list_users(c), {"admin"}),
    "unlock_user": (
        lambda w, c: unlock_user(c, user_by_name(w.contexts["admin"], "viewer").id),  # type: ignore[union-attr]
        {"admin"},
    ),
    "save_security_settings": (lambda w, c: save_security_settings(c, SecuritySettings()), {"admin"}),
    "save_backup_settings": (lambda w, c: save_backup_settings(c, BackupSettings()), {"admin"}),
    "view_audit": (lambda w, c: count_audit(c), {"admin", "office", "readonly"}),
    "export_audit": (
        lambda w, c: export_audit_xlsx(c, w.tmp / f"audit{w.n()}.xlsx"),
        {"admin", "office", "readonly"},
    ),
    "backup": (lambda w, c: create_backup(c, w.tmp / f"backup{w.n()}.zip"), {"admin"}),
    "frequency": (
        lambda w, c: save_frequency_rule(c, FrequencyRuleData(RiskClass.C, 2, 60 + w.n())),
        {"admin", "office"},
    ),
}

ROLES = ("admin", "office", "department", "inspector", "readonly", "anonymous")
REFUSED = [
    (role, action) for action, (_, allowed) in ACTIONS.items() for role in ROLES if role not in allowed
]
ALLOWED = [(role, action) for action, (_, allowed) in ACTIONS.items() for role in sorted(allowed)]


def _audit_count(db: Database) -> int:
    with db.read() as session:
        return int(session.execute(select(func.count(AuditEntry.id))).scalar_one())


@pytest.mark.parametrize(("role", "action"), REFUSED)
def test_refused(world: World, role: str, action: str) -> None:
    func_, _ = ACTIONS[action]
    before = _audit_count(world.db)
    with pytest.raises(PermissionDenied) as excinfo:
        func_(world, world.contexts[role])
    assert _audit_count(world.db) == before
    message = str(excinfo.value)
    assert "登录" in message if role == "anonymous" else ("权限" in message or "本部门" in message)


@pytest.mark.parametrize(("role", "action"), ALLOWED)
def test_allowed(world: World, role: str, action: str) -> None:
    func_, _ = ACTIONS[action]
    before = _audit_count(world.db)
    func_(world, world.contexts[role])  # succeeds: every allowed action is set up to pass its rules
    if action not in ("list_users", "view_audit", "unlock_user"):  # reads, and a no-op unlock
        assert _audit_count(world.db) > before


def test_department_operator_edits_own_department_records(world: World) -> None:
    ctx = world.contexts["department"]
    new_id = create_inspector(ctx, _new_inspector(world, world.market))
    with world.db.read() as session:
        assert session.get(Inspector, new_id) is not None
    set_inspector_active(ctx, new_id, False, reason="调离")
    assert not get_inspector(ctx, new_id).data.active


def test_refusal_messages_say_what_to_do(world: World) -> None:
    with pytest.raises(PermissionDenied, match="本部门（青山县市场监督管理局）"):
        create_inspector(world.contexts["department"], _new_inspector(world, world.fire))
    with pytest.raises(PermissionDenied, match=r"维护检查对象名录库.*部门操作员.*联系管理员"):
        create_target(world.contexts["department"], TargetData(name="某对象"))


def test_team_scope_needs_membership() -> None:
    inspector = Actor(
        user_id=9, username="i", display_name="检查员", roles=frozenset({Role.INSPECTOR}), inspector_id=5
    )
    check_permission(inspector, Permission.ENTER_RESULTS, team_member_ids=[4, 5])
    with pytest.raises(PermissionDenied, match="本人所在检查组"):
        check_permission(inspector, Permission.ENTER_RESULTS, team_member_ids=[4, 6])
    with pytest.raises(PermissionDenied):
        check_permission(inspector, Permission.ENTER_RESULTS)


def test_department_scope_without_department_is_refused() -> None:
    operator = Actor(
        user_id=1,
        username="d",
        display_name="部门员",
        roles=frozenset({Role.DEPARTMENT}),
        department_ids=frozenset({3}),
    )
    check_permission(operator, Permission.EDIT_ITEMS, department_id=3)
    with pytest.raises(PermissionDenied):
        check_permission(operator, Permission.EDIT_ITEMS)  # a service that forgot department_id fails closed
    assert operator.may(Permission.EDIT_ITEMS) and not operator.may(Permission.EDIT_TARGETS)


def test_every_role_can_view_and_table_is_complete() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    for role, grants in ROLE_PERMISSIONS.items():
        assert Permission.VIEW in grants, role
    granted = {p for grants in ROLE_PERMISSIONS.values() for p in grants}
    assert granted == set(Permission)  # no permission nobody can hold


def test_single_user_mode_acts_with_every_role(ctx: ServiceContext) -> None:
    actor = ctx.actor()
    assert actor.implicit and actor.cleared and actor.roles == frozenset(Role)
    create_target(ctx, TargetData(name="无账户时也可录入"))
