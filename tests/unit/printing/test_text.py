"""Line breaking of plain Chinese cell text (TextBlock)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.pdfbase.pdfmetrics import stringWidth

from app.printing.fonts import CJK_FONT, register_fonts
from app.printing.styles import CELL
from app.printing.text import CANNOT_END, CANNOT_START, TextBlock, break_lines, text_cell

register_fonts()

_CHARS = "检查食品经营许可证是否合法有效营业执照名称管理法定代表人ABCxyz0123 ，。、；：（）《》“”"


def _width(line: str) -> float:
    return stringWidth(line, CJK_FONT, 9)


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=_CHARS, max_size=300), width=st.floats(min_value=40, max_value=400))
def test_lines_fit_keep_every_character_and_obey_punctuation_rules(text: str, width: float) -> None:
    lines = break_lines(text, font_name=CJK_FONT, size=9, width=width)
    assert "".join("".join(lines).split()) == "".join(text.split())  # nothing lost (blanks aside)
    for index, line in enumerate(lines):
        overflow = _width(line) - width
        # Only hanging closing marks may stick out.
        if overflow > 0.01:
            body = line.rstrip("".join(CANNOT_START))
            assert body != line and _width(body) <= width + 0.01, (line, width)
        if index and line:
            assert line[0] not in CANNOT_START, (lines[index - 1], line, width)
        if line and len(line) > 1 and index < len(lines) - 1 and line[-1] in CANNOT_END:
            # Allowed only when the opening mark could not move down without overflowing the next line.
            assert _width(line[-1] + lines[index + 1]) > width - 0.01, (line, width)


def test_consecutive_closing_marks_hang_together() -> None:
    text = "冷藏柜内发现2批次超过保质期的鲜奶（共6盒），未及时清理。"
    for width in range(40, 240, 3):
        for line in break_lines(text, font_name=CJK_FONT, size=9, width=width)[1:]:
            assert line[0] not in "，）。", (width, line)


def test_chinese_comma_never_starts_a_line() -> None:
    text = (
        "通过对企业营业执照、最新章程、股东、员工名册、所查年度财务资料、网站信息等资料，与企业年报信息进行逐一比对，"
        * 5
    )
    for width in range(60, 300, 7):
        for line in break_lines(text, font_name=CJK_FONT, size=9, width=width)[1:]:
            assert line[0] not in "，、。；", (width, line)


def test_latin_words_and_numbers_stay_whole_when_they_fit() -> None:
    lines = break_lines("执法证号 46010020170031 与 ABCDEFG", font_name=CJK_FONT, size=9, width=80)
    assert any("46010020170031" in line for line in lines)
    long = break_lines("X" * 200, font_name=CJK_FONT, size=9, width=50)
    assert len(long) > 3 and all(_width(line) <= 50.01 for line in long)


def test_forced_breaks_and_blank_text() -> None:
    assert break_lines("第一行\n第二行", font_name=CJK_FONT, size=9, width=200) == ["第一行", "第二行"]
    assert break_lines("", font_name=CJK_FONT, size=9, width=200) == [""]


def test_text_block_splits_between_lines() -> None:
    block = TextBlock("检查食品的质量状况及台帐情况。" * 20, CELL)
    _w, height = block.wrap(100, 10_000)
    lines = round(height / CELL.leading)
    parts = block.split(100, CELL.leading * 3.5)
    assert len(parts) == 2
    assert parts[0].wrap(100, 10_000)[1] == CELL.leading * 3
    assert round(parts[1].wrap(100, 10_000)[1] / CELL.leading) == lines - 3
    assert block.split(100, CELL.leading * 0.5) == []


def test_text_the_font_lacks_goes_to_a_paragraph() -> None:
    assert isinstance(text_cell("普通文字", CELL), TextBlock)
    assert not isinstance(text_cell("☐ 方框", CELL), TextBlock)


def test_full_width_spaces_are_kept() -> None:
    assert break_lines("\u3000\u3000缩进两格  两个  空格", font_name=CJK_FONT, size=9, width=400) == [
        "\u3000\u3000缩进两格 两个 空格"
    ]
