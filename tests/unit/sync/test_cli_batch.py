"""`liancha batch`: keys, export, import with receipt, receipt, status through the CLI."""

from __future__ import annotations

import argparse

import pytest

from app.cli import batch
from app.cli.common import CliError
from app.services.results import submit_result
from tests.unit.results.helpers import TODAY, good_payload
from tests.unit.sync.conftest import Pair


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    batch.register(parser.add_subparsers())
    return parser.parse_args(["batch", *argv])


def run(*argv: str) -> int:
    args = parse(*argv)
    result: int = args.func(args)
    return result


def test_cli_round_trip(pair: Pair, capsys: pytest.CaptureFixture[str]) -> None:
    inspection = pair.drawn.public_inspections[0]
    submit_result(pair.laptop, inspection, good_payload(pair.laptop, inspection), today=TODAY)
    pair.laptop.db.dispose()
    pair.office.db.dispose()
    laptop, office = pair.laptop_url, pair.office_url
    assert run("keys", "show", "--db", laptop) == 0
    out = pair.folder / "out.lcb"
    assert run("export", "--kind", "results", "-o", str(out), "--db", laptop) == 0
    receipt = pair.folder / "receipt.lcb"
    assert run("import", str(out), "--dry-run", "--db", office) == 0
    assert not receipt.exists()
    assert run("import", str(out), "--receipt", str(receipt), "--db", office) == 0
    assert receipt.exists()
    assert run("receipt", str(receipt), "--db", laptop) == 0
    assert run("status", "--db", laptop) == 0
    text = capsys.readouterr().out
    assert "接收 1" in text and "确认至第1号" in text
    with pytest.raises(CliError) as info:
        run("export", "--kind", "results", "-o", str(pair.folder / "again.lcb"), "--db", laptop)
    assert info.value.exit_code == 1
    with pytest.raises(CliError) as info:
        run("export", "--kind", "task-package", "-o", str(pair.folder / "p.lcb"), "--db", laptop)
    assert info.value.exit_code == 2  # --task missing


def test_cli_refuses_an_altered_batch_file_as_unusable(pair: Pair) -> None:
    inspection = pair.drawn.public_inspections[0]
    submit_result(pair.laptop, inspection, good_payload(pair.laptop, inspection), today=TODAY)
    pair.laptop.db.dispose()
    pair.office.db.dispose()
    out = pair.folder / "out.lcb"
    assert run("export", "--kind", "results", "-o", str(out), "--db", pair.laptop_url) == 0
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0xFF
    out.write_bytes(bytes(data))
    with pytest.raises(CliError) as info:
        run("import", str(out), "--db", pair.office_url)
    # Nothing was imported: "the file cannot be used" (2), not "some rows were rejected" (1).
    assert info.value.exit_code == 2
    assert "批次" in str(info.value) and not str(info.value).isascii()
