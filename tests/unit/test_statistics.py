"""统计分析 figures on a small hand-made county whose answers are known (docs/statistics.md).

The county: a joint task J (4 targets: one clean, one with a problem and an open 责令改正, one where
only the market department's items were checked, one not yet entered; the first two published), a
single-department task S (2 targets, both clean and published on 2026-07-10), a classified joint
task C (2 targets, one clean result), and a cancelled task.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from app.cli import main
from app.db import backup_sqlite, open_database
from app.io.year_report import write_year_report_xlsx
from app.models import AuditEntry, ResultVersion, Target
from app.models.enums import FollowUpKind, TaskMode, TaskStatus, TeamRole
from app.services.context import ServiceContext
from app.services.draws import drawn_targets
from app.services.errors import PermissionDenied, ValidationError
from app.services.followups import FollowUpData, close_follow_up, create_follow_up, list_follow_ups
from app.services.plans import create_plan
from app.services.results import CheckpointFinding, approve_result, entry_form, publish_results, submit_result
from app.services.statistics import (
    COVERAGE_INDUSTRY,
    COVERAGE_REGION,
    COVERAGE_RISK,
    DEPARTMENT_WORKLOAD,
    OPEN_FOLLOW_UPS,
    OVERDUE_RESULTS,
    PLAN_PROGRESS,
    PROBLEMS_BY_DEPARTMENT,
    PROBLEMS_BY_ITEM,
    PROBLEMS_HANDLED,
    PUBLICATION_TIME,
    RESULT_CATEGORIES,
    SYNC_BACKLOG,
    TARGETS_FUNNEL,
    VISITS_SAVED,
    StatsFilter,
    compute_statistics,
    short_numbers,
    visible_deadlines,
)
from app.services.tasks import cancel_task, create_task
from app.services.year_report import build_year_report, export_year_report
from tests.factories import MiniCounty, build_mini_county, joint_task_data
from tests.security import fast_hasher, make_accounts  # noqa: F401 - fast_hasher is a fixture
from tests.unit.results.helpers import TODAY, draw_both, good_payload, problem_payload

MARKET = "青山县市场监督管理局"
FIRE = "青山县消防救援大队"
FOOD = "食品销售者经营行为检查"
FIRE_ITEM = "消防安全检查"


@dataclass(frozen=True)
class County:
    county: MiniCounty
    joint: int
    single: int
    secret: int
    cancelled: int
    joint_inspections: tuple[int, ...]
    single_inspections: tuple[int, ...]
    secret_inspections: tuple[int, ...]
    drawn_targets: dict[int, tuple[str, str, str]]  # target id → (industry, region, risk label), J+S
    secret_targets: dict[int, tuple[str, str, str]]
    # Per department: persons on site in the results of J and S (all on 2026-05-12), and of C.
    persons: dict[str, set[int]]
    secret_persons: dict[str, set[int]]


def _on_site(ctx: ServiceContext, inspection_id: int, into: dict[str, set[int]]) -> None:
    for member in entry_form(ctx, inspection_id).team:
        if member.role != TeamRole.EXPERT:
            into.setdefault(member.department, set()).add(member.inspector_id)


def _targets(ctx: ServiceContext, task_id: int) -> dict[int, tuple[str, str, str]]:
    with ctx.read() as session:
        return {
            t.target_id: (target.industry, target.region, target.risk_class.label)
            for t in drawn_targets(ctx, task_id)
            for target in [session.get(Target, t.target_id)]
            if target is not None
        }


def _build(ctx: ServiceContext) -> County:
    county = build_mini_county(ctx)
    plan = create_plan(ctx, year=2026, title="青山县2026年度双随机抽查工作计划")
    joint = create_task(ctx, joint_task_data(county, plan_id=plan, fixed_count=4, ratios={}))
    single = create_task(
        ctx,
        joint_task_data(
            county,
            name="2026年食品销售单独抽查",
            mode=TaskMode.SINGLE,
            joint_department_ids=(),
            item_ids=(county.items["food"],),
            fixed_count=2,
            ratios={},
            team_count=1,
            plan_id=plan,
        ),
    )
    secret = create_task(
        ctx,
        joint_task_data(
            county,
            name="2026年涉密单位专项检查",
            is_classified=True,
            is_public=False,
            fixed_count=2,
            ratios={},
        ),
    )
    cancelled = create_task(ctx, joint_task_data(county, name="取消的任务", plan_id=plan))
    cancel_task(ctx, cancelled, reason="并入联合任务")
    j = draw_both(ctx, joint)
    s = draw_both(ctx, single)
    c = draw_both(ctx, secret)
    persons: dict[str, set[int]] = {}
    secret_persons: dict[str, set[int]] = {}
    # J1 clean; J2 a problem (food checkpoint 1) with an open 责令改正; J3 fire's line not checked.
    submit_result(ctx, j[0], good_payload(ctx, j[0]), today=TODAY)
    submit_result(ctx, j[1], problem_payload(ctx, j[1]), today=TODAY)
    form = entry_form(ctx, j[2])
    findings = tuple(
        CheckpointFinding(cp.id, cp.item_name != FIRE_ITEM, False if cp.item_name != FIRE_ITEM else None)
        for cp in form.checkpoints
    )
    submit_result(ctx, j[2], good_payload(ctx, j[2], findings=findings), today=TODAY)
    for iid in j[:3]:
        _on_site(ctx, iid, persons)
    create_follow_up(
        ctx,
        j[1],
        FollowUpData(FollowUpKind.RECTIFY, "责令十五日内改正", due_date=date(2026, 5, 27)),
    )
    for iid in j[:2]:
        approve_result(ctx, iid)
    publish_results(ctx, task_id=joint)
    for iid in s:
        submit_result(ctx, iid, good_payload(ctx, iid), today=TODAY)
        approve_result(ctx, iid)
        _on_site(ctx, iid, persons)
    publish_results(ctx, task_id=single)
    submit_result(ctx, c[0], good_payload(ctx, c[0]), today=TODAY)
    _on_site(ctx, c[0], secret_persons)
    with ctx.write() as session:
        # A known publication day for S (publish_results stamps the real clock).
        session.execute(
            update(ResultVersion)
            .where(ResultVersion.inspection_id.in_(s))
            .values(published_at=datetime(2026, 7, 10, 2, 0, tzinfo=UTC))
        )
    return County(
        county,
        joint,
        single,
        secret,
        cancelled,
        j,
        s,
        c,
        {**_targets(ctx, joint), **_targets(ctx, single)},
        _targets(ctx, secret),
        persons,
        secret_persons,
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, County]:
    path = tmp_path_factory.mktemp("stats-template") / "template.sqlite3"
    db = open_database(str(path))
    try:
        built = _build(ServiceContext(db=db, operator="统计员"))
    finally:
        db.dispose()
    return path, built


@pytest.fixture
def env(
    template: tuple[Path, County], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[ServiceContext, County]]:
    monkeypatch.setenv("LIANCHA_DATA_DIR", str(tmp_path / "data"))
    copy = tmp_path / "liancha.sqlite3"
    backup_sqlite(template[0], copy)
    db = open_database(str(copy))
    try:
        yield ServiceContext(db=db, operator="统计员"), template[1]
    finally:
        db.dispose()


def test_every_figure_on_the_public_work(env: tuple[ServiceContext, County]) -> None:
    ctx, built = env
    stats = compute_statistics(ctx, StatsFilter(year=2026), today=TODAY, for_export=True)
    assert not stats.includes_classified

    plan = stats[PLAN_PROGRESS]
    statuses = dict(zip(plan.column("任务编号"), plan.column("状态"), strict=True))
    assert len(statuses) == 3 and list(statuses.values()).count(TaskStatus.CANCELLED.label) == 1
    assert plan.headline.endswith("/2 个任务已结束") and sum(v for _, v in plan.series) == 3

    funnel = stats[TARGETS_FUNNEL]
    assert funnel.series == (("已抽取", 6.0), ("已检查", 5.0), ("已公示", 4.0))
    assert [r[2:] for r in funnel.rows] == [(4, 3, 2), (2, 2, 2)]

    overdue = stats[OVERDUE_RESULTS]
    assert overdue.value == 2 and {r[0] for r in overdue.rows} == {funnel.rows[0][0]}

    follow = stats[OPEN_FOLLOW_UPS]
    assert follow.value == 1 and follow.rows[0][2] == "责令改正" and follow.rows[0][5] == "已逾期"
    assert follow.headline == "1 件（逾期 1 件）"

    sync = stats[SYNC_BACKLOG]
    assert sync.rows == (("公开数据", 5, 0, 0),) and sync.value == 5

    # Coverage: the 6 drawn targets of J and S over the 74 active ones (40 城关镇/石门乡 alternate).
    drawn = built.drawn_targets
    industry = stats[COVERAGE_INDUSTRY]
    assert industry.rows == (("餐饮", 74, 6, 8.1),) and industry.value == 8.1
    region = stats[COVERAGE_REGION]
    for name in ("城关镇", "石门乡"):
        hits = sum(1 for d in drawn.values() if d[1] == name)
        assert region.row_for(name) == (name, 37, hits, round(100 * hits / 37, 1))
    risk = stats[COVERAGE_RISK]
    for label, population in (("A 低风险", 20), ("B 一般风险", 40), ("C 较高风险", 10), ("D 高风险", 4)):
        hits = sum(1 for d in drawn.values() if d[2] == label)
        assert risk.row_for(label)[1:3] == (population, hits)

    # Problems: food checked in J1 J2 J3 S1 S2 with one problem (J2); fire checked in J1 J2 only.
    by_item = stats[PROBLEMS_BY_ITEM]
    assert by_item.row_for(FOOD) == (FOOD, MARKET, 5, 1, 20.0)
    assert by_item.row_for(FIRE_ITEM) == (FIRE_ITEM, FIRE, 2, 0, 0.0)
    assert by_item.value == 20.0
    by_dept = stats[PROBLEMS_BY_DEPARTMENT]
    assert by_dept.rows == ((MARKET, 5, 1, 20.0), (FIRE, 2, 0, 0.0))

    categories = stats[RESULT_CATEGORIES]
    assert [(r[0], r[2]) for r in categories.rows] == [("1", 4), ("B", 1)]
    assert categories.headline == "发现问题 1/5 户" and categories.value == 20.0

    # Workload: everyone of the teams went, all on 2026-05-12, so officer-days = persons.
    workload = stats[DEPARTMENT_WORKLOAD]
    assert workload.row_for(MARKET) == (MARKET, 5, len(built.persons[MARKET]), len(built.persons[MARKET]))
    assert workload.row_for(FIRE) == (FIRE, 3, len(built.persons[FIRE]), len(built.persons[FIRE]))

    # Visits saved: J1 and J2 checked two departments' items (1 each), J3 one (0); S is not joint.
    visits = stats[VISITS_SAVED]
    assert visits.value == 2 and len(visits.rows) == 1 and visits.rows[0][3:] == (3, 5, 2)
    assert visits.series == ((str(visits.rows[0][0]).rpartition("抽查")[2], 2.0),)

    # Publication: S done on 2026-07-10, 8 working days after its end (06-30), due 07-28; J still open.
    publication = stats[PUBLICATION_TIME]
    single_row = next(r for r in publication.rows if r[6] == "按期")
    assert single_row[2:6] == ("2026-06-30", "2026-07-28", "2026-07-10", 8)
    joint_row = next(r for r in publication.rows if r[6] != "按期")
    assert joint_row[4] == "" and joint_row[6] == "未完成（已逾期）"
    assert publication.headline == "按期公示 1/1 个任务" and publication.value == 100.0

    handled = stats[PROBLEMS_HANDLED]
    assert handled.value == 1 and handled.headline == "发现问题 1 户，处置已办结 0 户"
    assert handled.rows[0][3] == "食品经营许可证已过期，责令十五日内改正"
    assert handled.rows[0][5] == "责令改正（办理中）" and handled.rows[0][6] == "办理中"


def test_classified_counted_on_screen_for_cleared_and_in_marked_reports(
    env: tuple[ServiceContext, County],
) -> None:
    ctx, built = env
    on_screen = compute_statistics(ctx, StatsFilter(year=2026), today=TODAY)
    marked = compute_statistics(ctx, StatsFilter(year=2026), today=TODAY, for_export=True, classified=True)
    for stats in (on_screen, marked):
        assert stats.includes_classified
        assert stats[TARGETS_FUNNEL].series == (("已抽取", 8.0), ("已检查", 6.0), ("已公示", 4.0))
        assert stats[VISITS_SAVED].value == 3
        assert stats[OVERDUE_RESULTS].value == 4
        assert stats[PROBLEMS_BY_ITEM].row_for(FOOD)[2:4] == (6, 1)
        assert stats[SYNC_BACKLOG].rows == (("公开数据", 5, 0, 0), ("涉密数据", 1, 0, 0))
        assert stats[COVERAGE_INDUSTRY].row_for("餐饮")[2] == len(built.drawn_targets | built.secret_targets)
        assert stats[DEPARTMENT_WORKLOAD].row_for(FIRE)[1] == 4
        assert len(stats[PLAN_PROGRESS].rows) == 4


@pytest.mark.usefixtures("fast_hasher")
def test_uncleared_user_never_sees_classified(env: tuple[ServiceContext, County]) -> None:
    ctx, built = env
    shown = visible_deadlines(ctx, TODAY)  # single-user mode: the operator is cleared
    contexts = make_accounts(
        ctx.db,
        department_id=built.county.departments["青山市监"],
        inspector_id=built.county.inspectors["青山市监"][0],
    )
    office = contexts["office"]
    stats = compute_statistics(office, StatsFilter(year=2026), today=TODAY)
    assert not stats.includes_classified
    assert stats[TARGETS_FUNNEL].value == 6 and stats[VISITS_SAVED].value == 2
    assert all("涉密" not in str(cell) for f in stats.figures.values() for row in f.rows for cell in row)
    with pytest.raises(PermissionDenied, match="涉密"):
        compute_statistics(office, StatsFilter(year=2026), today=TODAY, for_export=True, classified=True)
    # The 工作台's deadline list hides the classified task's overdue results too.
    hidden = visible_deadlines(office, TODAY)
    assert {o.inspection_id for o in hidden.overdue} == set(built.joint_inspections[2:])
    assert built.secret not in {t.task_id for t in hidden.tasks}
    assert set(built.secret_inspections) <= {o.inspection_id for o in shown.overdue}


def test_filters(env: tuple[ServiceContext, County]) -> None:
    ctx, built = env
    single = compute_statistics(ctx, StatsFilter(year=2026, mode=TaskMode.SINGLE), today=TODAY)
    assert single[TARGETS_FUNNEL].series == (("已抽取", 2.0), ("已检查", 2.0), ("已公示", 2.0))
    assert single[VISITS_SAVED].value == 0 and single[VISITS_SAVED].rows == ()
    fire = compute_statistics(
        ctx,
        StatsFilter(year=2026, department_id=built.county.departments["青山消防"]),
        today=TODAY,
        for_export=True,
    )
    # 消防 takes part in J and the cancelled task only.
    assert len(fire[PLAN_PROGRESS].rows) == 2 and fire[TARGETS_FUNNEL].value == 4
    assert fire[PROBLEMS_BY_ITEM].row_for(FOOD)[2:4] == (3, 1)
    other_year = compute_statistics(ctx, StatsFilter(year=2025), today=TODAY)
    assert other_year[PLAN_PROGRESS].rows == () and other_year[TARGETS_FUNNEL].value == 0
    assert other_year[PUBLICATION_TIME].headline == "按期公示 0/0 个任务"


def test_year_report_pdf_and_xlsx_through_the_cli(env: tuple[ServiceContext, County], tmp_path: Path) -> None:
    ctx, _ = env
    db = str(ctx.db.engine.url.database)
    pdf, xlsx = tmp_path / "总结.pdf", tmp_path / "总结.xlsx"
    assert (
        main(["--db", db, "report", "year", "--year", "2026", "-o", str(pdf), "--today", "2026-11-23"]) == 0
    )
    assert pdf.read_bytes().startswith(b"%PDF") and not (tmp_path / "总结.pdf.partial").exists()
    assert (
        main(["--db", db, "report", "year", "--year", "2026", "-o", str(xlsx), "--today", "2026-11-23"]) == 0
    )
    book = load_workbook(xlsx)
    cells = [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
    assert "抽取 6 / 已检查 5 / 已公示 4" in cells and "减少 2 次入户" in cells
    assert not any("涉密单位" in c for c in cells)  # not marked classified: the classified task is left out
    assert "食品经营许可证已过期，责令十五日内改正" in cells
    assert "取消的任务" in cells and "已取消" in cells and "年度计划" in cells  # plan vs done
    marked = tmp_path / "涉密.xlsx"
    assert main(["--db", db, "report", "year", "--year", "2026", "-o", str(marked), "--classified"]) == 0
    cells = [
        str(c)
        for ws in load_workbook(marked).worksheets
        for row in ws.iter_rows(values_only=True)
        for c in row
        if c
    ]
    assert any("涉密单位" in c for c in cells) and "减少 3 次入户" in cells
    assert "计划外" in cells  # the classified task is not in the plan


def test_year_report_refuses_bad_output(
    env: tuple[ServiceContext, County], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ctx, _ = env
    db = str(ctx.db.engine.url.database)
    assert main(["--db", db, "report", "year", "--year", "2026", "-o", str(tmp_path / "x.docx")]) == 2
    assert ".pdf 或 .xlsx" in capsys.readouterr().err
    assert (
        main(["--db", db, "report", "year", "--year", "2026", "-o", str(tmp_path / "无此目录" / "x.pdf")])
        == 2
    )
    assert "不存在" in capsys.readouterr().err
    assert list(tmp_path.glob("*.pdf")) == []


def test_formula_text_is_guarded_in_xlsx(env: tuple[ServiceContext, County], tmp_path: Path) -> None:
    ctx, built = env
    with ctx.write() as session:
        session.execute(
            update(Target).where(Target.id.in_(list(built.drawn_targets))).values(industry="=HYPERLINK(1)")
        )
    out = tmp_path / "y.xlsx"
    write_year_report_xlsx(build_year_report(ctx, 2026, today=TODAY), out)
    values = [
        c for ws in load_workbook(out).worksheets for row in ws.iter_rows(values_only=True) for c in row
    ]
    assert "'=HYPERLINK(1)" in values and "=HYPERLINK(1)" not in values


def test_closing_the_follow_up_counts_the_problem_as_handled(env: tuple[ServiceContext, County]) -> None:
    ctx, built = env
    follow_up = list_follow_ups(ctx, inspection_id=built.joint_inspections[1])[0]
    close_follow_up(ctx, follow_up.id, outcome="已整改到位", closed_on=date(2026, 6, 1))
    stats = compute_statistics(ctx, StatsFilter(year=2026), today=TODAY)
    assert stats[OPEN_FOLLOW_UPS].value == 0 and stats[OPEN_FOLLOW_UPS].rows == ()
    handled = stats[PROBLEMS_HANDLED]
    assert handled.headline == "发现问题 1 户，处置已办结 1 户"
    assert handled.rows[0][5] == "责令改正（已办结：已整改到位）" and handled.rows[0][6] == "已办结"


def test_exports_are_recorded_in_the_audit_trail(env: tuple[ServiceContext, County], tmp_path: Path) -> None:
    ctx, _ = env
    export_year_report(ctx, 2026, tmp_path / "a.pdf", today=TODAY)
    export_year_report(ctx, 2026, tmp_path / "b.xlsx", classified=True, today=TODAY)
    with ctx.read() as session:
        entries = session.execute(
            select(AuditEntry.summary, AuditEntry.classified).where(AuditEntry.entity == "year_report")
        ).all()
    assert [(s.endswith("a.pdf"), c) for s, c in entries] == [(True, False), (False, True)]
    with pytest.raises(ValidationError, match=r"\.pdf 或 \.xlsx"):
        export_year_report(ctx, 2026, tmp_path / "c.docx")
    assert not (tmp_path / "c.docx").exists()


def test_chart_labels_drop_the_issuing_body_unless_ambiguous() -> None:
    assert short_numbers(["青山市监抽查〔2026〕1号", "青山市监抽查〔2026〕2号"]) == [
        "〔2026〕1号",
        "〔2026〕2号",
    ]
    both = ["青山市监抽查〔2026〕1号", "青山消防抽查〔2026〕1号"]
    assert short_numbers(both) == both
    assert short_numbers(["自编号7"]) == ["自编号7"]


def test_chart_points_keep_the_largest_bars_and_the_first_line_points() -> None:
    from app.services.statistics import BAR, LINE, PIE, chart_points

    series = [("城东", 0.0), ("城西", 0.4), ("大塘乡", 4.2), ("石桥", 0.7), ("马坪", 1.1)]
    # The largest group is last in registry order; a chart of three must still show it.
    assert chart_points(BAR, series, 3) == (("大塘乡", 4.2), ("石桥", 0.7), ("马坪", 1.1))
    assert chart_points(PIE, series, 2) == (("大塘乡", 4.2), ("马坪", 1.1))
    assert chart_points(LINE, series, 2) == (("城东", 0.0), ("城西", 0.4))
    assert chart_points(BAR, series, 10) == tuple(series)
