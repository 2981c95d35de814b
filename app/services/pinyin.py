"""Pinyin initials for search ('scjd' finds 市场监督…).

Computed once when a record is stored. ``pypinyin.lazy_pinyin`` costs about 100 µs a
name, which alone would make an import of 100,000 targets take ten seconds. Most of
that is spent converting each reading to its style, again and again for the same
words, so :func:`initials` splits the text exactly as pypinyin does (runs of Han
characters cut into dictionary words by its own maximum-matching segmenter) and
converts each *word* once, from a cache. Words are converted independently by
pypinyin too, so the result is identical to ``lazy_pinyin`` on the whole text
(``tests/unit/services/test_pinyin.py`` checks that on real names).
"""

from __future__ import annotations

import logging
import re
from functools import cache, lru_cache
from typing import Any

logger = logging.getLogger(__name__)

# pypinyin loads its phrase dictionary on import (~0.25 s and tens of MB): it is imported only
# when a name is actually stored, not at every start of the GUI or the command line.


@cache
def _pypinyin() -> Any:
    import pypinyin
    import pypinyin.constants
    import pypinyin.seg.mmseg

    return pypinyin


@cache
def _runs() -> re.Pattern[str]:
    # RE_HANS is "^(?:[<class>])+$": reuse its character class so the runs match pypinyin's.
    pattern: str = _pypinyin().constants.RE_HANS.pattern
    han = pattern[pattern.index("[") + 1 : pattern.rindex("]")]
    return re.compile(f"([{han}]+)|([^{han}]+)")


def _keep(text: str) -> str:
    lowered = text.lower()
    if lowered.isascii() and lowered.isalnum():
        return lowered
    return "".join(ch for ch in lowered if ch.isascii() and ch.isalnum())


def initials_reference(text: str) -> str:
    """The plain ``lazy_pinyin`` implementation :func:`initials` must equal (kept for the tests)."""
    py = _pypinyin()
    letters = py.lazy_pinyin(text, style=py.Style.FIRST_LETTER, errors=lambda chars: chars)
    return "".join(_keep(part) for part in letters)


@lru_cache(maxsize=200_000)
def _word_initials(word: str) -> str:
    return initials_reference(word)


@lru_cache(maxsize=200_000)
def _run_initials(run: str) -> str:
    # pypinyin cuts each run of Han characters on its own, so a run's letters never depend
    # on the text around it; names share runs (有限公司, a county's place names) and words.
    return "".join(_word_initials(word) for word in _pypinyin().seg.mmseg.seg.cut(run))


def initials(text: str) -> str:
    """Lower-case first letters of each character's pinyin; ASCII letters and digits kept as they are."""
    # ``findall`` hands back (Han run, other run) pairs in one call: no match object per run
    # (an import computes the initials of 100,000 names, each of three or four runs).
    return "".join([_run_initials(han) if han else _keep(other) for han, other in _runs().findall(text)])
