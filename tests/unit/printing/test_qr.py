"""QR payloads: format, parser, and the code actually drawn on every page."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.printing import DocKind, FormPayload, InvalidPayload, make_payload, parse_payload
from app.printing.qr import qr_matrix
from tests.helpers.qr_decode import decode, matrix_from_pdf_stream
from tests.unit.printing.conftest import BuiltPdf


def test_payload_format_is_stable() -> None:
    text = make_payload(task_id="T2025-017", record_id="R-12", kind=DocKind.CHECKLIST)
    assert text == "liancha:v1:task=T2025-017;record=R-12;doc=checklist"
    assert parse_payload(text) == FormPayload("T2025-017", "R-12", DocKind.CHECKLIST)


@settings(max_examples=60, deadline=None)
@given(
    task=st.text(min_size=1, max_size=40),
    record=st.text(min_size=1, max_size=40),
    kind=st.sampled_from(list(DocKind)),
)
def test_payload_round_trips_any_ids(task: str, record: str, kind: DocKind) -> None:
    # Ids with ; = : % and Chinese must survive: they are percent-encoded.
    payload = make_payload(task_id=task, record_id=record, kind=kind)
    assert parse_payload(f"  {payload}\r\n") == FormPayload(task, record, kind)


def test_empty_ids_are_refused() -> None:
    with pytest.raises(ValueError):
        make_payload(task_id="", record_id="1", kind=DocKind.NOTICE)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("https://example.com/", "不是联查"),
        ("liancha:", "不完整"),
        ("liancha:v2:task=1;record=2;doc=notice", "版本 v2"),
        ("liancha:v1:task=1;record=2", "缺少 doc"),
        ("liancha:v1:task=1;record=;doc=notice", "缺少 record"),
        ("liancha:v1:task=1;task=2;record=2;doc=notice", "内容有误"),
        ("liancha:v1:task=1;record=2;doc=notice;x=1", "内容有误"),
        ("liancha:v1:task=1;record=2;doc=poster", "表单类型"),
    ],
)
def test_bad_payloads_are_explained(text: str, message: str) -> None:
    with pytest.raises(InvalidPayload, match=message):
        parse_payload(text)


def test_matrix_decodes_back_to_the_payload() -> None:
    payload = make_payload(task_id="任务/2025", record_id="R;=%1", kind=DocKind.DRAW_RECORD)
    assert decode(qr_matrix(payload)) == payload


def test_every_page_carries_its_document_qr(sample_packet: BuiltPdf) -> None:
    reader = sample_packet.reader
    spans = sample_packet.result.documents
    assert len(spans) == 10
    for span in spans:
        for page_no in range(span.first_page, span.first_page + span.page_count):
            xobjects = reader.pages[page_no - 1]["/Resources"]["/XObject"]
            qr_forms = [v.get_object() for k, v in xobjects.items() if k.startswith("/FormXob.lcqr")]
            assert len(qr_forms) == 1, f"page {page_no}"
            payload = parse_payload(decode(matrix_from_pdf_stream(qr_forms[0].get_data())))
            assert payload.kind is span.kind
            assert payload.record_id == span.record_id
            assert payload.task_id == "T2025-017"
