"""统一社会信用代码, 注册号 and legacy numbers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc
from stdnum.iso7064 import mod_11_10

from app.services.identifiers import (
    USCC_ALPHABET,
    classify_code,
    clean_uscc_entity,
    id_number_is_valid,
    normalize_code,
    org_code_check_char,
    uscc_check_char,
    validate_regno,
    validate_uscc,
)


def make_uscc(prefix10: str, org_body: str = "MA2CX5J6") -> str:
    """Build a valid USCC: 2 authority/category chars + 6-digit region + org code body + both checks."""
    first16 = prefix10[:2] + prefix10[2:8] + org_body
    first17 = first16 + org_code_check_char(org_body)
    return first17 + uscc_check_char(first17)


def make_regno(first14: str) -> str:
    return first14 + mod_11_10.calc_check_digit(first14)


REAL_USCCS = ("913301007161035748", "91330100311348661F", "91330102MA27YU8W73", "91331102074001225X")


@pytest.mark.parametrize("code", REAL_USCCS)
def test_real_codes_from_the_platform_are_valid(code: str) -> None:
    info = validate_uscc(code)
    assert info.valid, info.message
    assert info.kind == "uscc"
    assert info.entity_kind == "企业"
    assert info.message == ""
    assert uscc_check_char(code[:17]) == code[17]


@settings(max_examples=200, deadline=None)
@given(
    region=st.text(alphabet="0123456789", min_size=8, max_size=8),
    body=st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)
def test_check_char_agrees_with_stdnum_for_digit_prefixes(region: str, body: str) -> None:
    first17 = region + body
    assert uscc_check_char(first17) == stdnum_uscc.calc_check_digit(first17)


@pytest.mark.parametrize(
    ("prefix", "authority", "entity_kind"),
    [
        ("N2330106", "农业农村", "其他"),  # 村级集体经济组织
        ("N3330106", "农业农村", "其他"),
        ("Y1330106", "其他", "其他"),
        ("A1110000", "中央军委改革和编制办公室", "其他"),
        ("51330100", "民政", "其他"),  # digits only: stdnum agrees
    ],
)
def test_codes_with_letter_authorities_are_valid_though_stdnum_refuses_them(
    prefix: str, authority: str, entity_kind: str
) -> None:
    code = make_uscc(prefix)
    info = validate_uscc(code)
    assert info.valid, info.message
    assert info.authority == authority
    assert info.entity_kind == entity_kind
    if not prefix.isdigit():
        assert not stdnum_uscc.is_valid(code)  # the bug this module works around
    else:
        assert stdnum_uscc.is_valid(code)


@pytest.mark.parametrize(
    ("prefix", "entity_kind"),
    [("91330106", "企业"), ("92330106", "个体工商户"), ("93330106", "农民专业合作社")],
)
def test_market_entity_kinds(prefix: str, entity_kind: str) -> None:
    assert classify_code(make_uscc(prefix)).entity_kind == entity_kind


def test_wrong_check_char_names_the_expected_one() -> None:
    good = make_uscc("N2330106")
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    info = validate_uscc(wrong)
    assert not info.valid
    assert f"应为“{good[17]}”" in info.message


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_letters_outside_the_alphabet_are_refused(letter: str) -> None:
    code = "9133010071610357" + letter + "8"
    info = validate_uscc(code)
    assert not info.valid
    assert letter in info.message


def test_unknown_authority_and_bad_region_are_refused() -> None:
    first17 = "B1330106MA2CX5J6" + "X"
    assert not validate_uscc(first17 + uscc_check_char(first17)).valid
    first17 = "9133A106MA2CX5J6" + "X"
    info = validate_uscc(first17 + uscc_check_char(first17))
    assert not info.valid
    assert "行政区划" in info.message


def test_wrong_organisation_code_check_is_a_remark_not_a_rejection() -> None:
    first16 = "91330106MA2CX5J6"
    wrong_org = "0" if org_code_check_char("MA2CX5J6") != "0" else "1"
    first17 = first16 + wrong_org
    info = validate_uscc(first17 + uscc_check_char(first17))
    assert info.valid
    assert "组织机构代码" in info.message


def test_wrong_length_uscc() -> None:
    info = validate_uscc("91330100716103574")
    assert not info.valid
    assert "18位" in info.message


def test_check_char_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="17"):
        uscc_check_char("123")
    with pytest.raises(ValueError, match="8"):
        org_code_check_char("12")


def test_regno_valid_and_entity_kind() -> None:
    enterprise = make_regno("33010600001234")
    individual = make_regno("33010660001234")
    assert validate_regno(enterprise).valid
    assert validate_regno(enterprise).entity_kind == "企业"
    assert validate_regno(individual).entity_kind == "个体工商户"
    assert validate_regno("330000000036006").valid  # from the platform's list


def test_regno_bad_check_digit() -> None:
    good = make_regno("33010600001234")
    bad = good[:14] + str((int(good[14]) + 1) % 10)
    info = validate_regno(bad)
    assert not info.valid
    assert info.kind == "regno"
    assert "校验位" in info.message
    assert not validate_regno("33010600001234X").valid


@pytest.mark.parametrize(
    ("text", "kind", "normalized"),
    [
        (" 9133 0100-7161035748 ", "uscc", "913301007161035748"),
        ("９１３３０１００７１６１０３５７４８", "uscc", "913301007161035748"),
        ("91330102ma27yu8w73", "uscc", "91330102MA27YU8W73"),
        ("330000000036006", "regno", "330000000036006"),
        ("3301062015292", "legacy", "3301062015292"),
        ("浙工商企字001号", "legacy", "浙工商企字001号"),
    ],
)
def test_classify_normalises_and_classifies(text: str, kind: str, normalized: str) -> None:
    info = classify_code(text)
    assert info.kind == kind
    assert info.normalized == normalized


def test_legacy_numbers_are_not_verifiable() -> None:
    info = classify_code("3301062015292")
    assert not info.valid
    assert "旧编号" in info.message


@pytest.mark.parametrize("placeholder", ["", "  ", "无", "暂无", "-", "——", "/", "N/A"])
def test_placeholders_mean_no_code(placeholder: str) -> None:
    assert normalize_code(placeholder) == ""
    info = classify_code(placeholder)
    assert info.normalized == ""
    assert "未填写" in info.message


_CODE_CHARS = USCC_ALPHABET + "IOSVZa -0"


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from("123456789ANY0B"),
    st.sampled_from(USCC_ALPHABET),
    st.text(alphabet="0123456789A", min_size=6, max_size=6),
    st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8),
    st.booleans(),
    st.booleans(),
)
def test_fast_check_accepts_exactly_the_clean_valid_codes(
    authority: str, category: str, region: str, body: str, good_org: bool, good_check: bool
) -> None:
    """The bulk path's one-pass check agrees with ``classify_code`` on valid and broken codes."""
    first16 = authority + category + region + body
    org = org_code_check_char(body)
    if not good_org:
        org = "1" if org == "0" else "0"
    first17 = first16 + org
    last = uscc_check_char(first17) if set(first17) <= set(USCC_ALPHABET) else "0"
    if not good_check:
        last = USCC_ALPHABET[(USCC_ALPHABET.index(last) + 1) % 31]
    _agrees(first17 + last)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_CODE_CHARS, min_size=15, max_size=19))
