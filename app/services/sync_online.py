"""Online sync: upload results batches to a configured endpoint and fetch their receipts.

The HTTP contract is in docs/sync-online.md. Offline is the normal case: every batch is still a
file, and uploading is only another way to hand the same file over. Hence:

- the upload is idempotent by batch id (the server says "already have it" for a repeat);
- it goes in chunks at the offset the server reports, so a dropped connection resumes where the
  server's copy ends instead of starting over on a slow county line;
- a batch is marked ``sent`` only after the server answered that it holds the whole file, and its
  records are acknowledged only through a signed receipt (``apply_receipt``), never by an HTTP 200;
- classified batches never go online (SYNC.md: they must work by file alone).

Every attempt is recorded (``sync_upload_attempts``) so that the 数据同步 page, the status bar and
``liancha batch status`` can show the last successful sync and the last error.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.config import data_dir
from app.models.base import utcnow
from app.models.enums import SyncState
from app.models.results import ResultVersion
from app.models.sync import SyncBatch
from app.models.sync_online import SyncUploadAttempt
from app.services.context import ServiceContext
from app.services.errors import RuleViolation, ServiceError
from app.services.permissions import Permission
from app.services.result_deadlines import OpenInspection, result_deadlines
from app.services.settings import get_setting, set_setting
from app.services.sync import apply_receipt, export_results_batch, sync_status

logger = logging.getLogger(__name__)

URL_KEY = "sync.online.url"
TOKEN_KEY = "sync.online.token"
PROTOCOL = "liancha-sync/1"
CHUNK_SIZE = 256 * 1024
MAX_ATTEMPTS = 5
BASE_DELAY = 2.0
MAX_DELAY = 120.0
TIMEOUT = 30.0

PUBLIC = "public"
RESULTS = "results"


class OnlineUnavailable(ServiceError):
    """The endpoint could not be reached or kept failing; nothing was marked sent."""


class OnlineNotConfigured(ServiceError):
    """No upload address is set."""


@dataclass(frozen=True)
class Endpoint:
    url: str
    token: str | None = None


@dataclass(frozen=True)
class UploadOutcome:
    batch_id: str
    file_name: str
    outcome: str  # sent | duplicate | rejected
    total: int
    attempts: int
    message: str


@dataclass(frozen=True)
class ReceiptOutcome:
    batch_id: str
    outcome: str  # receipt | no-receipt | covered
    acknowledged_through: int | None
    newly_acknowledged: int
    rejected: int
    message: str


@dataclass(frozen=True)
class AttemptRow:
    batch_id: str
    action: str
    endpoint: str
    started_at: datetime
    finished_at: datetime
    outcome: str
    offset: int
    total: int
    error: str


@dataclass(frozen=True)
class OnlineOverview:
    """What the status bar and the 数据同步 page show."""

    endpoint: str | None
    pending: int
    last_success_at: datetime | None
    last_attempt: AttemptRow | None


# --------------------------------------------------------------------------- settings


def get_endpoint(ctx: ServiceContext) -> Endpoint | None:
    """The configured upload address, or None when this office works by file only."""
    with ctx.read() as session:
        url = get_setting(session, URL_KEY)
        token = get_setting(session, TOKEN_KEY)
    if not isinstance(url, str) or not url:
        return None
    return Endpoint(url, token if isinstance(token, str) and token else None)


def set_endpoint(ctx: ServiceContext, url: str | None, token: str | None = None) -> Endpoint | None:
    """Store (or with an empty ``url`` clear) the upload address and optional access token."""
    ctx.require(Permission.MANAGE_SETTINGS)
    clean = (url or "").strip().rstrip("/")
    if clean:
        parts = urllib.parse.urlsplit(clean)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise RuleViolation(
                f"上传地址“{clean}”无效：应以 http:// 或 https:// 开头，例如 https://gateway.example.gov.cn/liancha"
            )
    with ctx.write() as session:
        set_setting(session, URL_KEY, clean)
        set_setting(session, TOKEN_KEY, (token or "").strip())
        ctx.audit(
            session,
            action="sync.endpoint",
            entity="setting",
            entity_id=URL_KEY,
            summary=f"设置数据上传地址：{clean or '（不在线上传）'}",
        )
    return Endpoint(clean, (token or "").strip() or None) if clean else None


def _resolve(ctx: ServiceContext, url: str | None) -> Endpoint:
    configured = get_endpoint(ctx)
    if url:
        return Endpoint(url.rstrip("/"), configured.token if configured else None)
    if configured is None:
        raise OnlineNotConfigured(
            "尚未设置数据上传地址：请在“数据同步”页设置，或用 --url 指定；没有网络时请改用批次文件（U盘）。"
        )
    return configured


def outbox_dir() -> Path:
    """Batches made for upload stay here as files too, so they can still go by USB stick."""
    path = data_dir() / "outbox"
    path.mkdir(parents=True, exist_ok=True)
    return path


def receipts_dir() -> Path:
    path = data_dir() / "receipts"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --------------------------------------------------------------------------- HTTP


class _Retryable(Exception):
    """A failure worth retrying: network trouble, 5xx, 408, 429."""


class _Refused(Exception):
    """The server refused the batch (4xx); retrying the same bytes will not help."""


@dataclass(frozen=True)
class _Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        try:
            value = json.loads(self.body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}


def _request(
    endpoint: Endpoint,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float,
) -> _Response:
    all_headers = {"X-LianCha-Protocol": PROTOCOL, **(headers or {})}
    if endpoint.token:
        all_headers["Authorization"] = f"Bearer {endpoint.token}"
    request = urllib.request.Request(endpoint.url + path, data=body, headers=all_headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return _Response(
                response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
            )
    except urllib.error.HTTPError as exc:
        data = exc.read() if exc.fp is not None else b""
        return _Response(exc.code, {k.lower(): v for k, v in exc.headers.items()}, data)
    except (urllib.error.URLError, http.client.HTTPException, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise _Retryable(f"无法连接上传地址 {endpoint.url}：{reason}") from exc


def _check(response: _Response, what: str) -> None:
    """Sort an error answer into retry / refuse; the server's own reason is kept for the operator."""
    if 300 <= response.status < 400:
        raise _Refused(
            f"{what}：上传地址被重定向到 {response.headers.get('location', '？')}（HTTP {response.status}），请填写最终地址。"
        )
    if response.status < 400:
        return
    reason = str(response.json().get("error") or response.body[:200].decode("utf-8", "replace"))
    if response.status in (408, 429) or response.status >= 500:
        raise _Retryable(f"{what}：服务器暂时出错（HTTP {response.status}）{reason}")
    if response.status in (401, 403):
        raise _Refused(f"{what}：上传地址拒绝了访问（HTTP {response.status}），请核对访问令牌。{reason}")
    raise _Refused(f"{what}：服务器拒收（HTTP {response.status}）：{reason}")


