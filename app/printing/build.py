"""Batch building: many forms into one PDF, with progress, cancellation and page numbers."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from reportlab.platypus import Flowable, PageBreak

from app.printing.checklist import checklist_story
from app.printing.data import (
    ChecklistDoc,
    DispatchDoc,
    DocKind,
    Document,
    DrawRecordDoc,
    NoticeDoc,
    RecordDoc,
)
from app.printing.dispatch import dispatch_story
from app.printing.draw_record import draw_record_story
from app.printing.errors import PrintingError
from app.printing.fonts import register_fonts
from app.printing.notice import check_notice_allowed, notice_story
from app.printing.pages import (
    BatchDocTemplate,
    BuildState,
    CancelCheck,
    DocumentStart,
    FormCanvas,
    PageInfo,
    ProgressCallback,
)
from app.printing.qr import make_payload
from app.printing.record import record_story

logger = logging.getLogger(__name__)

# reportlab keeps per-process font subsetting state; one build at a time keeps it sane.
_build_lock = threading.Lock()


@dataclass(frozen=True)
class DocumentPages:
    """Where one document of a batch landed (1-based page numbers)."""

    kind: DocKind
    record_id: str
    first_page: int
    page_count: int


@dataclass(frozen=True)
class BuildResult:
    """What :func:`build_pdf` produced."""

    page_count: int
    documents: tuple[DocumentPages, ...]


def page_info(doc: Document) -> PageInfo:
    """Return the running-header contents and QR payload of a document.

    Args:
        doc: any printable document.
    """
    task = doc.task
    title_line = f"{task.name}（{task.number}）" if task.number else task.name
    if isinstance(doc, NoticeDoc | ChecklistDoc | RecordDoc):
        code = f"（{doc.target.code}）" if doc.target.code else ""
        subject = f"检查对象：{doc.target.name}{code}"
    elif isinstance(doc, DispatchDoc):
        subject = f"检查组：{doc.team_name}（{len(doc.stops)} 户）"
    else:
        subject = f"随机抽取记录：{doc.draw_kind.label}，{doc.drawn_at:%Y-%m-%d %H:%M}"
        if doc.void is not None:
            subject += "（已作废）"
    return PageInfo(
        kind=doc.kind,
        record_id=doc.record_id,
        task_id=task.task_id,
        title_line=title_line,
        subject_line=subject,
        payload=make_payload(task_id=task.task_id, record_id=doc.record_id, kind=doc.kind),
        security_mark=task.security_mark,
    )


def document_story(doc: Document) -> list[Flowable]:
    """Return the flowables of one document, without page furniture (header, QR, numbers).

    Args:
        doc: any printable document.

    Raises:
        AdvanceNoticeForbidden: a notice for a task that forbids advance notice.
    """
    if isinstance(doc, NoticeDoc):
        return notice_story(doc)
    if isinstance(doc, ChecklistDoc):
        return checklist_story(doc)
    if isinstance(doc, RecordDoc):
        return record_story(doc)
    if isinstance(doc, DispatchDoc):
        return dispatch_story(doc)
    if isinstance(doc, DrawRecordDoc):
        return draw_record_story(doc)
    raise TypeError(f"not a printable document: {type(doc).__name__}")


def validate_documents(documents: Sequence[Document]) -> None:
    """Refuse a batch before any work is done if one of its documents cannot be printed.

    Raises:
        PrintingError: no documents, or a missing id.
        AdvanceNoticeForbidden: a notice for a task that forbids advance notice.
    """
    if not documents:
        raise PrintingError("没有可打印的文书：请先选择任务、检查组或检查对象。")
    for doc in documents:
        if not doc.task.task_id or not doc.record_id:
            raise PrintingError(f"{doc.kind.label}缺少任务或记录编号，无法生成二维码：请先保存任务后再打印。")
        if isinstance(doc, NoticeDoc):
            check_notice_allowed(doc)


def team_packet(
    dispatch: DispatchDoc,
    *,
    notices: Sequence[NoticeDoc] = (),
    checklists: Sequence[ChecklistDoc] = (),
    records: Sequence[RecordDoc] = (),
) -> list[Document]:
    """Order a team's papers for the road: the dispatch sheet, then per target in visiting
    order its notice, checklist and record (whichever are given).

    Args:
        dispatch: the team's dispatch sheet (gives the visiting order).
        notices: notices of the team's targets (leave empty where the task forbids them).
        checklists: checklists of the team's targets.
        records: 情况记录表 of the team's targets.

    Raises:
        PrintingError: a document belongs to a target that is not on the team's route.
        AdvanceNoticeForbidden: notices given for a task that forbids advance notice.
    """
    route = [stop.target.target_id for stop in dispatch.stops]
    on_route = set(route)
    per_target: dict[str, list[Document]] = {target_id: [] for target_id in route}
    for group in (notices, checklists, records):
        for doc in group:
            if doc.target.target_id not in on_route:
                raise PrintingError(
                    f"{doc.kind.label}的检查对象「{doc.target.name}」不在{dispatch.team_name}的派单中，"
                    "请核对分组后再打印。"
                )
            if isinstance(doc, NoticeDoc):
                check_notice_allowed(doc)
            per_target[doc.target.target_id].append(doc)
    packet: list[Document] = [dispatch]
    for target_id in route:
        packet.extend(per_target[target_id])
    return packet


def build_pdf(
    documents: Sequence[Document],
    out: Path | BinaryIO,
    *,
    progress: ProgressCallback | None = None,
    is_cancelled: CancelCheck | None = None,
    title: str = "",
) -> BuildResult:
    """Lay out documents into one A4 PDF (see the package docstring for the details).

    Args:
        documents: the documents, in print order; each starts on a new page.
        out: a file path (written atomically: nothing is left behind on failure or cancel)
            or a binary stream (written once, at the end).
        progress: called as ``progress(done, total)`` when each document starts and once at
            the end; an exception it raises (e.g. the GUI's ``Interrupted``) aborts the build.
        is_cancelled: polled between documents and between pages; when it returns True the
            build stops with :class:`PrintCancelled`.
        title: the PDF's title (document information); defaults to the first document's kind.

    Returns:
        The page count and where each document landed.

    Raises:
        PrintingError: the batch cannot be printed (the message says why and what to do).
        AdvanceNoticeForbidden: a notice for a task that forbids advance notice.
        PrintCancelled: ``is_cancelled()`` returned True.
    """
    docs = list(documents)
    validate_documents(docs)
    register_fonts()
    state = BuildState(total_documents=len(docs), progress=progress, is_cancelled=is_cancelled)
    story: list[Flowable] = []
    for index, doc in enumerate(docs):
        if index:
            story.append(PageBreak())
        story.append(DocumentStart(state, page_info(doc)))
        story.extend(document_story(doc))
    pdf_title = title or f"{docs[0].task.name} {docs[0].kind.label}"

    def run(target: str | BinaryIO) -> None:
        template = BatchDocTemplate(target, state=state, title=pdf_title, author=docs[0].task.lead_department)
        template.build(story, canvasmaker=_canvas_maker(state))

    with _build_lock:
        if isinstance(out, Path):
            _write_atomically(out, run)
        else:
            run(out)
    if progress is not None:
        progress(len(docs), len(docs))
    result = BuildResult(
        page_count=state.pages,
        documents=tuple(
            DocumentPages(span.info.kind, span.info.record_id, span.first_page, span.page_count)
            for span in state.spans
        ),
    )
    logger.info("printed %d documents on %d pages", len(docs), state.pages)
    return result


def _canvas_maker(state: BuildState) -> Callable[..., FormCanvas]:
    def make(*args: object, **kwargs: object) -> FormCanvas:
        return FormCanvas(*args, state=state, **kwargs)

    return make


def _write_atomically(path: Path, write: Callable[[str], None]) -> None:
    partial = path.with_name(path.name + ".partial")
    try:
        write(str(partial))
        os.replace(partial, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise PrintingError(
            f"无法写入 {path}（{exc.strerror or exc}）：请确认文件夹存在且可写、磁盘有空间，"
            "并关闭正在打开该文件的程序后重试。"
        ) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
