"""Identifiers of market entities: 统一社会信用代码 (GB 32100-2015), 注册号 and older numbers.

``python-stdnum``'s ``stdnum.cn.uscc`` checks the check character correctly but
rejects every code whose first eight characters are not all digits. GB 32100
allows letters in position 1 (registration authority: ``A`` 中央军委改革和编制办公室,
``N`` 农业农村, ``Y`` 其他) and position 2 (entity category), so codes of rural
collective economic organisations (``N2…``) and of "other" registrations
(``Y1…``) are valid but refused by stdnum. This module implements the standard
itself and keeps stdnum only as a cross-check in the tests; the 15-digit 注册号
(GS15-2006) uses ISO 7064 MOD 11,10 from ``stdnum.iso7064.mod_11_10``.
"""

from __future__ import annotations

import datetime as dt
import logging
import operator
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from stdnum.iso7064 import mod_11_2, mod_11_10

logger = logging.getLogger(__name__)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters GB 32100 allows (no I, O, S, V, Z); a character's index is its value."""

_USCC_VALUE = {char: index for index, char in enumerate(USCC_ALPHABET)}
_USCC_CHARS = frozenset(USCC_ALPHABET)
_ORG_CODE_VALUE = {char: int(char) for char in "0123456789"} | {
    chr(code): code - 55 for code in range(65, 91)
}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# For :func:`clean_uscc_entity`: one table per position, character → value × weight, so a code's
# weighted sum is one dict lookup per character.
_USCC_TERMS = tuple({char: value * weight for char, value in _USCC_VALUE.items()} for weight in _USCC_WEIGHTS)
_ORG_CODE_TERMS = tuple(
    {char: value * weight for char, value in _ORG_CODE_VALUE.items()} for weight in _ORG_CODE_WEIGHTS
)
_ORG_CHECK_BY_REMAINDER = tuple({10: "X", 11: "0"}.get(11 - r, str(11 - r)) for r in range(11))

REGISTRATION_AUTHORITIES: dict[str, str] = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "市场监管（工商）",
    "A": "中央军委改革和编制办公室",
    "N": "农业农村",
    "Y": "其他",
}
"""Position 1 of a USCC: the registration authority (登记管理部门代码)."""

EntityKind = Literal["企业", "个体工商户", "农民专业合作社", "其他"]
CodeKind = Literal["uscc", "regno", "legacy"]

# Position 2 under authority 9 tells the kind of market entity; every other
# authority registers organisations that are neither enterprises nor 个体户.
_MARKET_ENTITY_CATEGORIES: dict[str, EntityKind] = {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}

# Strings operators type into a code cell to mean "there is none".
_PLACEHOLDERS = frozenset(
    {"", "无", "暂无", "没有", "空", "NULL", "NONE", "N/A", "NA", "/", "-", "--", "—", "——"}
)
_STRIP_RE = re.compile(r"[\s\-_·.]")


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """What an identifier turned out to be.

    Attributes:
        kind: ``uscc`` (18 characters), ``regno`` (15-digit 注册号) or ``legacy``
            (anything else that is not empty: older numbers that cannot be checked).
        normalized: the code with spaces, separators and full-width forms removed, upper case.
        valid: True when the code passes its check (legacy numbers have none: False).
        message: a Chinese sentence for the operator; empty when the code is valid and unremarkable.
        entity_kind: 企业 / 个体工商户 / 农民专业合作社 / 其他 when the code tells it, else None.
        authority: the registration authority named by a USCC's first character, else None.
    """

    kind: CodeKind
    normalized: str
    valid: bool
    message: str = ""
    entity_kind: EntityKind | None = None
    authority: str | None = None


def normalize_code(text: str) -> str:
    """Return ``text`` as a bare identifier: NFKC, no spaces or separators, upper case.

    Args:
        text: what the cell held, e.g. ``" ９１３３ 0100-7161035748 "``.

    Returns:
        The compacted code, e.g. ``"913301007161035748"``; ``""`` for placeholders such as 无 or ``-``.
    """
    compact = _STRIP_RE.sub("", unicodedata.normalize("NFKC", text)).upper()
    if compact in _PLACEHOLDERS or text.strip() in _PLACEHOLDERS:
        return ""
    return compact