def _record(
    ctx: ServiceContext,
    *,
    batch_id: str,
    action: str,
    endpoint: Endpoint,
    started: datetime,
    outcome: str,
    offset: int = 0,
    total: int = 0,
    error: str = "",
    batch_state: str | None = None,
) -> None:
    with ctx.write() as session:
        session.add(
            SyncUploadAttempt(
                batch_uid=batch_id,
                action=action,
                endpoint=endpoint.url,
                started_at=started,
                finished_at=utcnow(),
                outcome=outcome,
                offset=offset,
                total=total,
                error=error,
            )
        )
        if batch_state is not None:
            batch = session.execute(
                select(SyncBatch).where(SyncBatch.direction == "out", SyncBatch.batch_uid == batch_id)
            ).scalar_one()
            batch.state = batch_state
            ctx.audit(
                session,
                action=f"sync.{action}",
                entity="sync_batch",
                entity_id=batch_id,
                summary=f"在线{'上传' if action == 'upload' else '回执'}：{outcome} {error}".strip(),
            )


# --------------------------------------------------------------------------- upload


def upload_batch(
    ctx: ServiceContext,
    batch_id: str,
    path: Path,
    *,
    url: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    max_attempts: int = MAX_ATTEMPTS,
    base_delay: float = BASE_DELAY,
    timeout: float = TIMEOUT,
    sleep: Callable[[float], None] = time.sleep,
) -> UploadOutcome:
    """Upload one batch file, resuming at the server's offset and retrying with exponential back-off.

    Raises:
        OnlineNotConfigured: No address.
        OnlineUnavailable: Still failing after ``max_attempts`` (each attempt recorded; nothing marked sent).
    """
    ctx.require(Permission.SYNC)
    endpoint = _resolve(ctx, url)
    with ctx.read() as session:
        batch = session.execute(
            select(SyncBatch).where(SyncBatch.direction == "out", SyncBatch.batch_uid == batch_id)
        ).scalar_one_or_none()
        if batch is None:
            raise RuleViolation(f"批次 {batch_id} 不是本机发出的，不能上传。")
        if batch.stream != PUBLIC:
            raise RuleViolation("涉密批次不在线上传：请按保密规定用批次文件交接。")
        manifest = batch.manifest_sha256
        name = batch.file_name
    data = path.read_bytes()
    total = len(data)
    digest = hashlib.sha256(data).hexdigest()
    where = f"/batches/{urllib.parse.quote(batch_id)}"
    base_headers = {
        "Upload-Length": str(total),
        "X-LianCha-File-SHA256": digest,
        "X-LianCha-Manifest-SHA256": manifest,
        "X-LianCha-File-Name": urllib.parse.quote(name),
    }
    attempts = 0
    while True:
        attempts += 1
        started = utcnow()
        offset = 0
        try:
            head = _request(endpoint, "HEAD", where, headers=base_headers, timeout=timeout)
            if head.status != 404:
                _check(head, "查询上传进度")
                if head.headers.get("x-liancha-batch-state") == "complete":
                    msg = "服务器已有此批次（重复上传，未改变任何数据）"
                    _record(
                        ctx,
                        batch_id=batch_id,
                        action="upload",
                        endpoint=endpoint,
                        started=started,
                        outcome="duplicate",
                        offset=total,
                        total=total,
                        batch_state="sent",
                    )
                    return UploadOutcome(batch_id, name, "duplicate", total, attempts, msg)
                offset = int(head.headers.get("upload-offset", "0") or 0)
            while True:
                chunk = data[offset : offset + chunk_size]
                response = _request(
                    endpoint,
                    "POST",
                    where,
                    body=chunk,
                    headers={
                        **base_headers,
                        "Upload-Offset": str(offset),
                        "Content-Type": "application/octet-stream",
                    },
                    timeout=timeout,
                )
                answer = response.json()
                if response.status == 409 and "offset" in answer:
                    # The server holds a different amount than we thought (an earlier chunk did
                    # arrive although its answer was lost): continue from its count.
                    offset = int(answer["offset"])
                    continue
                _check(response, "上传批次")
                if answer.get("state") == "complete":
                    duplicate = bool(answer.get("duplicate"))
                    outcome = "duplicate" if duplicate else "sent"
                    _record(
                        ctx,
                        batch_id=batch_id,
                        action="upload",
                        endpoint=endpoint,
                        started=started,
                        outcome=outcome,
                        offset=total,
                        total=total,
                        batch_state="sent",
                    )
                    msg = "服务器已有此批次（重复上传，未改变任何数据）" if duplicate else "已上传"
                    logger.info("batch %s uploaded (%s) to %s", batch_id, outcome, endpoint.url)
                    return UploadOutcome(batch_id, name, outcome, total, attempts, msg)
                new_offset = int(answer.get("offset", -1))
                if new_offset <= offset or new_offset > total:
                    raise _Refused(f"上传批次：服务器报告的进度 {new_offset} 不合理（此前为 {offset}）。")
                offset = new_offset
        except _Refused as exc:
            _record(
                ctx,
                batch_id=batch_id,
                action="upload",
                endpoint=endpoint,
                started=started,
                outcome="rejected",
                offset=offset,
                total=total,
                error=str(exc),
                batch_state="rejected",
            )
            return UploadOutcome(batch_id, name, "rejected", total, attempts, str(exc))
        except _Retryable as exc:
            _record(
                ctx,
                batch_id=batch_id,
                action="upload",
                endpoint=endpoint,
                started=started,
                outcome="partial" if offset else "failed",
                offset=offset,
                total=total,
                error=str(exc),
            )
            if attempts >= max_attempts:
                raise OnlineUnavailable(
                    f"{exc}。已重试 {attempts} 次仍未成功，批次未标记为已发送；"
                    "请稍后再试，或把批次文件用U盘交给对方：" + str(path)
                ) from exc
            delay = min(MAX_DELAY, base_delay * 2 ** (attempts - 1))
            logger.warning("upload of %s failed (%s); retry %d in %.1fs", batch_id, exc, attempts, delay)
            sleep(delay)


