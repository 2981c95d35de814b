"""The cached pinyin initials equal pypinyin's own conversion of the whole text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.io import load_table
from app.services.pinyin import initials, initials_reference
from tests.unit.io.conftest import SHARED_DATA

# Characters whose reading depends on the word around them (行 银行/行业, 长 长江/长大, 重 重庆/重量 …),
# mixed with ASCII, digits, full-width forms and punctuation.
_ALPHABET = (
    "行长重还乐调藏都和曾朝单厦参会广种省系处传银业江大庆量安吉杭州市场监督管理局有限公司（）()·-AbZ09０Ａ 〇"
)


def test_examples() -> None:
    assert initials("市场监督管理局") == "scjdglj"
    assert initials("中国银行杭州分行") == initials_reference("中国银行杭州分行")
    assert initials("ABC便利店123") == "abcbld123"
    assert initials("") == ""


def test_real_names_match_reference() -> None:
    names = ["重庆长江银行行长", "长大的重量", "单县单某某", "厦门大厦"]
    if SHARED_DATA is not None:
        for file in ("zhejiang_enterprises_a.xlsx", "zhejiang_enterprises_b.xlsx"):
            table = load_table(SHARED_DATA / "targets" / file)
            names += [str(row.cells[0]) for row in table.iter_rows()]
    mismatches = [name for name in names if initials(name) != initials_reference(name)]
    assert mismatches == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=16))
def test_any_text_matches_reference(text: str) -> None:
    assert initials(text) == initials_reference(text)
