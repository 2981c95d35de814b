"""Online upload against a real local HTTP gateway: resume, idempotency, retry, offline, receipts."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.cli import batch
from app.cli.common import CliError
from app.models.enums import SyncState
from app.models.results import ResultVersion
from app.models.sync import SyncBatch
from app.services.errors import RuleViolation
from app.services.sync import import_batch
from app.services.sync_online import (
    OnlineNotConfigured,
    OnlineUnavailable,
    fetch_receipts,
    get_endpoint,
    online_overview,
    set_endpoint,
    upload_history,
    upload_pending,
)
from tests.unit.sync.conftest import Pair
from tests.unit.sync.online_server import Gateway, serve
from tests.unit.sync.test_results_sync import submit

NO_WAIT: dict[str, Any] = {"sleep": lambda _s: None, "timeout": 5.0}


@pytest.fixture
def gateway(pair: Pair, tmp_path: Path) -> Iterator[tuple[Gateway, str]]:
    """The office plays the platform behind the gateway: a finished upload is imported, its receipt kept."""

    def imported(batch_id: str, data: bytes) -> bytes:
        incoming = tmp_path / f"in-{batch_id}.lcb"
        incoming.write_bytes(data)
        receipt = tmp_path / f"receipt-{batch_id}.lcr"
        import_batch(pair.office, incoming, receipt_path=receipt)
        return receipt.read_bytes()

    gw = Gateway(token="s3cret", on_complete=imported)
    with serve(gw) as url:
        set_endpoint(pair.laptop, url, "s3cret")
        yield gw, url


def batch_states(pair: Pair) -> list[str]:
    with pair.laptop.read() as session:
        return list(
            session.execute(
                select(SyncBatch.state).where(SyncBatch.direction == "out").order_by(SyncBatch.id)
            ).scalars()
        )


def version_states(pair: Pair) -> set[SyncState]:
    with pair.laptop.read() as session:
        return set(
            session.execute(select(ResultVersion.sync_state).where(ResultVersion.seq.is_not(None))).scalars()
        )


def office_has(pair: Pair, uid: str) -> int:
    with pair.office.read() as session:
        return len(session.execute(select(ResultVersion.id).where(ResultVersion.uid == uid)).all())


def test_upload_then_fetch_receipt_acknowledges_exactly_once(
    pair: Pair, gateway: tuple[Gateway, str]
) -> None:
    gw, _ = gateway
    uids = [submit(pair.laptop, i) for i in pair.drawn.public_inspections[:3]]
    (done,) = upload_pending(pair.laptop, chunk_size=1024, **NO_WAIT)
    assert done.outcome == "sent" and done.attempts == 1
    assert batch_states(pair) == ["sent"]
    assert version_states(pair) == {SyncState.SENT}  # an HTTP 200 acknowledges nothing
    assert all(office_has(pair, u) == 1 for u in uids)
    assert all(h[0] == "POST" for h in gw.requests[1:]) and len(gw.requests) > 2  # really chunked
    (receipt,) = fetch_receipts(pair.laptop)
    assert receipt.outcome == "receipt" and receipt.newly_acknowledged == 3 and receipt.rejected == 0
    assert batch_states(pair) == ["acknowledged"] and version_states(pair) == {SyncState.ACKNOWLEDGED}
    # Nothing more to send, nothing more to fetch.
    assert upload_pending(pair.laptop, **NO_WAIT) == ()
    assert fetch_receipts(pair.laptop) == ()
    overview = online_overview(pair.laptop)
    assert overview.pending == 0 and overview.last_success_at is not None


def test_dropped_connection_resumes_at_server_offset(pair: Pair, gateway: tuple[Gateway, str]) -> None:
    gw, _ = gateway
    for i in pair.drawn.public_inspections[:3]:
        submit(pair.laptop, i)
    gw.drop_after_chunks = 2
    (done,) = upload_pending(pair.laptop, chunk_size=1024, **NO_WAIT)
    assert done.outcome == "sent" and done.attempts == 2
    # After the drop the client asked where the server was and went on from there, not from 0.
    heads = [i for i, r in enumerate(gw.requests) if r[0] == "HEAD"]
    assert len(heads) == 2
    resumed = gw.requests[heads[1] + 1]
    assert resumed[0] == "POST" and resumed[2] == 2048
    history = upload_history(pair.laptop)
    assert [h.outcome for h in history] == ["sent", "partial"]
    assert history[1].offset == 1024 and "无法连接" in history[1].error
    (receipt,) = fetch_receipts(pair.laptop)
    assert receipt.newly_acknowledged == 3


def test_torn_chunk_resumes_mid_chunk(pair: Pair, gateway: tuple[Gateway, str]) -> None:
    gw, _ = gateway
    submit(pair.laptop, pair.drawn.public_inspections[0])
    gw.drop_mid_chunk = True
    (done,) = upload_pending(pair.laptop, chunk_size=1000, **NO_WAIT)
    assert done.outcome == "sent" and done.attempts == 2
    posts = [r for r in gw.requests if r[0] == "POST"]
    assert posts[0][2] == 0 and posts[1][2] == 500  # resumed inside the torn chunk, at the server's count
    # The server's copy is byte-identical (its SHA-256 check passed) and imported once.
    (receipt,) = fetch_receipts(pair.laptop)
    assert receipt.newly_acknowledged == 1


def test_rejected_records_come_back_and_the_correction_goes_through(
    pair: Pair, gateway: tuple[Gateway, str]
) -> None:
    from app.models.tasks import Inspection
    from tests.unit.sync.test_results_sync import resubmit

    a, b = pair.drawn.public_inspections[:2]
    v1 = submit(pair.laptop, a)
    submit(pair.laptop, b)
    with pair.office.write() as session:  # the platform does not know inspection ``a``
        inspection = session.get(Inspection, a)
        assert inspection is not None
        original_uid = inspection.uid
        inspection.uid = "00000000-0000-4000-8000-000000000000"
    upload_pending(pair.laptop, **NO_WAIT)
    (receipt,) = fetch_receipts(pair.laptop)
    assert receipt.rejected == 1 and receipt.newly_acknowledged == 1
    assert batch_states(pair) == ["rejected"]
    assert v1 in upload_history(pair.laptop)[0].error  # the reason is kept for the page
    assert online_overview(pair.laptop).pending == 1  # the rejected one is still to be dealt with
    with pair.office.write() as session:  # its task package arrives at the platform
        inspection = session.get(Inspection, a)
        assert inspection is not None
        inspection.uid = original_uid
    resubmit(pair.laptop, a)
    (again,) = upload_pending(pair.laptop, **NO_WAIT)
    assert again.outcome == "sent"
    (second,) = fetch_receipts(pair.laptop)
    assert second.rejected == 0 and second.newly_acknowledged == 1
    assert batch_states(pair) == ["rejected", "acknowledged"]
    assert online_overview(pair.laptop).pending == 0


def test_same_batch_twice_is_idempotent(pair: Pair, gateway: tuple[Gateway, str]) -> None:
    gw, _ = gateway
    submit(pair.laptop, pair.drawn.public_inspections[0])
    (first,) = upload_pending(pair.laptop, **NO_WAIT)
    assert first.outcome == "sent"
    # Forget locally that it went (as after a crash before the answer was recorded): the same file again.
    with pair.laptop.write() as session:
        session.execute(select(SyncBatch)).scalar_one().state = "written"
    (again,) = upload_pending(pair.laptop, **NO_WAIT)
    assert again.outcome == "duplicate" and again.batch_id == first.batch_id
    assert len(gw.uploads) == 1 and len(gw.receipts) == 1
    fetch_receipts(pair.laptop)
    with pair.office.read() as session:
        assert len(session.execute(select(ResultVersion.id).where(ResultVersion.seq == 1)).all()) == 1


def test_server_500_then_retry_with_backoff(pair: Pair, gateway: tuple[Gateway, str]) -> None:
    gw, _ = gateway
    submit(pair.laptop, pair.drawn.public_inspections[0])
    gw.fail_next = 2
    delays: list[float] = []
    (done,) = upload_pending(pair.laptop, sleep=delays.append, base_delay=1.0, timeout=5.0)
    assert done.outcome == "sent" and done.attempts == 3
    assert delays == [1.0, 2.0]  # exponential
    assert [h.outcome for h in upload_history(pair.laptop)] == ["sent", "failed", "failed"]
    assert "HTTP 500" in upload_history(pair.laptop)[1].error


def test_unreachable_gives_clear_message_and_marks_nothing_sent(pair: Pair) -> None:
    submit(pair.laptop, pair.drawn.public_inspections[0])
    set_endpoint(pair.laptop, "http://127.0.0.1:9/liancha")  # discard port: nobody listens
    with pytest.raises(OnlineUnavailable) as err:
        upload_pending(pair.laptop, max_attempts=3, **NO_WAIT)
    message = str(err.value)
    assert "无法连接上传地址" in message and "重试 3 次" in message and "U盘" in message
    assert batch_states(pair) == ["written"] and version_states(pair) == {SyncState.SENT}
    assert [h.outcome for h in upload_history(pair.laptop)] == ["failed"] * 3
    assert online_overview(pair.laptop).last_success_at is None
    # The next try reuses the same batch file (same id) rather than making another.
    with pytest.raises(OnlineUnavailable):
        upload_pending(pair.laptop, max_attempts=1, **NO_WAIT)
    assert len(batch_states(pair)) == 1


def test_refused_batch_is_rejected_not_sent(pair: Pair, gateway: tuple[Gateway, str]) -> None:
    gw, _ = gateway
    submit(pair.laptop, pair.drawn.public_inspections[0])
    gw.refuse_reason = "批次格式版本过旧"
    (done,) = upload_pending(pair.laptop, **NO_WAIT)
    assert done.outcome == "rejected" and "批次格式版本过旧" in done.message and done.attempts == 1
    assert batch_states(pair) == ["rejected"] and version_states(pair) == {SyncState.SENT}
    assert gw.receipts == {}


def test_wrong_token_is_refused_without_retry(pair: Pair, gateway: tuple[Gateway, str]) -> None:
    _, url = gateway
    submit(pair.laptop, pair.drawn.public_inspections[0])
    set_endpoint(pair.laptop, url, "wrong")
    (done,) = upload_pending(pair.laptop, **NO_WAIT)
    assert done.outcome == "rejected" and "令牌" in done.message


def test_receipt_not_yet_then_later(pair: Pair, gateway: tuple[Gateway, str]) -> None:
    gw, _ = gateway
    submit(pair.laptop, pair.drawn.public_inspections[0])
    upload_pending(pair.laptop, **NO_WAIT)
    kept = gw.receipts.pop(next(iter(gw.receipts)))
    (first,) = fetch_receipts(pair.laptop)
    assert first.outcome == "no-receipt" and batch_states(pair) == ["sent"]
    gw.receipts[first.batch_id] = kept
    (second,) = fetch_receipts(pair.laptop)
    assert second.outcome == "receipt" and batch_states(pair) == ["acknowledged"]


def test_endpoint_settings_validated(pair: Pair) -> None:
    with pytest.raises(OnlineNotConfigured):
        upload_pending(pair.laptop)
    with pytest.raises(RuleViolation, match="http"):
        set_endpoint(pair.laptop, "ftp://x")
    set_endpoint(pair.laptop, "https://gw.example.cn/liancha/", "t")
    endpoint = get_endpoint(pair.laptop)
    assert endpoint is not None and endpoint.url == "https://gw.example.cn/liancha" and endpoint.token == "t"
    set_endpoint(pair.laptop, "")
    assert get_endpoint(pair.laptop) is None


def _cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    batch.register(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    return int(args.func(args))


def test_cli_upload_fetch_and_status(
    pair: Pair, gateway: tuple[Gateway, str], capsys: pytest.CaptureFixture[str]
) -> None:
    submit(pair.laptop, pair.drawn.public_inspections[0])
    db = pair.laptop_url
    assert _cli("batch", "upload", "--db", db) == 0
    assert "已上传" in capsys.readouterr().out
    assert _cli("batch", "fetch-receipts", "--db", db) == 0
    assert "新确认 1 条" in capsys.readouterr().out
    assert _cli("batch", "status", "--db", db) == 0
    assert "最近一次成功同步" in capsys.readouterr().out


def test_cli_unreachable_exit_code(pair: Pair, capsys: pytest.CaptureFixture[str]) -> None:
    submit(pair.laptop, pair.drawn.public_inspections[0])
    with pytest.raises(CliError) as err:
        _cli(
            "batch",
            "upload",
            "--db",
            pair.laptop_url,
            "--url",
            "http://127.0.0.1:9/x",
            "--attempts",
            "1",
        )
    assert err.value.exit_code == 2 and "无法连接上传地址" in str(err.value)


def test_classified_never_goes_online(pair: Pair, gateway: tuple[Gateway, str]) -> None:
    from app.services.sync import export_results_batch, sync_status
    from app.services.sync_online import upload_batch

    gw, _ = gateway
    submit(pair.laptop, pair.drawn.classified_inspections[0])
    # Only the public stream is uploaded: with nothing public pending, nothing goes.
    assert upload_pending(pair.laptop, **NO_WAIT) == ()
    secret = export_results_batch(
        pair.laptop, pair.folder, stream="classified", recipient=sync_status(pair.office).installation_id
    )
    with pytest.raises(RuleViolation, match="涉密批次不在线上传"):
        upload_batch(pair.laptop, secret.batch_id, secret.path, **NO_WAIT)
    assert gw.requests == [] and gw.uploads == {}


def test_automatic_round_uploads_fetches_and_tolerates_offline(pair: Pair, tmp_path: Path) -> None:
    from app.services.sync_online import SyncRound, sync_round

    assert sync_round(pair.laptop) is None  # no address: file-only office, nothing attempted
    submit(pair.laptop, pair.drawn.public_inspections[0])
    set_endpoint(pair.laptop, "http://127.0.0.1:9/liancha")
    offline = sync_round(pair.laptop, timeout=5.0)
    assert offline is not None and offline.offline is not None and "无法连接上传地址" in offline.offline
    assert [h.outcome for h in upload_history(pair.laptop)] == ["failed"]  # one try, no waiting

    def imported(batch_id: str, data: bytes) -> bytes:
        incoming = tmp_path / f"in-{batch_id}.lcb"
        incoming.write_bytes(data)
        receipt = tmp_path / f"receipt-{batch_id}.lcr"
        import_batch(pair.office, incoming, receipt_path=receipt)
        return receipt.read_bytes()

    with serve(Gateway(on_complete=imported)) as url:
        set_endpoint(pair.laptop, url)
        done = sync_round(pair.laptop, timeout=5.0)
        assert done is not None and done.offline is None
        assert [u.outcome for u in done.uploads] == ["sent"]
        assert [r.newly_acknowledged for r in done.receipts] == [1]
        count = len(upload_history(pair.laptop))
        quiet = sync_round(pair.laptop, timeout=5.0)  # all acknowledged: nothing contacted
        assert quiet == SyncRound((), (), None) and len(upload_history(pair.laptop)) == count
    assert online_overview(pair.laptop).pending == 0
