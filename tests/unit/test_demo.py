"""The demo county: deterministic, valid, realistic, one unit of work."""

from __future__ import annotations

import argparse
import collections
import csv
import hashlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from stdnum.cn import uscc as stdnum_uscc
from stdnum.iso7064 import mod_11_2, mod_11_10

from app.cli import demo as demo_cli
from app.cli.common import CliError
from app.db import open_database
from app.models import (
    AuditEntry,
    CheckItem,
    Department,
    IndustryScheme,
    Inspector,
    RecusalConflict,
    Target,
    TargetLicence,
)
from app.services.context import ServiceContext
from app.services.demo import DEMO_AS_OF, DemoSummary, build_demo_county, is_database_empty
from app.services.demo_data import UsccBuilder, load_county, make_regno, make_uscc, org_code_check_char
from app.services.demo_items import derive_checkpoints, load_items, map_methods
from app.services.departments import create_department
from app.services.errors import Interrupted, RuleViolation, ValidationError
from app.services.identifiers import classify_code, uscc_check_char
from app.services.pinyin import initials
from app.services.progress import Progress
from app.services.schemes import SchemeData, validate_scheme
from app.services.targets import TargetFilter, search_target_ids
from tests import dbs
from tests.unit.round_trip import reimport_unchanged

SHARED_ITEMS = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "items" / "hainan_2020_random_check_items.csv"
)


