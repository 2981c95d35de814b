"""Benchmark: read + validate a 100,000 × 15 target registry against calamine's raw read.

Run either way::

    python -m tests.benchmarks.bench_read [--rows N]
    python -m pytest tests/benchmarks/bench_read.py -s

It generates the workbook with openpyxl in write-only mode into a temporary
folder, then times (1) python-calamine's raw read of the sheet (the baseline),
(2) ``load_table`` + iterating the rows, (3) ``load_table`` + ``guess_mapping`` +
``validate``, and prints the ratios to the baseline measured in the same run.
No timing is asserted: the numbers are for people.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from app.io import RegistryKind, guess_mapping, load_table, validate
from app.services.identifiers import org_code_check_char, uscc_check_char

HEADER = (
    "统一社会信用代码/注册号",
    "企业名称",
    "主体类型",
    "法定代表人（负责人）",
    "联系电话",
    "住所（经营场所）",
    "登记机关",
    "管辖单位",
    "所属区域",
    "行业",
    "信用风险分类",
    "登记状态",
    "标签",
    "许可证名称",
    "有效期至",
)
_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
T = TypeVar("T")


def _code(index: int) -> str:
    body = "MA"
    value = index
    for _ in range(6):
        value, digit = divmod(value, 31)
        body += _ORG_ALPHABET[digit]
    first17 = "91330106" + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


def generate(path: Path, rows: int) -> None:
    """Write a realistic target registry of ``rows`` rows and 15 columns."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("检查对象名录")
    sheet.append(list(HEADER))
    towns = ("翠苑街道", "文新街道", "蒋村街道", "三墩镇", "转塘街道")
    industries = ("餐饮", "药品零售", "食品销售", "住宿", "建筑施工")
    start = dt.date(2026, 1, 1)
    for index in range(rows):
        sheet.append(
            [
                _code(index),
                f"杭州第{index}号商贸有限公司",
                "企业",
                f"张{index % 1000}",
                f"1380000{index % 10000:04d}",
                f"浙江省杭州市西湖区某某路{index % 500}号",
                "杭州市西湖区市场监督管理局",
                f"{towns[index % 5]}市场监管所",
                towns[index % 5],
                industries[index % 5],
                "ABCD"[index % 4],
                "存续",
                "重点监管，" + industries[index % 5],
                "食品经营许可证",
                start + dt.timedelta(days=index % 2000),
            ]
        )
    workbook.save(path)


def timed(label: str, action: Callable[[], T]) -> tuple[float, T]:
    began = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - began
    print(f"  {label:<44} {elapsed:7.2f} s", flush=True)
    return elapsed, result


def calamine_raw(path: Path) -> int:
    workbook = CalamineWorkbook.from_path(str(path))
    rows = workbook.get_sheet_by_name(workbook.sheet_names[0]).to_python()
    return len(rows)


def read_only(path: Path) -> int:
    table = load_table(path)
    return sum(1 for _ in table.iter_rows())


def read_and_validate(path: Path) -> tuple[int, int, int]:
    table = load_table(path, kind=RegistryKind.TARGETS)
    mapping = guess_mapping(table.header, RegistryKind.TARGETS)
    result = validate(table, mapping, today=dt.date(2025, 1, 1))
    return len(result.rows), result.error_count, result.warning_count


def run(rows: int) -> dict[str, float]:
    """Generate, measure and print; return the timings (seconds) and ratios."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "targets.xlsx"
        print(f"bench_read: {rows:,} rows × {len(HEADER)} columns", flush=True)
        generate_s, _ = timed("generate with openpyxl write_only", lambda: generate(path, rows))
        print(f"  file size {path.stat().st_size / 1e6:.1f} MB")
        baseline_s, count = timed("calamine raw read (baseline)", lambda: calamine_raw(path))
        assert count == rows + 1
        read_s, read_rows = timed("load_table + iter_rows", lambda: read_only(path))
        assert read_rows == rows
        validate_s, (accepted, errors, warnings) = timed(
            "load_table + guess_mapping + validate", lambda: read_and_validate(path)
        )
        assert (accepted, errors) == (rows, 0), (accepted, errors, warnings)
    print(f"  ratio read/baseline      {read_s / baseline_s:6.2f}")
    print(f"  ratio validate/baseline  {validate_s / baseline_s:6.2f}")
    print(f"  validation rate          {rows / validate_s:,.0f} rows/s")
    return {
        "generate": generate_s,
        "baseline": baseline_s,
        "read": read_s,
        "validate": validate_s,
        "read_ratio": read_s / baseline_s,
        "validate_ratio": validate_s / baseline_s,
    }


@pytest.mark.benchmark
def test_bench_read() -> None:
    rows = int(os.environ.get("BENCH_ROWS", "100000"))
    timings = run(rows)
    assert timings["baseline"] > 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args(argv)
    run(args.rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
