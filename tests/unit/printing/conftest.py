"""Shared helpers for the printing tests: build a PDF once, read its text and resources."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pypdf
import pytest

from app.printing import BuildResult, Document, build_pdf


@dataclass(frozen=True)
class BuiltPdf:
    """A PDF built in memory, with its text per page."""

    data: bytes
    result: BuildResult
    pages: tuple[str, ...]

    @property
    def reader(self) -> pypdf.PdfReader:
        return pypdf.PdfReader(io.BytesIO(self.data))

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    def flat(self, page: int | None = None) -> str:
        """Text with line breaks and spaces removed (wrapping splits words anywhere)."""
        source = self.text if page is None else self.pages[page]
        return "".join(source.split())


def build(documents: Sequence[Document]) -> BuiltPdf:
    """Build documents into memory and extract each page's text."""
    out = io.BytesIO()
    result = build_pdf(documents, out)
    data = out.getvalue()
    reader = pypdf.PdfReader(io.BytesIO(data))
    return BuiltPdf(data, result, tuple(page.extract_text() for page in reader.pages))


def walk_resources(reader: pypdf.PdfReader) -> Iterator[tuple[int, str, pypdf.generic.DictionaryObject]]:
    """Yield (page index, XObject path, resource dict) for every page and nested form."""

    def visit(
        page: int, path: str, resources: object
    ) -> Iterator[tuple[int, str, pypdf.generic.DictionaryObject]]:
        if resources is None:
            return
        res = resources.get_object()  # type: ignore[attr-defined]
        yield page, path, res
        xobjects = res.get("/XObject")
        if xobjects:
            for name, ref in xobjects.get_object().items():
                yield from visit(page, f"{path}>{name}", ref.get_object().get("/Resources"))

    for index, page in enumerate(reader.pages):
        yield from visit(index, "page", page.get("/Resources"))


@pytest.fixture(scope="session")
def sample_packet() -> BuiltPdf:
    """A team packet of the sample task (dispatch, then notice, checklist, record per target)."""
    from app.printing import team_packet
    from tests.helpers import printing_samples as s

    docs = team_packet(
        s.dispatch(),
        notices=[s.notice(t) for t in s.TARGETS],
        checklists=[s.checklist(t) for t in s.TARGETS],
        records=[s.record(t) for t in s.TARGETS],
    )
    return build(docs)
