"""The QR code on every form: its payload format, the parser, and the drawing.

Payload (version 1)::

    liancha:v1:task=<task id>;record=<record id>;doc=<kind>

``<kind>`` is a :class:`~app.printing.data.DocKind` value (``notice``, ``checklist``,
``record``, ``dispatch``, ``draw-record``). Ids are percent-encoded (RFC 3986 unreserved
characters stay as they are), so any id text survives, ``;`` and ``=`` included. A hand
scanner types the payload into a field; :func:`parse_payload` turns it back into ids.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import quote, unquote

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.pdfgen.canvas import Canvas

from app.printing.data import DocKind
from app.printing.errors import InvalidPayload

logger = logging.getLogger(__name__)

PAYLOAD_SCHEME = "liancha"
PAYLOAD_VERSION = "v1"
_FIELDS = ("task", "record", "doc")


@dataclass(frozen=True)
class FormPayload:
    """What a form's QR code says: which task, which record, which kind of document."""

    task_id: str
    record_id: str
    kind: DocKind


def make_payload(*, task_id: str, record_id: str, kind: DocKind) -> str:
    """Return the QR text of a form.

    Args:
        task_id: the task's stable id.
        record_id: the record the form belongs to (inspection record, team or draw id).
        kind: the document kind.

    Raises:
        ValueError: an id is empty (a form that finds no record is worse than none).
    """
    if not task_id or not record_id:
        raise ValueError("QR payload needs a task id and a record id")
    parts = (quote(task_id, safe=""), quote(record_id, safe=""), kind.value)
    body = ";".join(f"{name}={value}" for name, value in zip(_FIELDS, parts, strict=True))
    return f"{PAYLOAD_SCHEME}:{PAYLOAD_VERSION}:{body}"


def parse_payload(text: str) -> FormPayload:
    """Parse the text scanned from a form's QR code.

    Args:
        text: the scanned text; surrounding whitespace (a scanner's Enter) is ignored.

    Raises:
        InvalidPayload: not a LianCha code, a newer version, or a field missing or unknown.
    """
    text = text.strip()
    prefix = f"{PAYLOAD_SCHEME}:"
    if not text.startswith(prefix):
        raise InvalidPayload("这不是联查打印表单上的二维码，请扫描表单右上角的二维码。")
    version, sep, body = text[len(prefix) :].partition(":")
    if not sep:
        raise InvalidPayload("二维码内容不完整，请重新扫描。")
    if version != PAYLOAD_VERSION:
        raise InvalidPayload(f"二维码版本 {version} 不受本程序支持，请升级联查后再扫描。")
    values: dict[str, str] = {}
    for part in body.split(";"):
        name, eq, value = part.partition("=")
        if not eq or name not in _FIELDS or name in values:
            raise InvalidPayload(f"二维码内容有误（{part!r}），请重新扫描或手工输入记录。")
        values[name] = unquote(value)
    missing = [name for name in _FIELDS if not values.get(name)]
    if missing:
        raise InvalidPayload(f"二维码缺少 {'、'.join(missing)}，请重新扫描或手工输入记录。")
    try:
        kind = DocKind(values["doc"])
    except ValueError:
        raise InvalidPayload(f"二维码中的表单类型 {values['doc']!r} 未知，请升级联查后再扫描。") from None
    return FormPayload(task_id=values["task"], record_id=values["record"], kind=kind)


def qr_matrix(payload: str) -> list[list[bool]]:
    """Return the QR code's modules (True = dark), row by row from the top, without quiet zone.

    Encoded by reportlab's QR encoder at error-correction level M, which survives a coffee
    stain or a fold.
    """
    widget = QrCodeWidget(payload, barLevel="M")
    widget.qr.make()
    return [[bool(module) for module in row] for row in widget.qr.modules]


QUIET_ZONE = 4  # modules of white around the code, as the standard requires


def draw_qr(canvas: Canvas, payload: str, *, x: float, y: float, size: float) -> None:
    """Draw the payload's QR code as one filled path in a ``size`` square at (x, y).

    The square includes the quiet zone. Drawn directly rather than through
    ``renderPDF``, which would add a (non-embedded) Helvetica resource to the page.
    """
    matrix = qr_matrix(payload)
    count = len(matrix)
    module = size / (count + 2 * QUIET_ZONE)
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        top = y + size - (QUIET_ZONE + r + 1) * module
        c = 0
        while c < count:
            if row[c]:
                start = c
                while c < count and row[c]:
                    c += 1
                path.rect(x + (QUIET_ZONE + start) * module, top, (c - start) * module, module)
            else:
                c += 1
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