def _produced_and_acked(ctx: ServiceContext) -> tuple[str, int, int]:
    status = sync_status(ctx)
    origin = status.installation_id
    with ctx.read() as session:
        produced = int(
            session.execute(
                select(func.max(ResultVersion.seq)).where(
                    ResultVersion.origin == origin, ResultVersion.stream == PUBLIC
                )
            ).scalar()
            or 0
        )
    return origin, produced, status.acknowledged_through.get(PUBLIC, 0)


def upload_pending(
    ctx: ServiceContext,
    *,
    url: str | None = None,
    outbox: Path | None = None,
    **options: Any,
) -> tuple[UploadOutcome, ...]:
    """Upload everything not yet acknowledged: one cumulative public results batch.

    A batch already made for upload that still covers everything is reused (same batch id, so the
    server recognises it); otherwise a new cumulative batch is written to the outbox folder first.
    Returns nothing when every result is acknowledged or the covering batch is already on the server.
    """
    ctx.require(Permission.SYNC)
    _resolve(ctx, url)  # fail before writing a batch when no address is set
    folder = outbox or outbox_dir()
    origin, produced, acked = _produced_and_acked(ctx)
    if produced <= acked:
        return ()
    with ctx.read() as session:
        newest = session.execute(
            select(SyncBatch)
            .where(
                SyncBatch.direction == "out",
                SyncBatch.kind == RESULTS,
                SyncBatch.stream == PUBLIC,
                SyncBatch.origin == origin,
                SyncBatch.seq_last == produced,
            )
            .order_by(SyncBatch.id.desc())
        ).scalars()
        reusable: tuple[str, Path] | None = None
        for batch in newest:
            if batch.state in ("sent", "acknowledged", "rejected"):
                # Already on the server (waiting for its receipt) or refused and waiting for a person.
                return ()
            candidate = folder / batch.file_name
            if candidate.is_file():
                reusable = (batch.batch_uid, candidate)
                break
    if reusable is None:
        made = export_results_batch(ctx, folder, stream=PUBLIC)
        reusable = (made.batch_id, made.path)
    return (upload_batch(ctx, reusable[0], reusable[1], url=url, **options),)


