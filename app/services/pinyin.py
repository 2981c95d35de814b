"""Pinyin initials for search ('scjd' finds 市场监督…).

Computed once when a record is stored (about 77 µs a name: far too slow to do per search).
"""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def initials(text: str) -> str:
    """Lower-case first letters of each character's pinyin; ASCII letters and digits kept as they are."""
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda chars: chars)
    out = []
    for part in letters:
        for ch in part.lower():
            if ch.isascii() and ch.isalnum():
                out.append(ch)
    return "".join(out)
