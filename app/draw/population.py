"""Populations: the exact id lists a draw runs over, fixed and hashed before the seed exists.

The population hash is ``SHA-256(utf8("\\n".join(sorted(ids))))`` in lower-case hex, where
``sorted`` is plain code-point order (the same as byte order of the UTF-8 text, and as
``LC_ALL=C sort``). No trailing newline. Anyone holding the id list can recompute it with::

    printf '%s' "$(LC_ALL=C sort ids.txt)" | sha256sum
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.draw.sampling import DuplicateIdError

logger = logging.getLogger(__name__)


class InvalidIdError(ValueError):
    """An id cannot be part of a population (empty, or with a line break or outer spaces).

    Attributes:
        id: The offending id.
    """

    def __init__(self, id_: str, problem: str) -> None:
        super().__init__(f"编号 {id_!r} 不能参与抽取：{problem}。请在名录库中更正该编号。")
        self.id = id_


def check_id(id_: object) -> str:
    """Return the id unchanged if it can be listed one per line and hashed unambiguously.

    Line breaks would split the id in the hashed list and in id files; outer spaces are
    invisible on paper, so a reader could not reproduce the ticket.

    Args:
        id_: The candidate id.

    Returns:
        The same id.

    Raises:
        InvalidIdError: If the id is not a non-empty string without line breaks or outer spaces.
    """
    if not isinstance(id_, str):
        raise InvalidIdError(repr(id_), "编号必须是文本")
    if not id_:
        raise InvalidIdError(id_, "编号为空")
    if "\n" in id_ or "\r" in id_:
        raise InvalidIdError(id_, "编号中含有换行符")
    if id_ != id_.strip():
        raise InvalidIdError(id_, "编号首尾有空白字符")
    return id_


def population_hash(ids: Iterable[str]) -> str:
    """Return the SHA-256 (hex) of the sorted ids joined by newlines.

    Args:
        ids: The population's ids in any order.

    Returns:
        64 lower-case hexadecimal characters.
    """
    return hashlib.sha256("\n".join(sorted(ids)).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Population:
    """A fixed id list with its hash.

    Attributes:
        ids: The ids in code-point order.
        hash: ``population_hash(ids)``.
    """

    ids: tuple[str, ...]
    hash: str

    @property
    def size(self) -> int:
        """Number of ids."""
        return len(self.ids)


def _fix(ids: list[str], *, check_distinct: bool) -> Population:
    """Sort, validate and hash ``ids``; validation runs on the joined text, not per id."""
    try:
        ordered = sorted(ids)
        joined = "\n".join(ordered)
    except TypeError:
        for id_ in ids:
            check_id(id_)  # names the first id that is not text
        raise
    if ordered and (
        not ordered[0]  # the empty id sorts first
        or joined.count("\n") != len(ordered) - 1
        or "\r" in joined
        or list(map(str.strip, ordered)) != ordered  # C-speed; a regex over the text was 8× slower
    ):
        for id_ in ordered:
            check_id(id_)  # names the offending id
    if check_distinct and any(map(operator.eq, ordered, itertools.islice(ordered, 1, None))):
        raise DuplicateIdError(sorted({a for a, b in itertools.pairwise(ordered) if a == b}))
    return Population(ids=tuple(ordered), hash=hashlib.sha256(joined.encode("utf-8")).hexdigest())


def make_population(ids: Iterable[str]) -> Population:
    """Validate ids, sort them and hash them.

    Args:
        ids: The population's ids in any order.

    Returns:
        The population.

    Raises:
        InvalidIdError: If an id is unusable (see ``check_id``).
        DuplicateIdError: If an id occurs twice.
    """
    return _fix(list(ids), check_distinct=True)


def split_strata(pairs: Iterable[tuple[str, str]], *, keys: Iterable[str] = ()) -> dict[str, Population]:
    """Group ``(id, stratum key)`` pairs into one population per stratum.

    Args:
        pairs: Each id with the key of its stratum (for targets, the risk class).
        keys: Strata to create even when no id falls in them, so that an empty stratum is
            still recorded with its size 0 and hash.

    Returns:
        Stratum key to population, keys in sorted order.

    Raises:
        InvalidIdError: If an id is unusable.
        DuplicateIdError: If an id occurs twice, within or across strata.
    """
    groups: dict[str, list[str]] = {key: [] for key in keys}
    for id_, key in pairs:
        groups.setdefault(key, []).append(id_)
    return populations(groups)


def populations(groups: Mapping[str, list[str]]) -> dict[str, Population]:
    """Fix one population per stratum from ids already grouped by stratum key.

    Args:
        groups: Stratum key to that stratum's ids (any order).

    Returns:
        Stratum key to population, keys in sorted order.

    Raises:
        InvalidIdError: If an id is unusable.
        DuplicateIdError: If an id occurs twice, within or across strata.
    """
    # One set over all strata finds repeats within and across strata alike.
    all_ids = [id_ for members in groups.values() for id_ in members]
    if len(set(all_ids)) != len(all_ids):
        make_population(all_ids)  # raises naming the repeated ids (or an unusable one)
    return {key: _fix(groups[key], check_distinct=False) for key in sorted(groups)}
