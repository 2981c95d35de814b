"""docs/draw-record.md stays true: the example verifies, the hand-check runs, every field is named."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from app.draw.record import load_record, save_record, verify_record
from tests.unit.draw.helpers import combined_record

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "draw-record.md"
EXAMPLE = ROOT / "docs" / "examples" / "draw-record-example.json"


def hand_check_script() -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- hand-check[^>]*-->\s*```python\n(.*?)```", text, re.DOTALL)
    assert match, "hand-check block not found"
    return match.group(1)


def keys(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            found.add(key)
            found |= keys(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= keys(inner)
    return found


def test_example_record_verifies() -> None:
    assert verify_record(load_record(EXAMPLE)).ok


def test_every_field_of_a_record_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = sorted(k for k in keys(json.loads(EXAMPLE.read_text(encoding="utf-8"))) if k not in text)
    assert missing == []


def test_hand_check_script_accepts_honest_records_and_rejects_tampered_ones(tmp_path: Path) -> None:
    script = tmp_path / "check.py"
    script.write_text(hand_check_script(), encoding="utf-8")
    record = tmp_path / "record.json"
    save_record(combined_record(), record)
    for path in (EXAMPLE, record):
        result = subprocess.run(
            [sys.executable, str(script), str(path)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        assert "ok" in result.stdout

    data = json.loads(record.read_text(encoding="utf-8"))
    members = data["inspectors"]["teams"][1]["members"]
    members[0], members[1] = members[1], members[0]
    record.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script), str(record)], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "members" in result.stderr