def uscc_check_char(first17: str) -> str:
    """Compute the 18th character of a USCC from its first 17 (GB 32100-2015, clause 5).

    Args:
        first17: 17 characters of the USCC alphabet.

    Returns:
        The check character.

    Raises:
        ValueError: if ``first17`` is not 17 characters of the alphabet.
    """
    if len(first17) != 17 or not _USCC_CHARS.issuperset(first17):
        raise ValueError(f"需要17位统一社会信用代码字符，收到 {first17!r}")
    total = sum(map(operator.mul, map(_USCC_VALUE.__getitem__, first17), _USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """Compute the 9th character of an organisation code (组织机构代码, GB 11714-1997).

    Positions 9–17 of a USCC are such a code, so its own check character is position 17.

    Args:
        first8: the first eight characters (digits or upper-case letters).

    Returns:
        ``"0"``–``"9"`` or ``"X"``.

    Raises:
        ValueError: if ``first8`` is not eight digits or letters.
    """
    if len(first8) != 8 or not _ORG_CODE_VALUE.keys() >= set(first8):
        raise ValueError(f"需要8位组织机构代码本体，收到 {first8!r}")
    total = sum(map(operator.mul, map(_ORG_CODE_VALUE.__getitem__, first8), _ORG_CODE_WEIGHTS))
    remainder = 11 - total % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def clean_uscc_entity(code: str) -> EntityKind | None:
    """The entity kind of a USCC that passes every check with nothing to remark, else None.

    The fast path of a large import (100,000 codes, nearly all valid and already clean):
    ``code`` must be exactly 18 characters of the alphabet, as typed (no spaces, upper
    case), with a defined registration authority, a six-digit region, the right check
    character and the right organisation-code check character. For anything else it
    returns None and the caller asks :func:`classify_code`, which says what is wrong;
    for a code it accepts, ``classify_code`` gives the same entity kind and no message.
    """
    if len(code) != 18 or not _USCC_CHARS.issuperset(code):
        return None
    if code[0] not in REGISTRATION_AUTHORITIES or not code[2:8].isdigit():
        return None
    # map() stops at the 17 weights: the 18th character is the check character itself.
    if USCC_ALPHABET[-sum(map(operator.getitem, _USCC_TERMS, code)) % 31] != code[17]:
        return None
    if _ORG_CHECK_BY_REMAINDER[sum(map(operator.getitem, _ORG_CODE_TERMS, code[8:16])) % 11] != code[16]:
        return None
    return _MARKET_ENTITY_CATEGORIES.get(code[1], "其他") if code[0] == "9" else "其他"


def validate_uscc(text: str) -> CodeInfo:
    """Check a 统一社会信用代码 against GB 32100-2015.

    The check character (over the 31-character alphabet) decides validity. The
    registration authority must be one the standard defines and positions 3–8 a
    six-digit region code. A wrong check character of the embedded organisation
    code is reported in ``message`` but does not make the code invalid, since the
    standard's own check character is the one the platforms verify.

    Args:
        text: the code as typed; it is normalised first.

    Returns:
        A ``CodeInfo`` of kind ``uscc``.
    """
    return _checked_uscc(normalize_code(text))


def _checked_uscc(code: str) -> CodeInfo:
    if len(code) != 18:
        return CodeInfo("uscc", code, False, f"统一社会信用代码应为18位，实为{len(code)}位")
    if not _USCC_CHARS.issuperset(code):
        bad = sorted(set(code) - _USCC_CHARS)
        return CodeInfo(
            "uscc", code, False, f"统一社会信用代码含有不允许的字符：{''.join(bad)}（不使用 I、O、S、V、Z）"
        )
    authority = REGISTRATION_AUTHORITIES.get(code[0])
    if authority is None:
        return CodeInfo("uscc", code, False, f"统一社会信用代码第1位“{code[0]}”不是登记管理部门代码")
    if not code[2:8].isdigit():
        return CodeInfo("uscc", code, False, "统一社会信用代码第3至8位应为行政区划码（6位数字）")
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return CodeInfo(
            "uscc",
            code,
            False,
            f"统一社会信用代码校验位错误：第18位应为“{expected}”，实为“{code[17]}”，请核对是否录入有误",
            authority=authority,
        )
    entity_kind: EntityKind = _MARKET_ENTITY_CATEGORIES.get(code[1], "其他") if code[0] == "9" else "其他"
    message = ""
    if org_code_check_char(code[8:16]) != code[16]:
        message = "统一社会信用代码校验位正确，但其中的组织机构代码（第9至17位）校验位不符，请核对"
    return CodeInfo("uscc", code, True, message, entity_kind=entity_kind, authority=authority)


def validate_regno(text: str) -> CodeInfo:
    """Check a 15-digit 注册号 (工商注册号, GS15-2006) by ISO 7064 MOD 11,10.

    Position 7 tells the entity: 0–5 enterprises (domestic or foreign-invested),
    6–9 个体工商户.

    Args:
        text: the number as typed; it is normalised first.

    Returns:
        A ``CodeInfo`` of kind ``regno``.
    """
    return _checked_regno(normalize_code(text))


def _checked_regno(code: str) -> CodeInfo:
    if len(code) != 15 or not code.isdigit():
        return CodeInfo("regno", code, False, "注册号应为15位数字")
    entity_kind: EntityKind = "企业" if code[6] in "012345" else "个体工商户"
    if not mod_11_10.is_valid(code):
        return CodeInfo(
            "regno",
            code,
            False,
            "注册号校验位不符（可能是早期编号或录入有误），请核对；如已换发营业执照，请改用统一社会信用代码",
            entity_kind=entity_kind,
        )
    return CodeInfo("regno", code, True, entity_kind=entity_kind)


# Province-level codes of GB/T 2260: the first two digits of every 居民身份证号码.
_PROVINCES = frozenset(
    [
        *("11", "12", "13", "14", "15"),  # 华北
        *("21", "22", "23"),  # 东北
        *("31", "32", "33", "34", "35", "36", "37"),  # 华东
        *("41", "42", "43", "44", "45", "46"),  # 中南
        *("50", "51", "52", "53", "54"),  # 西南
        *("61", "62", "63", "64", "65"),  # 西北
        *("71", "81", "82"),  # 台湾、香港、澳门
    ]
)


def id_number_is_valid(number: str) -> bool:
    """Check an 18-character 居民身份证号码 (GB 11643-1999).

    The province code, the birth date (not in the future) and the ISO 7064 MOD 11-2 check
    character must be right. ``stdnum.cn.ric.is_valid`` also requires positions 1–6 to be a
    county in its own copy of GB/T 2260, and raises ``KeyError`` (not a validation error) when
    they name only a province or prefecture: it stopped the inspector import with a traceback.
    County codes change every year and a person keeps the number first issued, so a county
    missing from a library's table is no reason to doubt a number.

    Args:
        number: the number, already normalised (no spaces; ``x`` or ``X`` as the last character).

    Returns:
        True when the number is well formed.
    """
    number = number.upper()
    if len(number) != 18 or not number[:17].isdigit() or number[:2] not in _PROVINCES:
        return False
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if born.year < 1890 or born > dt.date.today():
        return False
    return bool(mod_11_2.is_valid(number))


def classify_code(text: str) -> CodeInfo:
    """Tell what kind of identifier ``text`` is and whether it checks out.

    18 characters → USCC (strict check); 15 digits → 注册号; any other non-empty
    text → a legacy number that cannot be verified (``valid`` False, with a
    message asking the operator to replace it by the USCC when known).

    Args:
        text: the code as typed.

    Returns:
        The classification; for an empty or placeholder value, a legacy ``CodeInfo``
        with an empty ``normalized`` and a message saying the code is missing.
    """
    code = normalize_code(text)
    if not code:
        return CodeInfo("legacy", "", False, "未填写统一社会信用代码或注册号")
    # Already normalised: checked without normalising again (a large import checks 100,000 codes).
    if len(code) == 18:
        return _checked_uscc(code)
    if len(code) == 15 and code.isdigit():
        return _checked_regno(code)
    return CodeInfo(
        "legacy",
        code,
        False,
        f"“{code}”不是18位统一社会信用代码，也不是15位注册号，按旧编号导入，无法校验；请尽量改用统一社会信用代码",
    )
