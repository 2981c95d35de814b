"""Relaying: what the office receives from a laptop goes on to the platform under the office's own seqs."""

from __future__ import annotations

from sqlalchemy import select

from app.models.enums import InspectionState, SyncState
from app.models.results import ResultVersion
from app.models.tasks import Inspection
from app.services.settings import set_setting
from app.services.sync import RELAY_KEY, export_results_batch, import_batch, sync_status
from tests.unit.sync.conftest import Pair
from tests.unit.sync.test_results_sync import resubmit, submit


def office_rows(pair: Pair) -> dict[str, tuple[str, int, SyncState]]:
    with pair.office.read() as session:
        rows = session.execute(
            select(ResultVersion.uid, ResultVersion.origin, ResultVersion.seq, ResultVersion.sync_state)
        )
        return {r[0]: (r[1], r[2], r[3]) for r in rows}


def test_received_versions_take_the_office_seqs_once(pair: Pair) -> None:
    a, b = pair.drawn.public_inspections[:2]
    office_id = sync_status(pair.office).installation_id
    own = submit(pair.office, pair.drawn.public_inspections[2])  # the office's own entry: seq 1
    first = {submit(pair.laptop, a)}
    batch1 = export_results_batch(pair.laptop, pair.folder, stream="public")
    import_batch(pair.office, batch1.path, receipt_path=pair.folder / "r1.lcb")
    # The receipt is lost: the laptop's next batch is cumulative and carries the first one again.
    second = submit(pair.laptop, b)
    batch2 = export_results_batch(pair.laptop, pair.folder, stream="public")
    result = import_batch(pair.office, batch2.path, receipt_path=pair.folder / "r2.lcb")
    assert (result.count("duplicate"), result.count("accepted")) == (1, 1)
    rows = office_rows(pair)
    relayed = first | {second}
    assert {rows[u][0] for u in relayed} == {office_id}
    assert sorted(rows[u][1] for u in [own, *relayed]) == [1, 2, 3]  # gap-free, each once
    assert {rows[u][2] for u in relayed} == {SyncState.PENDING}
    with pair.office.read() as session:
        state = session.execute(select(Inspection.state).where(Inspection.id == a)).scalar_one()
    assert state == InspectionState.PENDING_REVIEW  # the office reviews it like its own entry
    onward = export_results_batch(pair.office, pair.folder, stream="public")
    assert (onward.seq_first, onward.seq_last, onward.count) == (1, 3, 3)
    # The provenance stays in the import log of the batch it came in.
    assert sync_status(pair.office).pending["public"] == 3


def test_forks_are_not_relayed(pair: Pair) -> None:
    a = pair.drawn.public_inspections[0]
    submit(pair.laptop, a)
    batch = export_results_batch(pair.laptop, pair.folder, stream="public")
    import_batch(pair.office, batch.path, receipt_path=pair.folder / "r.lcb")
    office_v2 = resubmit(pair.office, a)
    laptop_v2 = resubmit(pair.laptop, a)
    batch2 = export_results_batch(pair.laptop, pair.folder, stream="public")
    import_batch(pair.office, batch2.path, receipt_path=pair.folder / "r2.lcb")
    rows = office_rows(pair)
    assert rows[laptop_v2][2] == SyncState.LOCAL and rows[office_v2][2] == SyncState.PENDING
    onward = export_results_batch(pair.office, pair.folder, stream="public")
    assert onward.count == 2  # v1 (relayed) and the office's v2; the fork waits for a person


def test_system_of_record_relays_nothing(pair: Pair) -> None:
    with pair.office.write() as session:
        set_setting(session, RELAY_KEY, False)
    submit(pair.laptop, pair.drawn.public_inspections[0])
    batch = export_results_batch(pair.laptop, pair.folder, stream="public")
    import_batch(pair.office, batch.path, receipt_path=pair.folder / "r.lcb")
    assert {state for _, _, state in office_rows(pair).values()} == {SyncState.LOCAL}
    assert sync_status(pair.office).pending["public"] == 0
