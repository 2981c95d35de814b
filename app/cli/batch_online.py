"""`liancha batch {upload|fetch-receipts|endpoint}`: online sync (docs/sync-online.md).

Registered from ``app.cli.batch.register`` so the ``batch`` family stays one command.
"""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.common import (
    EXIT_CANNOT_RUN,
    EXIT_OK,
    EXIT_REJECTED,
    CliError,
    add_db_argument,
    open_context,
    service_errors,
)
from app.services.sync_online import (
    MAX_ATTEMPTS,
    OnlineNotConfigured,
    OnlineUnavailable,
    fetch_receipts,
    get_endpoint,
    set_endpoint,
    upload_pending,
)


def register_online(sub: Any) -> None:
    p = sub.add_parser("upload", help="在线上传待发送的结果批次（需已设置上传地址或 --url）")
    p.add_argument("--url", help="上传地址（默认用已设置的地址）")
    p.add_argument("--attempts", type=int, default=MAX_ATTEMPTS, help=f"最多尝试次数（默认 {MAX_ATTEMPTS}）")
    add_db_argument(p)
    p.set_defaults(func=run_upload)

    p = sub.add_parser("fetch-receipts", help="在线取回已上传批次的回执并登记")
    p.add_argument("--url", help="上传地址（默认用已设置的地址）")
    add_db_argument(p)
    p.set_defaults(func=run_fetch)

    p = sub.add_parser("endpoint", help="查看或设置数据上传地址")
    p.add_argument("url", nargs="?", help="新地址；空字符串表示不再在线上传")
    p.add_argument("--token", help="访问令牌（可选）")
    add_db_argument(p)
    p.set_defaults(func=run_endpoint)


def run_upload(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        with service_errors(ctx):
            done = upload_pending(ctx, url=args.url, max_attempts=max(1, args.attempts))
    except CliError as exc:
        if isinstance(exc.__cause__, (OnlineUnavailable, OnlineNotConfigured)):
            raise CliError(str(exc), EXIT_CANNOT_RUN) from exc.__cause__
        raise
    if not done:
        print("没有需要上传的批次：结果都已确认，或已上传的批次正在等待回执。")
        return EXIT_OK
    for item in done:
        print(f"{item.file_name}：{item.message}（{item.total} 字节，尝试 {item.attempts} 次）")
    return EXIT_REJECTED if any(i.outcome == "rejected" for i in done) else EXIT_OK


def run_fetch(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        with service_errors(ctx):
            done = fetch_receipts(ctx, url=args.url)
    except CliError as exc:
        if isinstance(exc.__cause__, (OnlineUnavailable, OnlineNotConfigured)):
            raise CliError(str(exc), EXIT_CANNOT_RUN) from exc.__cause__
        raise
    if not done:
        print("没有等待回执的已上传批次。")
    for item in done:
        print(f"批次 {item.batch_id}：{item.message}")
    return EXIT_REJECTED if any(i.rejected for i in done) else EXIT_OK


def run_endpoint(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    with service_errors(ctx):
        if args.url is not None:
            set_endpoint(ctx, args.url, args.token)
        endpoint = get_endpoint(ctx)
    if endpoint is None:
        print("未设置上传地址：只用批次文件（U盘）交接。")
    else:
        print(f"上传地址：{endpoint.url}（{'已设置访问令牌' if endpoint.token else '无访问令牌'}）")
    return EXIT_OK
