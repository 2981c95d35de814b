"""Identifier checks (interim; the full GB 32100 / ISO 7064 module replaces this on merge)."""

from __future__ import annotations

from dataclasses import dataclass

from stdnum.iso7064 import mod_11_10

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@dataclass(frozen=True)
class CodeInfo:
    kind: str  # 'uscc' | 'regno' | 'legacy'
    normalized: str
    valid: bool
    message: str


def uscc_check_char(first17: str) -> str:
    """GB 32100 check character over the 31-character alphabet."""
    total = sum(_ALPHABET.index(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _ALPHABET[(31 - total % 31) % 31]


def classify_code(text: str) -> CodeInfo:
    """Classify and check a 统一社会信用代码, 15-digit 注册号 or other legacy number."""
    code = text.strip().upper()
    if len(code) == 18:
        ok = all(c in _ALPHABET for c in code) and uscc_check_char(code[:17]) == code[17]
        return CodeInfo("uscc", code, ok, "" if ok else "统一社会信用代码校验位不正确")
    if len(code) == 15 and code.isdigit():
        ok = bool(mod_11_10.is_valid(code))
        return CodeInfo("regno", code, ok, "" if ok else "注册号校验位不正确")
    return CodeInfo("legacy", code, True, "非标准编号（既不是统一社会信用代码，也不是15位注册号）")