# --------------------------------------------------------------------------- receipts


def fetch_receipts(
    ctx: ServiceContext,
    *,
    url: str | None = None,
    timeout: float = TIMEOUT,
    folder: Path | None = None,
) -> tuple[ReceiptOutcome, ...]:
    """Fetch and apply the receipt of every uploaded batch still waiting for one.

    The receipt is the same signed file as by hand, applied with ``apply_receipt``; the HTTP answer
    alone acknowledges nothing.

    Raises:
        OnlineUnavailable: The endpoint could not be reached (attempt recorded).
    """
    ctx.require(Permission.SYNC)
    endpoint = _resolve(ctx, url)
    target = folder or receipts_dir()
    _, _, acked = _produced_and_acked(ctx)
    outcomes: list[ReceiptOutcome] = []
    with ctx.write() as session:
        waiting = list(
            session.execute(
                select(SyncBatch)
                .where(SyncBatch.direction == "out", SyncBatch.state == "sent", SyncBatch.stream == PUBLIC)
                .order_by(SyncBatch.id)
            ).scalars()
        )
        pending_ids: list[str] = []
        for batch in waiting:
            if batch.seq_last is not None and batch.seq_last <= acked:
                # A later cumulative batch's receipt already acknowledged every record in this one.
                batch.state = "acknowledged"
                outcomes.append(
                    ReceiptOutcome(batch.batch_uid, "covered", acked, 0, 0, "已由后续批次的回执确认")
                )
            else:
                pending_ids.append(batch.batch_uid)
    for batch_id in pending_ids:
        started = utcnow()
        try:
            response = _request(
                endpoint, "GET", f"/batches/{urllib.parse.quote(batch_id)}/receipt", timeout=timeout
            )
            if response.status == 404:
                _record(
                    ctx,
                    batch_id=batch_id,
                    action="receipt",
                    endpoint=endpoint,
                    started=started,
                    outcome="no-receipt",
                )
                outcomes.append(ReceiptOutcome(batch_id, "no-receipt", None, 0, 0, "对方尚未出具回执"))
                continue
            _check(response, "获取回执")
        except (_Retryable, _Refused) as exc:
            _record(
                ctx,
                batch_id=batch_id,
                action="receipt",
                endpoint=endpoint,
                started=started,
                outcome="failed",
                error=str(exc),
            )
            raise OnlineUnavailable(f"{exc}。回执未取回，可稍后再试，或登记对方交来的回执文件。") from exc
        path = target / f"receipt-{batch_id}.lcr"
        path.write_bytes(response.body)
        try:
            done = apply_receipt(ctx, path)
        except ServiceError as exc:
            _record(
                ctx,
                batch_id=batch_id,
                action="receipt",
                endpoint=endpoint,
                started=started,
                outcome="failed",
                error=str(exc),
            )
            raise
        state = "rejected" if done.rejected else None
        reasons = "；".join(f"{i.item_id}：{i.reason}" for i in done.rejected)
        _record(
            ctx,
            batch_id=batch_id,
            action="receipt",
            endpoint=endpoint,
            started=started,
            outcome="receipt",
            error=reasons,
            batch_state=state,
        )
        outcomes.append(
            ReceiptOutcome(
                batch_id,
                "receipt",
                done.acknowledged_through,
                done.newly_acknowledged,
                len(done.rejected),
                f"确认至第{done.acknowledged_through}号，新确认 {done.newly_acknowledged} 条，拒收 {len(done.rejected)} 条",
            )
        )
    return tuple(outcomes)


