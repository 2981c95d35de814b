"""Pinyin initials for search ('scjd' finds 市场监督…).

Computed once when a record is stored (about 77 µs a name: far too slow to do per search).
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _lazy_pinyin() -> Any:
    # pypinyin loads its phrase dictionary on import (~0.25 s and tens of MB): only pay for it
    # when a name is actually stored, not at every start of the GUI or the command line.
    from pypinyin import Style, lazy_pinyin

    return lambda text: lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda chars: chars)


def initials(text: str) -> str:
    """Lower-case first letters of each character's pinyin; ASCII letters and digits kept as they are."""
    letters = _lazy_pinyin()(text)
    out = []
    for part in letters:
        for ch in part.lower():
            if ch.isascii() and ch.isalnum():
                out.append(ch)
    return "".join(out)
