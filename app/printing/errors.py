"""Errors raised by the document builders. Messages are Chinese and say what to do."""

from __future__ import annotations


class PrintingError(Exception):
    """A document cannot be printed as asked; the message tells the user why and what to do."""


class AdvanceNoticeForbidden(PrintingError):
    """A notice was asked for a task whose targets must not be told in advance."""


class PrintCancelled(Exception):
    """``is_cancelled()`` returned True between two documents or pages; nothing was written."""


class InvalidPayload(ValueError):
    """A scanned QR text is not a LianCha form code (or of a version this program cannot read)."""