# --------------------------------------------------------------------------- automatic round


@dataclass(frozen=True)
class SyncRound:
    """One automatic round: what went, which receipts came, or why the line was not usable."""

    uploads: tuple[UploadOutcome, ...]
    receipts: tuple[ReceiptOutcome, ...]
    offline: str | None  # the reason, when the endpoint could not be reached


def sync_round(ctx: ServiceContext, *, attempts: int = 1, timeout: float = TIMEOUT) -> SyncRound | None:
    """Upload what is pending and fetch waiting receipts, if an address is set; None when it is not.

    Used by the main window's timer, so that an office with a connection syncs without anyone
    pressing a button. Offline is normal, not an error: the reason is returned (and recorded as an
    attempt) instead of raised. With nothing pending and no receipt awaited, nothing is contacted.
    """
    ctx.require(Permission.SYNC)
    if get_endpoint(ctx) is None:
        return None
    uploads: tuple[UploadOutcome, ...] = ()
    receipts: tuple[ReceiptOutcome, ...] = ()
    try:
        uploads = upload_pending(ctx, max_attempts=attempts, timeout=timeout)
        receipts = fetch_receipts(ctx, timeout=timeout)
    except OnlineUnavailable as exc:
        return SyncRound(uploads, receipts, str(exc))
    return SyncRound(uploads, receipts, None)


# --------------------------------------------------------------------------- status


def _attempt_row(row: SyncUploadAttempt) -> AttemptRow:
    return AttemptRow(
        row.batch_uid,
        row.action,
        row.endpoint,
        row.started_at,
        row.finished_at,
        row.outcome,
        row.offset,
        row.total,
        row.error,
    )


def upload_history(ctx: ServiceContext, *, limit: int = 200) -> tuple[AttemptRow, ...]:
    """Recent upload and receipt attempts, newest first."""
    with ctx.read() as session:
        rows = session.execute(
            select(SyncUploadAttempt).order_by(SyncUploadAttempt.id.desc()).limit(limit)
        ).scalars()
        return tuple(_attempt_row(r) for r in rows)


