"""The two embedded fonts every form uses, registered with reportlab once per process.

WenQuanYi Micro Hei (TrueType outlines, subfont 0 of the .ttc) carries the Chinese text;
it has no ballot boxes (☐ ☑ ☒), which come from DejaVu Sans. Both are embedded as subsets
(``FontFile2``), so forms print the same on a machine with no Chinese font installed.
``UnicodeCIDFont`` is never used: it does not embed the font.
"""

from __future__ import annotations

import logging
import threading

from reportlab.lib import textsplit as rl_textsplit
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import paragraph as rl_paragraph

from app.printing.errors import PrintingError
from app.resources import CJK_FONT_FILE, SYMBOL_FONT_FILE, resource_path

logger = logging.getLogger(__name__)

# Full-width punctuation that must not start a line. reportlab's list (textsplit) is
# Japanese-centred and lacks the Chinese comma, semicolon, colon, closing quotes and
# book-title marks, so a line could begin with "，".
_CANNOT_START_LINE = "，；：！？、。”’》〉」』）】〕…"

CJK_FONT = "LianChaCJK"
SYMBOL_FONT = "LianChaSymbol"

_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register both fonts with reportlab (idempotent, thread-safe, cheap after the first call).

    Raises:
        PrintingError: a font file is missing or unreadable (a broken installation).
    """
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        cjk_path = resource_path(*CJK_FONT_FILE)
        symbol_path = resource_path(*SYMBOL_FONT_FILE)
        try:
            pdfmetrics.registerFont(TTFont(CJK_FONT, str(cjk_path), subfontIndex=0))
            pdfmetrics.registerFont(TTFont(SYMBOL_FONT, str(symbol_path)))
        except (OSError, ValueError) as exc:  # reportlab raises TTFError (a ValueError) on bad files
            raise PrintingError(
                f"无法加载打印字体（{cjk_path.name} / {symbol_path.name}）：{exc}。请重新安装联查。"
            ) from exc
        # The CJK font has no bold or italic face; map <b>/<i> in paragraphs back to it
        # instead of letting reportlab fail looking for "LianChaCJK-Bold".
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(CJK_FONT, bold, italic, CJK_FONT)
                addMapping(SYMBOL_FONT, bold, italic, SYMBOL_FONT)
        _extend_line_break_rules()
        _registered = True
        logger.debug("registered print fonts from %s and %s", cjk_path, symbol_path)


def _extend_line_break_rules() -> None:
    # Both CJK splitters (textsplit.wordSplit for single-style text, paragraph.cjkFragSplit
    # for mixed markup) read these module globals at call time; extending them once per
    # process affects only paragraphs wrapped with wordWrap='CJK'.
    for module in (rl_textsplit, rl_paragraph):
        missing = "".join(c for c in _CANNOT_START_LINE if c not in module.ALL_CANNOT_START)
        module.ALL_CANNOT_START += missing
