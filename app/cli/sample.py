"""``liancha sample``: the bare consistent sampler, for anyone checking a draw by hand.

Prints the sample one id per line in ticket order, exactly as
``consistent_sampler.sampler(ids, seed=SEED, take=N, output='id')`` does.
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_OK, CliError
from app.draw.sampling import sample

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``sample`` subcommand.

    Args:
        subparsers: The main parser's subparsers.
    """
    parser = subparsers.add_parser(
        "sample",
        help="一致性抽样（与 consistent-sampler 参考实现结果相同），逐行输出抽中的编号",
        description=(
            "从编号文件（每行一个编号，UTF-8；首尾空白去掉，空行忽略）中按 Rivest 一致性抽样法抽取 N 个，"
            "按票号从小到大逐行输出，"
            "与 consistent_sampler.sampler(ids, seed=SEED, take=N, output='id') 相同。"
        ),
    )
    parser.add_argument("--seed", required=True, help="随机种子（原样使用，UTF-8）")
    parser.add_argument("--count", required=True, type=int, help="抽取数量；大于总数时全部输出")
    parser.add_argument("--tickets", action="store_true", help="在编号后以制表符分隔输出完整票号")
    parser.add_argument(
        "ids_file", nargs="?", default="-", metavar="IDS_FILE", help="编号文件；省略或 - 表示标准输入"
    )
    parser.set_defaults(func=run)


def _read_text(name: str) -> str:
    if name == "-":
        buffer = getattr(sys.stdin, "buffer", None)
        if buffer is None:
            return sys.stdin.read()
        raw: bytes = buffer.read()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CliError(f"标准输入不是 UTF-8 编码的文本（第 {exc.start} 字节）") from None
    try:
        return Path(name).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CliError(f"无法读取编号文件 {name}：{exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise CliError(f"编号文件 {name} 不是 UTF-8 编码的文本，请另存为 UTF-8 后重试") from None


def read_ids(name: str) -> list[str]:
    """Read one id per line; strip surrounding whitespace, skip blank lines, refuse repeats.

    Args:
        name: A file path, or ``-`` for standard input.

    Returns:
        The ids in file order.

    Raises:
        CliError: If the file cannot be read or an id is repeated (naming both lines).
    """
    source = "标准输入" if name == "-" else name
    first_line: dict[str, int] = {}
    ids: list[str] = []
    for number, line in enumerate(io.StringIO(_read_text(name)), start=1):
        id_ = line.strip()
        if not id_:
            continue
        if id_ in first_line:
            raise CliError(
                f"{source} 第 {number} 行：编号 {id_} 与第 {first_line[id_]} 行重复，每个编号只能出现一次"
            )
        first_line[id_] = number
        ids.append(id_)
    return ids


def run(args: argparse.Namespace) -> int:
    """Print the sample in ticket order.

    Args:
        args: Parsed arguments (``seed``, ``count``, ``tickets``, ``ids_file``).

    Returns:
        Exit status 0.
    """
    if args.count < 0:
        raise CliError(f"--count 不能为负数：{args.count}")
    ids = read_ids(args.ids_file)
    selection = sample(ids, args.seed, args.count)
    out = sys.stdout
    for item in selection:
        out.write(f"{item.id}\t{item.ticket}\n" if args.tickets else f"{item.id}\n")
    out.flush()
    logger.info("sampled %d of %d ids", len(selection), len(ids))
    return EXIT_OK
