"""Benchmark: build the demo county with 500,000 targets, against raw sqlite3 executemany.

Run it on its own::

    python -m tests.benchmarks.bench_demo [--targets N]
    python -m pytest tests/benchmarks/bench_demo.py -s

It prints the time of ``build_demo_county`` and its rows per second, then the baseline measured
in the same run: the same generated rows (targets, licences, tag links) inserted with
``sqlite3.executemany`` into a fresh database of the same schema and indexes, with LianCha's
pragmas and, for comparison, with a 256 MB page cache. Times are wall-clock and CPU.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.db import open_database
from app.models.base import utcnow
from app.models.enums import TagScope
from app.services.context import ServiceContext
from app.services.demo import CHUNK, DEFAULT_SEED, DEMO_AS_OF, build_demo_county
from app.services.demo_data import TARGET_COLUMNS, TargetChunk, TargetGenerator, load_county

BENCH_TARGETS = 500_000


@dataclass
class Timing:
    wall: float
    cpu: float

    def __str__(self) -> str:
        return f"{self.wall:6.1f} s wall, {self.cpu:6.1f} s CPU"


class Stopwatch:
    def __enter__(self) -> Stopwatch:
        self._wall = time.perf_counter()
        self._cpu = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timing = Timing(time.perf_counter() - self._wall, time.process_time() - self._cpu)


def _generate(targets: int, seed: int) -> tuple[list[TargetChunk], dict[tuple[str, str], int]]:
    """The rows build_demo_county inserts, generated alone (the tag ids of a fresh database)."""
    cfg = load_county()
    generator = TargetGenerator(cfg, seed=seed, as_of=DEMO_AS_OF, created_at=utcnow())
    chunks = []
    done = 0
    while done < targets:
        chunks.append(generator.chunk(min(CHUNK, targets - done)))
        done += len(chunks[-1].rows)
    tag_ids = {key: n for n, key in enumerate(cfg.licence_tags(), start=1)}
    return chunks, tag_ids


def _baseline(
    path: Path, chunks: list[TargetChunk], tag_ids: dict[tuple[str, str], int], pragmas: list[str]
) -> None:
    """Insert the generated rows with plain sqlite3 executemany into a migrated, empty database."""
    open_database(str(path)).dispose()
    con = sqlite3.connect(str(path), isolation_level=None)
    for pragma in ("PRAGMA foreign_keys=ON", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", *pragmas):
        con.execute(pragma)
    con.execute("BEGIN IMMEDIATE")
    con.executemany(
        "INSERT INTO tags (id, scope, kind, name) VALUES (?, ?, ?, ?)",
        [(n, TagScope.TARGET.value, kind, name) for (kind, name), n in tag_ids.items()],
    )
    columns = ", ".join(("id", *TARGET_COLUMNS))
    marks = ", ".join("?" * (len(TARGET_COLUMNS) + 1))
    target_sql = f"INSERT INTO targets ({columns}) VALUES ({marks})"
    next_id = 1
    for chunk in chunks:
        id_of: dict[str, int] = {}
        rows = []
        for row in chunk.rows:
            id_of[row["code"]] = next_id
            values = [next_id]
            for col in TARGET_COLUMNS:
                value = row[col]
                if col in ("created_at", "updated_at"):
                    value = value.replace(tzinfo=None).isoformat(" ")
                values.append(value)
            rows.append(tuple(values))
            next_id += 1
        con.executemany(target_sql, rows)
        con.executemany(
            "INSERT INTO target_licences (target_id, name, number, valid_from, valid_to) VALUES (?, ?, ?, ?, ?)",
            [
                (id_of[code], name, number, vf.isoformat(), vt.isoformat() if vt else None)
                for code, name, number, vf, vt in chunk.licences
            ],
        )
        links = dict.fromkeys((id_of[code], tag_ids[key]) for code, key in chunk.tags)
        con.executemany("INSERT INTO target_tags (target_id, tag_id) VALUES (?, ?)", list(links))
    con.execute("COMMIT")
    con.close()


def run_benchmark(targets: int = BENCH_TARGETS, seed: int = DEFAULT_SEED) -> dict[str, float]:
    """Measure and print; returns the wall times in seconds by name."""
    with tempfile.TemporaryDirectory(prefix="liancha-bench-demo-") as tmp:
        folder = Path(tmp)
        db = open_database(str(folder / "demo.sqlite3"))
        try:
            ctx = ServiceContext(db=db, operator="基准测试")
            with Stopwatch() as build:
                summary = build_demo_county(ctx, targets=targets, seed=seed)
        finally:
            db.dispose()
        with Stopwatch() as generate:
            chunks, tag_ids = _generate(targets, seed)
        with Stopwatch() as insert:
            _baseline(folder / "baseline.sqlite3", chunks, tag_ids, [])
        with Stopwatch() as insert_cache:
            _baseline(folder / "baseline-cache.sqlite3", chunks, tag_ids, ["PRAGMA cache_size=-262144"])
        size_mb = (folder / "demo.sqlite3").stat().st_size / 1e6

    rows = summary.targets + summary.target_licences + summary.target_tags
    print()
    print(f"demo county, {targets:,} targets ({rows:,} rows with licences and tag links), seed {seed}")
    print(
        f"  build_demo_county                      {build.timing}   {targets / build.timing.wall:>9,.0f} targets/s"
    )
    print(f"  of which generation alone (measured)   {generate.timing}")
    print(
        f"  baseline sqlite3 executemany           {insert.timing}   {targets / insert.timing.wall:>9,.0f} targets/s"
    )
    print(f"  baseline with 256 MB page cache        {insert_cache.timing}")
    print(f"  ratio build / executemany              {build.timing.wall / insert.timing.wall:6.2f}")
    base = generate.timing.wall + insert.timing.wall
    print(f"  ratio build / (generation + executemany) {build.timing.wall / base:6.2f}")
    print(f"  database file                          {size_mb:,.0f} MB")
    return {
        "build": build.timing.wall,
        "generate": generate.timing.wall,
        "executemany": insert.timing.wall,
        "executemany_cache": insert_cache.timing.wall,
    }


@pytest.mark.benchmark
def test_demo_county_benchmark() -> None:
    times = run_benchmark()
    assert times["build"] > 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=BENCH_TARGETS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    run_benchmark(args.targets, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