def last_successful_sync(ctx: ServiceContext) -> datetime | None:
    """The latest moment something was accepted: a file import, a receipt, or a finished upload."""
    status = sync_status(ctx)
    with ctx.read() as session:
        online = session.execute(
            select(func.max(SyncUploadAttempt.finished_at)).where(
                SyncUploadAttempt.outcome.in_(("sent", "duplicate", "receipt"))
            )
        ).scalar()
    moments = [m for m in (status.last_sync_at, online) if m is not None]
    return max(moments) if moments else None


def online_overview(ctx: ServiceContext) -> OnlineOverview:
    """Records waiting to go or to be dealt with (public, plus classified for cleared users), last success and last attempt.

    ``pending``: versions not yet acknowledged, plus current versions the other side rejected.
    """
    status = sync_status(ctx)
    endpoint = get_endpoint(ctx)
    with ctx.read() as session:
        online = session.execute(
            select(func.max(SyncUploadAttempt.finished_at)).where(
                SyncUploadAttempt.outcome.in_(("sent", "duplicate", "receipt"))
            )
        ).scalar()
        last = session.execute(
            select(SyncUploadAttempt).order_by(SyncUploadAttempt.id.desc()).limit(1)
        ).scalar_one_or_none()
        last_row = _attempt_row(last) if last is not None else None
        # A rejected version that was corrected since is history; only a current one still needs a person.
        still_rejected = int(
            session.execute(
                select(func.count())
                .select_from(ResultVersion)
                .where(
                    ResultVersion.origin == status.installation_id,
                    ResultVersion.stream.in_(list(status.pending)),
                    ResultVersion.is_current.is_(True),
                    ResultVersion.sync_state == SyncState.REJECTED,
                )
            ).scalar()
            or 0
        )
    moments = [m for m in (status.last_sync_at, online) if m is not None]
    pending = sum(status.pending.values()) + still_rejected
    return OnlineOverview(
        endpoint.url if endpoint else None, pending, max(moments) if moments else None, last_row
    )


@dataclass(frozen=True)
class OutboxRow:
    """A batch as the 数据同步 page lists it, with the latest online attempt's note."""

    batch_id: str
    direction: str
    kind: str
    batch_seq: int
    stream: str | None
    state: str
    file_name: str
    created_at: datetime
    note: str


def outbox_rows(ctx: ServiceContext) -> tuple[OutboxRow, ...]:
    """Batches made and received (newest first), each with the reason of its latest refusal or error."""
    status = sync_status(ctx)
    with ctx.read() as session:
        notes: dict[str, str] = {}
        for row in session.execute(select(SyncUploadAttempt).order_by(SyncUploadAttempt.id)).scalars():
            notes[row.batch_uid] = row.error
    return tuple(
        OutboxRow(
            b.batch_id,
            b.direction,
            b.kind,
            b.batch_seq,
            b.stream,
            b.state,
            b.file_name,
            b.imported_at or b.created_at,
            notes.get(b.batch_id, ""),
        )
        for b in status.batches
    )


def unsent_near_deadline(ctx: ServiceContext, today: date) -> tuple[OpenInspection, ...]:
    """Inspections overdue or due soon for 公示 whose current result this installation has not had acknowledged."""
    board = result_deadlines(ctx, today)
    near = [*board.overdue, *board.due_soon]
    if not near:
        return ()
    with ctx.read() as session:
        unsent = set(
            session.execute(
                select(ResultVersion.inspection_id).where(
                    ResultVersion.is_current.is_(True),
                    ResultVersion.sync_state.in_((SyncState.PENDING, SyncState.SENT, SyncState.REJECTED)),
                    ResultVersion.inspection_id.in_([i.inspection_id for i in near]),
                )
            ).scalars()
        )
    return tuple(i for i in near if i.inspection_id in unsent)


__all__ = [
    "Endpoint",
    "OnlineNotConfigured",
    "OnlineOverview",
    "OnlineUnavailable",
    "OutboxRow",
    "ReceiptOutcome",
    "SyncRound",
    "UploadOutcome",
    "fetch_receipts",
    "get_endpoint",
    "last_successful_sync",
    "online_overview",
    "outbox_rows",
    "set_endpoint",
    "sync_round",
    "unsent_near_deadline",
    "upload_batch",
    "upload_history",
    "upload_pending",
]
