"""Rivest consistent sampling: the one random-selection primitive LianCha uses.

The method is the one of the reference package ``consistent-sampler`` (PyPI, R. L. Rivest),
``sampler(ids, seed=SEED, take=N, output='id')``, re-implemented here with the standard
library only so that this package can be handed to a third party and run alone.

Ticket of an id under a seed::

    h = hex(SHA-256(utf8(seed)))                 # 64 lower-case hex characters
    v = SHA-256(utf8(h + id)) as a big-endian integer
    ticket = "0." + reversed(decimal(v) zero-padded to at least 64 digits)

A sample of size N without replacement is the N ids with the smallest tickets, in
increasing ticket order; equal tickets (which would need a SHA-256 collision) break by id.

Why the digit string itself is a correct sort key: tickets compare as decimal fractions.
Two digit strings of equal length compare as fractions exactly as they compare as text.
Strings of different lengths only arise when ``v`` has more than 64 decimal digits (SHA-256
gives at most 78); such a string is never padded, so its last reversed digit is the leading
digit of ``v`` and is not zero. Hence when one string is a proper prefix of the other, the
longer one is strictly larger as a fraction, which is also what text comparison says; and
when neither is a prefix, the first differing digit decides both comparisons. The reference
package compares the same strings as text, so the orders agree digit for digit.
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import NamedTuple

logger = logging.getLogger(__name__)

ALGORITHM_NAME = "rivest-consistent-sampling-sha256"
"""Name written on every draw record."""

ALGORITHM_VERSION = "1"
"""Bumped whenever any output of this module could change for the same input."""

REFERENCE_IMPLEMENTATION = (
    "consistent-sampler (PyPI, R. L. Rivest): sampler(ids, seed=SEED, take=N, output='id')"
)
"""How a third party reproduces a selection without LianCha."""

TICKET_PREFIX = "0."
MIN_DIGITS = 64

# Above this share of the population a full sort beats a bounded heap (measured: at 5 % of
# 500,000 the heap takes half the time of a sort, at 20 % twice the time).
_HEAP_SHARE_LIMIT = 10


class Ticketed(NamedTuple):
    """An id together with its ticket number, as drawn.

    Attributes:
        id: The object's id, exactly as given.
        ticket: The full ticket number, ``"0."`` followed by 64 to 78 decimal digits.
    """

    id: str
    ticket: str


class DuplicateIdError(ValueError):
    """The id list given to a draw contains the same id more than once.

    Attributes:
        duplicates: The repeated ids, sorted.
    """

    def __init__(self, duplicates: Sequence[str]) -> None:
        shown = "、".join(duplicates[:10])
        more = f" 等 {len(duplicates)} 个" if len(duplicates) > 10 else ""
        super().__init__(f"编号重复：{shown}{more}。每个对象的编号必须唯一，请先合并或更正重复的记录再抽取。")
        self.duplicates: tuple[str, ...] = tuple(duplicates)


def seed_hash(seed: str) -> str:
    """Return the hex SHA-256 of the seed, the first step of every ticket.

    Args:
        seed: The seed string, exactly as recorded.

    Returns:
        64 lower-case hexadecimal characters.
    """
    if not isinstance(seed, str):
        raise TypeError(f"种子必须是字符串，收到 {type(seed).__name__}")
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def _digits(prefix: bytes, id_: str) -> str:
    value = int.from_bytes(hashlib.sha256(prefix + id_.encode("utf-8")).digest(), "big")
    return str(value).zfill(MIN_DIGITS)[::-1]


def ticket(seed: str, id_: str) -> str:
    """Return the ticket number of one id under a seed.

    Args:
        seed: The seed string.
        id_: The object's id.

    Returns:
        The ticket as a decimal fraction string ``"0.ddd…"`` (64 to 78 digits), identical to
        the reference package's untrimmed ticket number.
    """
    if not isinstance(id_, str):
        raise TypeError(f"编号必须是字符串，收到 {type(id_).__name__}")
    return TICKET_PREFIX + _digits(seed_hash(seed).encode("ascii"), id_)


def _keys(ids: Iterable[str], seed: str, *, check_distinct: bool = True) -> list[tuple[str, str]]:
    """Return (ticket digits, id) pairs; the pair sorts exactly as the draw orders."""
    prefix = seed_hash(seed).encode("ascii")
    id_list = ids if isinstance(ids, list | tuple) else list(ids)
    sha256 = hashlib.sha256
    from_bytes = int.from_bytes
    try:
        # This comprehension is the whole cost of a draw: keep it free of calls that can be hoisted.
        keys = [
            (
                # str.encode() is always UTF-8 when no encoding is named.
                str(from_bytes(sha256(prefix + id_.encode()).digest(), "big")).zfill(MIN_DIGITS)[::-1],
                id_,
            )
            for id_ in id_list
        ]
    except AttributeError:
        wrong = next(id_ for id_ in id_list if not isinstance(id_, str))
        raise TypeError(f"编号必须是字符串，收到 {type(wrong).__name__}：{wrong!r}") from None
    if check_distinct and len(set(id_list)) != len(id_list):
        counts = Counter(id_list)
        raise DuplicateIdError(sorted(id_ for id_, n in counts.items() if n > 1))
    return keys


def sample(ids: Iterable[str], seed: str, count: int, *, known_distinct: bool = False) -> list[Ticketed]:
    """Draw ``count`` ids without replacement, in ticket order.

    Same result as ``list(consistent_sampler.sampler(ids, seed=seed, take=count,
    output='id'))``, with the full tickets attached.

    Args:
        ids: Distinct ids (strings). Order does not matter.
        seed: The seed string.
        count: How many to draw; a count above the population size draws everyone, as the
            reference package's ``take`` does.
        known_distinct: Skip the duplicate check because the caller has just made it
            (``population.make_population`` does); saves a set over the whole population.

    Returns:
        The selected ids with their tickets, smallest ticket first.

    Raises:
        DuplicateIdError: If an id occurs twice.
        ValueError: If ``count`` is negative.
    """
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError(f"抽取数量必须是整数，收到 {count!r}")
    if count < 0:
        raise ValueError(f"抽取数量不能为负数：{count}")
    keys = _keys(ids, seed, check_distinct=not known_distinct)
    if count == 0:
        return []
    chosen = heapq.nsmallest(count, keys) if count * _HEAP_SHARE_LIMIT <= len(keys) else sorted(keys)[:count]
    return [Ticketed(id_, TICKET_PREFIX + digits) for digits, id_ in chosen]


def ticket_order(ids: Iterable[str], seed: str) -> list[Ticketed]:
    """Return every id in ticket order (the whole stream of the reference sampler).

    Args:
        ids: Distinct ids (strings).
        seed: The seed string.

    Returns:
        All ids with their tickets, smallest ticket first.

    Raises:
        DuplicateIdError: If an id occurs twice.
    """
    return [Ticketed(id_, TICKET_PREFIX + digits) for digits, id_ in sorted(_keys(ids, seed))]


def derive_seed(seed: str, purpose: str) -> str:
    """Return the seed of a later step of the same draw (``seed + "/" + purpose``).

    One published seed drives several independent orders (targets, inspectors, teams);
    appending a fixed suffix keeps them unrelated yet reproducible from the one seed.

    Args:
        seed: The draw's seed.
        purpose: A fixed word such as ``"inspectors"`` or ``"teams"``.

    Returns:
        The derived seed string.
    """
    return f"{seed}/{purpose}"


def machine_seed(digits: int = 20) -> str:
    """Return a seed of decimal digits from the operating system's secure random source.

    Only for draws without witnesses rolling dice; the record must then say that the
    machine produced the seed (``SeedMethod.MACHINE`` or ``COMBINED``).

    Args:
        digits: Number of digits; 20 gives about 66 bits, like 20 ten-sided dice.

    Returns:
        The digits as a string, leading zeros kept.
    """
    if digits < 1:
        raise ValueError(f"种子位数必须为正整数：{digits}")
    return "".join(secrets.choice("0123456789") for _ in range(digits))
