"""The platform's result-import spreadsheet inside a results batch: columns, one row per version, formula-safe."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from app.io.batch import read_batch
from app.io.batch.results_sheet import HEADERS, results_sheet_bytes
from app.services.results import submit_result
from app.services.sync import SHEET_MEMBER, _trusted, export_results_batch
from tests.unit.results.helpers import TODAY, good_payload, problem_payload
from tests.unit.sync.conftest import Pair


def sheet_rows(data: bytes) -> list[list[str]]:
    wb = load_workbook(io.BytesIO(data), read_only=True)
    try:
        ws = wb["抽查结果"]
        return [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def test_results_batch_carries_the_platform_sheet(pair: Pair) -> None:
    a, b = pair.drawn.public_inspections[:2]
    first = submit_result(pair.laptop, a, good_payload(pair.laptop, a), today=TODAY)
    hostile = '=HYPERLINK("http://x","点此") 食品经营许可证已过期'
    second = submit_result(pair.laptop, b, problem_payload(pair.laptop, b, problems=hostile), today=TODAY)
    batch = export_results_batch(pair.laptop, pair.folder, stream="public")
    with pair.office.read() as session:
        trusted = _trusted(session)
    verified = read_batch(batch.path, trusted_keys=trusted)
    rows = sheet_rows(verified.files[SHEET_MEMBER])
    assert tuple(rows[0]) == HEADERS
    assert len(rows) == 1 + batch.count
    col = {name: i for i, name in enumerate(HEADERS)}
    by_version = {r[col["版本编号"]]: r for r in rows[1:]}
    assert set(by_version) == {first.uid, second.uid}
    items = {i["uid"]: i for i in verified.items["items.jsonl"]}
    for uid, row in by_version.items():
        item = items[uid]
        doc = json.loads(item["payload"])
        assert row[col["序号"]] == str(item["seq"])
        assert row[col["记录编号"]] == item["record_uid"]
        assert row[col["抽查任务编号"]] == doc["task"]["number"]
        assert row[col["抽查市场主体名称"]] == doc["target"]["name"]
        assert row[col["检查完成日期"]] == doc["result"]["inspection_date"]
        assert row[col["检查结果"]] == "，".join(c["label"] for c in doc["result"]["categories"])
        assert row[col["版本类型"]] == "录入" and row[col["依法不予公开"]] == "否"
    problem = by_version[second.uid]
    # Formula-safe: the cell is text starting with an apostrophe, never a formula.
    assert problem[col["发现问题情况"]] == "'" + hostile
    assert by_version[first.uid][col["后续处置措施"]]  # labels, not codes
    raw = verified.files[SHEET_MEMBER]
    assert b"<f>" not in raw


def test_sheet_writer_refuses_ragged_rows_and_drops_xml_controls() -> None:
    with pytest.raises(ValueError, match="row 2"):
        results_sheet_bytes([("only one",)])
    data = results_sheet_bytes([("a\x01b", "+1", "@x")], headers=("一", "二", "三"))
    assert sheet_rows(data)[1] == ["ab", "'+1", "'@x"]