def test_fast_check_agrees_on_any_text(text: str) -> None:
    _agrees(text)


def _agrees(code: str) -> None:
    info = classify_code(code)
    clean_and_valid = info.kind == "uscc" and info.valid and not info.message and info.normalized == code
    entity = clean_uscc_entity(code)
    if clean_and_valid:
        assert entity == info.entity_kind
    else:
        assert entity is None


def test_fast_check_examples() -> None:
    good = make_uscc("91330106")
    assert clean_uscc_entity(good) == "企业"
    assert clean_uscc_entity(make_uscc("92330106")) == "个体工商户"
    assert clean_uscc_entity(make_uscc("N2330106")) == "其他"
    assert clean_uscc_entity(good[:17] + ("0" if good[17] != "0" else "1")) is None  # check character
    assert clean_uscc_entity(good.lower()) is None  # not clean: classify_code normalises it
    assert clean_uscc_entity(" " + good) is None
    assert clean_uscc_entity("B" + good[1:]) is None  # no such registration authority
    assert clean_uscc_entity(good[:2] + "A" + good[3:]) is None  # region not six digits


# ------------------------------------------------------------------ 居民身份证号码


def make_id_number(first17: str) -> str:
    """Append the ISO 7064 MOD 11-2 check character."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return first17 + "10X98765432"[total % 11]


@pytest.mark.parametrize(
    "first17",
    [
        "11010519491231002",  # 北京市朝阳区, a county stdnum knows
        "36992119770125209",  # a county code stdnum's table lacks: stdnum raised KeyError('county')
        "33010019800101123",  # a prefecture code (杭州市) with no county part
    ],
)
def test_id_numbers_with_any_county_code_are_checked_without_crashing(first17: str) -> None:
    number = make_id_number(first17)
    assert id_number_is_valid(number)
    assert id_number_is_valid(number.lower())


@pytest.mark.parametrize(
    ("number", "why"),
    [
        (make_id_number("99010519491231002"), "no such province"),
        (make_id_number("11010519490231002"), "31 February"),
        (make_id_number("11010521000101002"), "born in the future"),
        (make_id_number("1101051949123100")[:-1], "17 characters"),
        ("11010519491231002" + "0", "wrong check character"),
        ("1101051949123100X" + "1", "letter inside the digits"),
    ],
)
def test_bad_id_numbers_are_refused(number: str, why: str) -> None:
    assert not id_number_is_valid(number), why
