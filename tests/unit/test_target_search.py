"""Target search: the SQLite trigram index answers exactly what the portable LIKE search answers."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from app.models import Target
from app.services.context import ServiceContext
from app.services.sqlite_search import fts_available, fts_text_condition
from app.services.targets import (
    TargetData,
    TargetFilter,
    create_target,
    get_target,
    search_target_ids,
    text_condition,
    update_target,
)
from tests.benchmarks.bulk import bulk_insert_targets


def _portable_ids(ctx: ServiceContext, text: str) -> set[int]:
    with ctx.read() as session:
        return set(session.execute(select(Target.id).where(text_condition(text))).scalars())


def _indexed_ids(ctx: ServiceContext, text: str) -> set[int]:
    with ctx.read() as session:
        cond = fts_text_condition(session, text)
        assert cond is not None, text
        return set(session.execute(select(Target.id).where(cond)).scalars())


def test_portable_search_on_any_database(ctx: ServiceContext) -> None:
    """Name (any case), code and initials as substrings, LIKE wildcards taken literally."""
    shop = create_target(ctx, TargetData(name="青川县ABC超市"))
    odd = create_target(ctx, TargetData(name='百分之%百_的"引号"店', code="X1"))
    plain = create_target(ctx, TargetData(name="百分之百的店"))
    assert _portable_ids(ctx, "abc") == _portable_ids(ctx, "ABC") == {shop}
    assert _portable_ids(ctx, "qcx") == {shop}  # 青川县 initials
    assert _portable_ids(ctx, "%") == _portable_ids(ctx, "_") == {odd}
    assert _portable_ids(ctx, "x1") == {odd}
    assert _portable_ids(ctx, "百分之") == {odd, plain}
    assert _portable_ids(ctx, "不存在") == set()
    assert search_target_ids(ctx, TargetFilter(text="abc")) == [shop]


@pytest.fixture
def populated(ctx: ServiceContext) -> ServiceContext:
    path = ctx.db.file_path
    assert path is not None
    bulk_insert_targets(path, 300, seed=3)
    create_target(ctx, TargetData(name="A"))  # one-character name: still found by one-character queries
    create_target(ctx, TargetData(name='百分之%百_的"引号"店', code="X1"))
    return ctx


@pytest.mark.sqlite_only
def test_index_exists_on_a_fresh_database(ctx: ServiceContext) -> None:
    with ctx.read() as session:
        assert fts_available(session)


@pytest.mark.sqlite_only
def test_index_and_portable_search_agree(populated: ServiceContext) -> None:
    ctx = populated
    with ctx.read() as session:
        rows = session.execute(select(Target.name, Target.code, Target.name_initials)).all()
    rng = random.Random(5)
    queries = {"A", "a", "%", "_", '"', '引号"', "百_的", "不存在的名字", "zzz", "x1", "91"}
    for name, code, ini in rng.sample(rows, 40):
        for value in (name, code or "", ini):
            for length in (1, 2, 3, 5):
                if len(value) >= length:
                    start = rng.randrange(len(value) - length + 1)
                    queries.add(value[start : start + length])
    for query in sorted(queries):
        assert _indexed_ids(ctx, query) == _portable_ids(ctx, query), query


@pytest.mark.sqlite_only
def test_search_finds_by_name_code_and_initials(populated: ServiceContext) -> None:
    ctx = populated
    with ctx.read() as session:
        target = session.execute(select(Target).where(Target.id == 10)).scalar_one()
        name, code, ini = target.name, target.code, target.name_initials
    assert code is not None
    for query in (name[3:6], code[-6:], code[-6:].lower(), ini[3:7].upper(), name):
        assert 10 in search_target_ids(ctx, TargetFilter(text=query)), query


@pytest.mark.sqlite_only
def test_index_follows_edits(ctx: ServiceContext) -> None:
    target_id = create_target(ctx, TargetData(name="青川县旧名称超市"))
    assert search_target_ids(ctx, TargetFilter(text="旧名称")) == [target_id]
    detail = get_target(ctx, target_id)
    new = TargetData(name="青川县新名字饭店", code="")
    update_target(ctx, target_id, new, expected_version=detail.version)
    assert search_target_ids(ctx, TargetFilter(text="旧名称")) == []
    assert search_target_ids(ctx, TargetFilter(text="新名字")) == [target_id]
    assert search_target_ids(ctx, TargetFilter(text="xmz")) == [target_id]  # 新名字 initials
    assert _indexed_ids(ctx, "名") == _portable_ids(ctx, "名") == {target_id}
