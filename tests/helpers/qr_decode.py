"""A minimal QR decoder for tests: reads back what a printed form's QR code says.

It rebuilds the module grid from the filled rectangles of the PDF's QR form XObject and
decodes it following ISO/IEC 18004 (format information, unmasking, zig-zag placement,
block de-interleaving, numeric/alphanumeric/byte segments). No error correction: the
input is a perfect grid straight from the PDF. Supports versions 1-10 at level M, which
covers every payload LianCha prints; anything else raises ``ValueError``.
"""

from __future__ import annotations

import re

_RECT = re.compile(rb"(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re")

# Alignment-pattern centres per version (1-based index).
_ALIGNMENT = {
    1: (),
    2: (6, 18),
    3: (6, 22),
    4: (6, 26),
    5: (6, 30),
    6: (6, 34),
    7: (6, 22, 38),
    8: (6, 24, 42),
    9: (6, 26, 46),
    10: (6, 28, 50),
}
# Level M error-correction blocks per version: (count, total codewords, data codewords)…
_BLOCKS_M = {
    1: ((1, 26, 16),),
    2: ((1, 44, 28),),
    3: ((1, 70, 44),),
    4: ((2, 50, 32),),
    5: ((2, 67, 43),),
    6: ((4, 43, 27),),
    7: ((4, 49, 31),),
    8: ((2, 60, 38), (2, 61, 39)),
    9: ((3, 58, 36), (2, 59, 37)),
    10: ((4, 69, 43), (1, 70, 44)),
}
_MASKS = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
)
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def matrix_from_pdf_stream(stream: bytes) -> list[list[bool]]:
    """Rebuild the module grid from a content stream of filled rectangles (one per dark run)."""
    rects = [tuple(float(v) for v in m.groups()) for m in _RECT.finditer(stream)]
    if not rects:
        raise ValueError("no rectangles in stream")
    module = min(h for _x, _y, _w, h in rects)
    left = min(x for x, _y, _w, _h in rects)
    top = max(y + h for _x, y, _w, h in rects)
    right = max(x + w for x, _y, w, _h in rects)
    count = round((right - left) / module)
    grid = [[False] * count for _ in range(count)]
    for x, y, w, h in rects:
        row = round((top - (y + h)) / module)
        start = round((x - left) / module)
        for c in range(start, start + round(w / module)):
            grid[row][c] = True
    return grid


def _function_modules(size: int, version: int) -> list[list[bool]]:
    used = [[False] * size for _ in range(size)]

    def mark(r0: int, c0: int, r1: int, c1: int) -> None:
        for r in range(max(r0, 0), min(r1, size)):
            for c in range(max(c0, 0), min(c1, size)):
                used[r][c] = True

    mark(0, 0, 9, 9)  # finder, separator, format information
    mark(0, size - 8, 9, size)
    mark(size - 8, 0, size, 9)
    mark(6, 0, 7, size)  # timing patterns
    mark(0, 6, size, 7)
    centres = _ALIGNMENT[version]
    for r in centres:
        for c in centres:
            if (r < 9 and c < 9) or (r < 9 and c > size - 10) or (r > size - 10 and c < 9):
                continue
            mark(r - 2, c - 2, r + 3, c + 3)
    if version >= 7:
        mark(0, size - 11, 6, size - 8)
        mark(size - 11, 0, size - 8, 6)
    return used


def _format(grid: list[list[bool]]) -> tuple[int, int]:
    # Format bits 0-14 along column 8 from the top, skipping the timing row.
    rows = [0, 1, 2, 3, 4, 5, 7, 8]
    size = len(grid)
    bits = 0
    for i in range(15):
        r = rows[i] if i < 8 else size - 15 + i
        if grid[r][8]:
            bits |= 1 << i
    info = (bits ^ 0x5412) >> 10
    return info >> 3, info & 7  # error-correction indicator, mask


def decode(grid: list[list[bool]]) -> str:
    """Decode a module grid (no quiet zone) into its text (UTF-8 byte segments)."""
    size = len(grid)
    version = (size - 17) // 4
    if version not in _BLOCKS_M or size != 17 + 4 * version:
        raise ValueError(f"unsupported size {size}")
    level, mask = _format(grid)
    if level != 0:  # 00 = M
        raise ValueError(f"unsupported error-correction level {level}")
    used = _function_modules(size, version)
    bits: list[int] = []
    upward = True
    col = size - 1
    while col > 0:
        if col == 6:
            col -= 1
        rows = range(size - 1, -1, -1) if upward else range(size)
        for r in rows:
            for c in (col, col - 1):
                if not used[r][c]:
                    bits.append(int(grid[r][c] ^ _MASKS[mask](r, c)))
        upward = not upward
        col -= 2
    codewords = [int("".join(map(str, bits[i : i + 8])), 2) for i in range(0, len(bits) - 7, 8)]
    blocks = [data for count, _total, data in _BLOCKS_M[version] for _ in range(count)]
    data_blocks: list[list[int]] = [[] for _ in blocks]
    index = 0
    for k in range(max(blocks)):
        for b, length in enumerate(blocks):
            if k < length:
                data_blocks[b].append(codewords[index])
                index += 1
    stream = "".join(f"{byte:08b}" for block in data_blocks for byte in block)
    return _segments(stream, version)


def _segments(stream: str, version: int) -> str:
    pos = 0

    def take(n: int) -> int:
        nonlocal pos
        value = int(stream[pos : pos + n], 2)
        pos += n
        return value

    raw = bytearray()
    while pos + 4 <= len(stream):
        mode = take(4)
        if mode == 0:
            break
        if mode == 0b0100:
            for _ in range(take(8 if version < 10 else 16)):
                raw.append(take(8))
        elif mode == 0b0010:
            count = take(9 if version < 10 else 11)
            for _ in range(count // 2):
                pair = take(11)
                raw += (_ALNUM[pair // 45] + _ALNUM[pair % 45]).encode()
            if count % 2:
                raw += _ALNUM[take(6)].encode()
        elif mode == 0b0001:
            count = take(10 if version < 10 else 12)
            while count >= 3:
                raw += f"{take(10):03d}".encode()
                count -= 3
            if count == 2:
                raw += f"{take(7):02d}".encode()
            elif count == 1:
                raw += f"{take(4):01d}".encode()
        else:
            raise ValueError(f"unsupported mode {mode:04b}")
    return raw.decode("utf-8")
