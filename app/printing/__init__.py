"""Printed documents: A4 PDF forms laid out like the official forms they replace.

No Qt here: the builders use reportlab and take plain frozen dataclasses
(:mod:`app.printing.data`), so the command line, the GUI and the tests print the same way.

Public API
----------
Documents (one per form; the service layer maps database rows to them):

* :class:`NoticeDoc` — 检查通知书 (随机抽查通知书), per target. Refused with
  :class:`AdvanceNoticeForbidden` when the task forbids advance notice.
* :class:`ChecklistDoc` — 联合检查单, per target: all departments' checkpoints.
* :class:`RecordDoc` — 随机抽查情况记录表, per target (blank or filled from results).
* :class:`DispatchDoc` — 检查组派单, per team.
* :class:`DrawRecordDoc` — 随机抽取记录, per draw.

Building::

    result = build_pdf(documents, out, progress=None, is_cancelled=None, title="")

* ``documents``: any mix, printed in the given order, each from a new page.
  :func:`team_packet` orders a team's papers: dispatch sheet, then per target in visiting
  order its notice, checklist and record.
* ``out``: a :class:`~pathlib.Path` (written to ``<name>.partial`` then renamed, so a failed
  or cancelled job leaves nothing) or a binary stream (e.g. ``io.BytesIO`` for a preview).
* ``progress(done, total)``: called as each document starts and once at the end. An
  exception raised by it propagates unchanged, so a GUI may pass ``Progress.report``
  (which raises ``Interrupted`` when the user cancelled).
* ``is_cancelled()``: polled between documents and between pages; True stops the build
  with :class:`PrintCancelled`.
* Returns :class:`BuildResult`: page count and, per document, its first page and page count
  (for a preview's table of contents).

Every page carries a running header (task; target, team or draw; ids for manual entry),
the form's QR code, "第 x 页 共 y 页" across the whole PDF and "本件第 i 页 共 n 页" for the
form. The QR text is made by :func:`make_payload` and read back by :func:`parse_payload`
(``liancha:v1:task=<id>;record=<id>;doc=<kind>``).

Fonts: WenQuanYi Micro Hei and DejaVu Sans (for ☐ ☑) are embedded as subsets, so the PDF
prints on a machine with no Chinese font; no other font (not even Helvetica) is referenced.
:func:`register_fonts` (called by :func:`build_pdf`) also teaches reportlab's CJK line
breaker the Chinese closing punctuation it lacks, process-wide.

Layout: plain text in table cells goes through :class:`app.printing.text.TextBlock`
(fast, Chinese line-breaking rules), check-box blocks identical on every form are drawn
once per PDF as form XObjects, and a checkpoint longer than about a third of a page
continues in a "（续）" row, so no table row is ever taller than a page. Builds are
serialised by a lock (reportlab's font state is process-wide); 500 checklist pages take
about 9 s on a 2-core machine, about 1.3 times a bare reportlab table of the same text
(``python -m tests.benchmarks.bench_printing``).

Code tables for the check boxes come from :mod:`app.services.codes`; documents carry them
(``codes`` field), so edited labels print as edited.

Errors: :class:`PrintingError` (and subclasses) carry Chinese messages saying what to do.
"""

from app.printing.build import (
    BuildResult,
    DocumentPages,
    build_pdf,
    document_story,
    page_info,
    team_packet,
    validate_documents,
)
from app.printing.data import (
    DEFAULT_DISPATCH_NOTES,
    ChecklistDoc,
    Checkpoint,
    Contact,
    DispatchDoc,
    DispatchStop,
    DocKind,
    Document,
    DrawExclusion,
    DrawKind,
    DrawParameter,
    DrawRecordDoc,
    DrawSelection,
    DrawStratum,
    DrawVoid,
    ItemSection,
    MemberRole,
    NoticeDoc,
    RecordDoc,
    RecordEntry,
    TargetInfo,
    TaskInfo,
    TeamMember,
    Witness,
)
from app.printing.errors import AdvanceNoticeForbidden, InvalidPayload, PrintCancelled, PrintingError
from app.printing.fonts import register_fonts
from app.printing.qr import FormPayload, make_payload, parse_payload

__all__ = [
    "DEFAULT_DISPATCH_NOTES",
    "AdvanceNoticeForbidden",
    "BuildResult",
    "ChecklistDoc",
    "Checkpoint",
    "Contact",
    "DispatchDoc",
    "DispatchStop",
    "DocKind",
    "Document",
    "DocumentPages",
    "DrawExclusion",
    "DrawKind",
    "DrawParameter",
    "DrawRecordDoc",
    "DrawSelection",
    "DrawStratum",
    "DrawVoid",
    "FormPayload",
    "InvalidPayload",
    "ItemSection",
    "MemberRole",
    "NoticeDoc",
    "PrintCancelled",
    "PrintingError",
    "RecordDoc",
    "RecordEntry",
    "TargetInfo",
    "TaskInfo",
    "TeamMember",
    "Witness",
    "build_pdf",
    "document_story",
    "make_payload",
    "page_info",
    "parse_payload",
    "register_fonts",
    "team_packet",
    "validate_documents",
]
