"""Fonts: embedded TrueType subsets only, so forms print on a machine with no Chinese font."""

from __future__ import annotations

from reportlab.pdfbase import pdfmetrics

from app.printing.fonts import CJK_FONT, SYMBOL_FONT, register_fonts
from app.resources import CJK_FONT_FILE, SYMBOL_FONT_FILE, resource_path
from tests.unit.printing.conftest import BuiltPdf, walk_resources


def test_every_font_is_an_embedded_truetype_subset(sample_packet: BuiltPdf) -> None:
    seen: set[str] = set()
    for page, path, resources in walk_resources(sample_packet.reader):
        fonts = resources.get("/Font")
        if not fonts:
            continue
        for name, ref in fonts.get_object().items():
            font = ref.get_object()
            base = str(font["/BaseFont"])
            where = f"page {page + 1} {path} {name} {base}"
            assert font["/Subtype"] == "/TrueType", where  # no Type1 (Helvetica …) and no CID font
            descriptor = font["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, where
            assert len(descriptor["/FontFile2"].get_object().get_data()) > 1000, where
            assert "+" in base, where  # a subset tag: the glyphs used are inside the PDF
            seen.add(base.split("+", 1)[1])
    assert seen == {"WenQuanYiMicroHei-0", "DejaVuSans"}


def test_fonts_come_from_the_shipped_files() -> None:
    register_fonts()
    register_fonts()  # idempotent
    assert pdfmetrics.getFont(CJK_FONT).face.filename == str(resource_path(*CJK_FONT_FILE))
    assert pdfmetrics.getFont(SYMBOL_FONT).face.filename == str(resource_path(*SYMBOL_FONT_FILE))


def test_ballot_boxes_come_from_the_symbol_font() -> None:
    register_fonts()
    cjk = pdfmetrics.getFont(CJK_FONT).face.charToGlyph
    symbol = pdfmetrics.getFont(SYMBOL_FONT).face.charToGlyph
    for box in "☐☑":
        assert ord(box) not in cjk  # why the second font exists
        assert ord(box) in symbol


def test_check_boxes_survive_into_the_text(sample_packet: BuiltPdf) -> None:
    text = sample_packet.text
    assert "☐未发现问题" in sample_packet.flat()
    assert text.count("☐") > 100