def _org_check(body8: str) -> str:
    """GB 11714, written out independently of the code under test."""
    values = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    total = sum(values.index(c) * w for c, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    return {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServiceContext, DemoSummary]]:
    """One 1,500-target county shared by the read-only tests of this module."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    db = open_database(str(path))
    ctx = ServiceContext(db=db, operator="测试员")
    summary = build_demo_county(ctx, targets=1500, seed=11)
    try:
        yield ctx, summary
    finally:
        db.dispose()


def _fingerprint(ctx: ServiceContext) -> str:
    """A hash of every generated row (timestamps left out: they record when, not what)."""
    queries = (
        "SELECT uid, code, code_kind, name, name_initials, kind, legal_rep, phone, address, reg_authority,"
        " jurisdiction, region, industry, risk_class, status, active FROM targets ORDER BY id",
        "SELECT t.code, l.name, l.number, l.valid_from, l.valid_to FROM target_licences l"
        " JOIN targets t ON t.id = l.target_id ORDER BY l.id",
        "SELECT t.code, g.kind, g.name FROM target_tags x JOIN targets t ON t.id = x.target_id"
        " JOIN tags g ON g.id = x.tag_id ORDER BY t.code, g.kind, g.name",
        "SELECT uid, name, short_name, code FROM departments ORDER BY id",
        "SELECT uid, department_id, staff_no, name, id_number, phone, unit, is_expert, active FROM inspectors ORDER BY id",
        "SELECT inspector_id, kind, number, valid_from, valid_to FROM inspector_certificates ORDER BY id",
        "SELECT inspector_id, target_id, reason, declared_on FROM recusal_conflicts ORDER BY id",
        "SELECT uid, department_id, name, importance, methods, ratio_cap FROM check_items ORDER BY id",
        "SELECT item_id, position, content, method_guide, materials FROM checkpoints ORDER BY id",
        "SELECT uid, industry, name, lead_department_id, handbook_text FROM industry_schemes ORDER BY id",
        "SELECT scheme_id, item_id, position FROM scheme_items ORDER BY id",
    )
    digest = hashlib.sha256()
    with ctx.read() as session:
        for query in queries:
            for row in session.execute(text(query)):
                digest.update(repr(tuple(row)).encode("utf-8"))
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Identifiers


def test_org_code_check_matches_real_codes() -> None:
    # 阿里巴巴 91330100716105852F and 腾讯 91440300708461136T carry organisation codes 71610585-2 and 70846113-6.
    assert org_code_check_char("71610585") == "2"
    assert org_code_check_char("70846113") == "6"
    assert make_uscc("9", "1", "330100", "71610585") == "91330100716105852F"
    assert make_uscc("9", "1", "440300", "70846113") == "91440300708461136T"


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.sampled_from(["91369921", "92369921", "93369921", "N2369921", "11369900"]),
    body=st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8),
)
def test_fast_uscc_builder_agrees_with_shared_check(prefix: str, body: str) -> None:
    code = UsccBuilder().make(prefix, body)
    assert code == make_uscc(prefix[0], prefix[1], prefix[2:], body)
    assert code[17] == uscc_check_char(code[:17])
    assert code[16] == _org_check(body)


def test_regno_has_valid_mod_11_10_check() -> None:
    code = make_regno("369921", "60012345")
    assert len(code) == 15 and mod_11_10.is_valid(code)


def test_all_codes_valid_unique_and_of_the_right_kind(county: tuple[ServiceContext, DemoSummary]) -> None:
    ctx, _ = county
    prefixes = {"enterprise": ("91",), "individual": ("92",), "cooperative": ("93",), "other": ("N2",)}
    with ctx.read() as session:
        rows = session.execute(select(Target.code, Target.code_kind, Target.kind)).all()
    codes = [r.code for r in rows]
    assert all(codes) and len(set(codes)) == len(codes)
    kinds = collections.Counter(r.code_kind.value for r in rows)
    assert kinds["regno"] > 0 and kinds["uscc"] > 0.9 * len(rows)
    for code, code_kind, kind in rows:
        info = classify_code(code)
        assert info.valid and info.kind == code_kind.value, code
        if code_kind.value == "regno":
            assert code.isdigit() and mod_11_10.is_valid(code)
            continue
        assert code.startswith(prefixes[kind.value]), (code, kind)
        assert code[16] == _org_check(code[8:16]), code
        if code[:8].isdigit():
            assert stdnum_uscc.is_valid(code), code


# ---------------------------------------------------------------------------------------------
# What the county holds


def test_summary_counts_match_database(county: tuple[ServiceContext, DemoSummary]) -> None:
    ctx, summary = county
    with ctx.read() as session:

        def count(model: type) -> int:
            return len(session.execute(select(model.id)).all())  # type: ignore[attr-defined]

        assert count(Target) == summary.targets == 1500
        assert count(Department) == summary.departments
        assert count(Inspector) == summary.inspectors
        assert count(CheckItem) == summary.items == 297
        assert count(IndustryScheme) == summary.schemes
        assert count(TargetLicence) == summary.target_licences > 0
        assert count(RecusalConflict) == summary.recusal_conflicts > 0
        entries = [e.summary for e in session.execute(select(AuditEntry)).scalars()]
    assert len(entries) == 1
    assert entries[0].startswith("生成演示县数据") and "检查对象 1,500" in entries[0]
    assert not is_database_empty(ctx)


def test_departments_and_items(county: tuple[ServiceContext, DemoSummary]) -> None:
    ctx, _ = county
    with ctx.read() as session:
        departments = session.execute(select(Department)).scalars().all()
        items = session.execute(select(CheckItem)).unique().scalars().all()
        assert 12 <= len(departments) <= 20
        assert all(d.short_name and d.short_name.startswith("青山") for d in departments)
        assert len({d.code for d in departments}) == len(departments)
        assert len(items) == 297
        assert {i.department_id for i in items} <= {d.id for d in departments}
        assert all(2 <= len(i.checkpoints) <= 6 for i in items)
        assert all(cp.content.strip() and cp.method_guide.strip() for i in items for cp in i.checkpoints)
        capped = [i for i in items if i.ratio_cap is not None]
        assert capped and all(i.importance.value == "general" and 0 < i.ratio_cap <= 0.1 for i in capped)
        assert any(i.importance.value == "key" for i in items)


def test_items_are_the_shipped_list_and_the_shared_copy() -> None:
    cfg = load_county()
    items = load_items(cfg)
    assert len(items) == 297
    assert len({(i.department, i.name) for i in items}) == 297
    assert all(len(i.name) <= 100 for i in items)
    if SHARED_ITEMS.exists():
        with SHARED_ITEMS.open(encoding="utf-8-sig") as fh:
            published = [row["抽查事项"] for row in csv.DictReader(fh)]
        assert [i.original_name for i in items] == published


def test_checkpoints_split_enumerations_and_are_seed_independent() -> None:
    points = derive_checkpoints(
        name="用人单位是否有下列行为之一：未按照约定支付劳动报酬；低于当地最低工资标准支付工资；安排加班不支付加班费",
        category="工资支付和最低工资标准",
        basis="《劳动保障监察条例》",
    )
    assert [p.content for p in points] == [
        "有无未按照约定支付劳动报酬的情形。",
        "有无低于当地最低工资标准支付工资的情形。",
        "有无安排加班不支付加班费的情形。",
    ]
    fire = derive_checkpoints(name="消防安全检查", category="消防安全检查", basis="《消防法》")
    assert 2 <= len(fire) <= 6 and "消防" in fire[0].content
    assert fire[-1].content == "是否符合《消防法》关于消防安全的其他规定。"
    assert map_methods("现场检查、书面检查、网络检查、专业机构核查") == (
        "实地核查",
        "书面检查",
        "网络监测",
        "委托专业机构",
    )
    assert map_methods("非现场检查") == ("书面检查",)
    assert map_methods("") == ("实地核查",)


def test_schemes_are_valid_and_their_items_belong_to_their_departments(
    county: tuple[ServiceContext, DemoSummary],
) -> None:
    ctx, _ = county
    with ctx.read() as session:
        schemes = session.execute(select(IndustryScheme)).unique().scalars().all()
        assert len(schemes) >= 6
        assert {"餐饮", "药品零售", "加油站", "宾馆住宿", "校外培训", "建筑施工"} <= {
            s.industry for s in schemes
        }
        for s in schemes:
            allowed = {s.lead_department_id, *(d.id for d in s.cooperating_departments)}
            assert s.cooperating_departments and len(s.scheme_items) >= 4
            assert [si.position for si in s.scheme_items] == list(range(1, len(s.scheme_items) + 1))
            assert {si.item.department_id for si in s.scheme_items} <= allowed
            assert s.lead_department_id in {si.item.department_id for si in s.scheme_items}
            assert s.handbook_text.count("\n\n") >= 3 and "联合检查事项" in s.handbook_text
            data = SchemeData(
                industry=s.industry,
                name=s.name,
                lead_department_id=s.lead_department_id,
                cooperating_department_ids=tuple(d.id for d in s.cooperating_departments),
                item_ids=tuple(si.item_id for si in s.scheme_items),
            )
            validate_scheme(session, data, s.id)  # the scheme editor's own rules accept it


def test_inspectors_have_the_irregular_cases(county: tuple[ServiceContext, DemoSummary]) -> None:
    ctx, summary = county
    with ctx.read() as session:
        people = session.execute(select(Inspector)).unique().scalars().all()
        assert 110 <= len(people) <= 140
        experts = [p for p in people if p.is_expert]
        officers = [p for p in people if not p.is_expert]
        assert len(experts) == summary.experts >= 4 and all(not p.certificates for p in experts)
        assert any(not p.active for p in officers)
        assert any(p.certificates and p.valid_certificate_on(DEMO_AS_OF) is None for p in officers)
        assert sum(1 for p in officers if len(p.certificates) == 2) >= 3
        assert sum(1 for p in officers if p.valid_certificate_on(DEMO_AS_OF) is not None) > 0.8 * len(
            officers
        )
        assert all(p.staff_no for p in people)
        assert len({c.number for p in people for c in p.certificates}) == summary.certificates
        assert all({t.kind for t in p.tags} <= {"执法资质", "业务专长"} and p.tags for p in people)
        for p in people:
            for conflict in p.conflicts:
                assert conflict.reason and session.get(Target, conflict.target_id) is not None
        assert len(people) == len({p.name for p in people})
        for p in people:
            # stdnum.cn.ric raises KeyError for the fictional region 369921, so check the parts.
            assert len(p.id_number) == 18 and mod_11_2.is_valid(p.id_number)
            assert date(1960, 1, 1) < date.fromisoformat(
                f"{p.id_number[6:10]}-{p.id_number[10:12]}-{p.id_number[12:14]}"
            )
            assert (int(p.id_number[16]) % 2 == 1) == (p.gender == "男")


def test_targets_look_like_a_county_registry(county: tuple[ServiceContext, DemoSummary]) -> None:
    ctx, _ = county
    with ctx.read() as session:
        rows = session.execute(select(Target)).unique().scalars().all()
        assert len({t.name for t in rows}) == len(rows)
        assert 10 <= len({t.region for t in rows}) <= 15
        assert all(t.address.startswith("青山县") and t.legal_rep and t.jurisdiction for t in rows)
        assert all(t.reg_authority.endswith(("市场监督管理局", "农业农村局")) for t in rows)
        # Exactly what an import computes, or re-importing the exported registry would report changes.
        assert [t.name for t in rows if t.name_initials != initials(t.name)] == []
        statuses = collections.Counter(t.status.value for t in rows)
        assert statuses["active"] > 0.8 * len(rows) and statuses["deregistered"] and statuses["revoked"]
        kinds = collections.Counter(t.kind.value for t in rows)
        assert kinds["individual"] > kinds["enterprise"] > kinds["cooperative"] > 0
        licensed = [t for t in rows if t.licences]
        assert licensed and all(t.status.value == "active" for t in licensed)
        food = [lic for t in rows if t.industry == "餐饮" for lic in t.licences]
        assert food and all(lic.name == "食品经营许可证" and lic.number.startswith("JY2") for lic in food)
        assert any(
            lic.valid_to is not None and lic.valid_to < DEMO_AS_OF for t in licensed for lic in t.licences
        )
        tag_names = {g.name for t in rows for g in t.tags}
        assert {"食品经营许可证", "特种设备使用单位"} <= tag_names
    # The registry search finds them by pinyin initials of the county name (青山县 → qsx).
    found = search_target_ids(ctx, TargetFilter(text="qsx"))
    assert len(found) > 0.8 * len(rows)


@pytest.mark.parametrize("kind", ["targets", "inspectors", "items", "schemes", "checkpoints"])
def test_every_exported_registry_imports_back_unchanged(
    county: tuple[ServiceContext, DemoSummary], kind: str, tmp_path: Path
) -> None:
    """export → import of the demo county's registries: nothing refused, nothing changed.

    It once failed on three counts: the inspector import crashed inside stdnum on the demo's
    identity-card numbers, two items' 检查依据 kept a no-break space the importer turns into
    a space, and a scheme listing two departments' same-named items was refused as a duplicate.
    """
    ctx, _ = county
    reimport_unchanged(ctx, kind, tmp_path, today=DEMO_AS_OF, dry_run=True)


def test_risk_classes_are_skewed_like_real_data(ctx: ServiceContext) -> None:
    build_demo_county(ctx, targets=3000, seed=5)
    with ctx.read() as session:
        classes = collections.Counter(r.value for r in session.execute(select(Target.risk_class)).scalars())
    share = {k: v / 3000 for k, v in classes.items()}
    assert 0.58 <= share["B"] <= 0.72
    assert 0.15 <= share["A"] <= 0.26
    assert 0.07 <= share["C"] <= 0.16
    assert 0.01 <= share["D"] <= 0.05


# ---------------------------------------------------------------------------------------------
# Determinism, refusal, cancellation


def test_same_seed_gives_identical_data_and_another_seed_does_not(
    tmp_path: Path, ctx: ServiceContext
) -> None:
    build_demo_county(ctx, targets=600, seed=3)
    fingerprints = [_fingerprint(ctx)]
    for name, seed in (("same", 3), ("other", 4)):
        # The same kind of database as ctx: the fingerprint is of rows as the driver returns them.
        url = dbs.fresh_url(tmp_path, name)
        db = open_database(url)
        try:
            other = ServiceContext(db=db, operator="另一人")
            build_demo_county(other, targets=600, seed=seed)
            fingerprints.append(_fingerprint(other))
        finally:
            db.dispose()
            dbs.drop(url)
    assert fingerprints[0] == fingerprints[1]
    assert fingerprints[0] != fingerprints[2]


def test_refuses_a_database_that_already_has_data(ctx: ServiceContext) -> None:
    create_department(ctx, name="青山县市场监督管理局", short_name="青山市监")
    assert not is_database_empty(ctx)
    with pytest.raises(RuleViolation, match="只能生成到空数据库"):
        build_demo_county(ctx, targets=200)
    with ctx.read() as session:
        assert len(session.execute(select(Department.id)).all()) == 1


def test_target_count_is_checked(ctx: ServiceContext) -> None:
    with pytest.raises(ValidationError, match="检查对象数量"):
        build_demo_county(ctx, targets=10)
    assert is_database_empty(ctx)


class _CancelAfter(Progress):
    """Cancels once the given number of target rows has been reported."""

    def __init__(self, after: int) -> None:
        super().__init__()
        self.after = after
        self.messages: list[str] = []

    def update(self, done: int | None = None, total: int | None = None, message: str | None = None) -> None:
        if message:
            self.messages.append(message)
        if done is not None and done > self.after:
            self.cancel()
        super().update(done, total, message)


def test_cancel_rolls_everything_back(ctx: ServiceContext) -> None:
    progress = _CancelAfter(after=6000)
    with pytest.raises(Interrupted):
        build_demo_county(ctx, targets=12_000, progress=progress)
    assert any("检查对象" in m for m in progress.messages)
    assert is_database_empty(ctx)
    with ctx.read() as session:
        assert session.execute(select(AuditEntry.id)).first() is None
        assert session.execute(select(TargetLicence.id)).first() is None
    # The database is still usable: the demo can be built after the cancelled attempt.
    summary = build_demo_county(ctx, targets=200, progress=Progress())
    assert summary.targets == 200


def test_progress_reaches_the_total(ctx: ServiceContext) -> None:
    progress = Progress()
    build_demo_county(ctx, targets=300, progress=progress)
    state = progress.snapshot()
    assert state.total > 0 and state.done == state.total and not state.cancelled


# ---------------------------------------------------------------------------------------------
# CLI


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="liancha")
    parser.add_argument("--db", default=None)
    parser.add_argument("--operator", default=None)
    sub = parser.add_subparsers(dest="command")
    demo_cli.register(sub)
    return parser.parse_args(argv)


def test_cli_builds_then_refuses(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = _parse(["--operator", "测试员", "demo", "--db", db_url, "--targets", "300", "--seed", "9"])
    assert args.func(args) == 0
    out, err = capsys.readouterr()
    assert "检查对象：300" in out and "用时" in out
    assert "100.0%" in err
    again = _parse(["demo", "--db", db_url, "--targets", "300"])
    with pytest.raises(CliError, match="只能生成到空数据库") as exc:
        again.func(again)
    assert exc.value.exit_code == 2


def test_cli_as_of_shifts_validity(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = _parse(["demo", "--db", db_url, "--targets", "200", "--as-of", "2027-03-01"])
    assert args.func(args) == 0
    db = open_database(db_url)
    try:
        with db.read() as session:
            after = session.execute(
                select(AuditEntry.after_json).where(AuditEntry.summary.like("生成演示县%"))
            ).scalar_one()
        assert after is not None and '"as_of":"2027-03-01"' in after
    finally:
        db.dispose()
    assert date(2027, 3, 1) > DEMO_AS_OF


def test_demo_plan_has_one_task_of_each_kind_and_all_draw(ctx: ServiceContext) -> None:
    from app.models.enums import TaskMode
    from app.services.demo import build_demo_county
    from app.services.demo_plan import build_demo_plan
    from app.services.draws import SeedEntry, draw_task_inspectors, draw_task_targets
    from app.services.tasks import list_tasks

    build_demo_county(ctx, targets=3000, seed=7)
    plan = build_demo_plan(ctx, year=2026)
    tasks = list_tasks(ctx, year=2026)
    assert len(tasks) == len(plan.task_ids) == 4
    assert {t.mode for t in tasks} == {
        TaskMode.GENERAL_SWEEP,
        TaskMode.SINGLE,
        TaskMode.RISK_GRADED,
        TaskMode.SPECIAL_CAMPAIGN,
    }
    assert [t.is_classified for t in tasks].count(True) == 1
    seed = SeedEntry("12345678901234567890")
    for t in tasks:
        assert draw_task_targets(ctx, t.id, seed=seed).selected_count > 0
        assert draw_task_inspectors(ctx, t.id, seed=seed).selected_count >= 2
