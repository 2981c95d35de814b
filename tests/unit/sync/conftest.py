"""Two installations (office and laptop) holding copies of the same drawn county, trusting each other;
and an office with a field laptop whose database starts empty (task packages)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.db import open_database
from app.services.context import ServiceContext
from app.services.settings import set_setting
from app.services.sync import my_key_card, trust_key_card
from tests import dbs
from tests.unit.results.conftest import drawn_template  # noqa: F401 - session fixture
from tests.unit.results.helpers import Drawn


@dataclass
class Pair:
    office: ServiceContext
    laptop: ServiceContext
    drawn: Drawn
    office_url: str
    laptop_url: str
    folder: Path
    template_url: str


def make_installation(source: str, folder: Path, name: str, *, office: str) -> ServiceContext:
    """A copy of the database ``source`` (no connection may be open to it) as one installation."""
    target = dbs.copy_url(source, folder, name)
    ctx = ServiceContext(db=open_database(target), operator="同步员")
    with ctx.write() as session:
        set_setting(session, "installation.id", str(uuid.uuid4()))
        set_setting(session, "sync.office", office)
    return ctx


def trust_each_other(a: ServiceContext, b: ServiceContext) -> None:
    card_a = my_key_card(a)
    card_b = my_key_card(b)
    trust_key_card(a, card_b.card_json, fingerprint=card_b.fingerprint)
    trust_key_card(b, card_a.card_json, fingerprint=card_a.fingerprint)


@pytest.fixture
def pair(
    drawn_template: tuple[str, Drawn],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Pair]:
    monkeypatch.setenv("LIANCHA_DATA_DIR", str(tmp_path / "data"))
    source, drawn = drawn_template
    office = make_installation(source, tmp_path, "office", office="341122")
    laptop = make_installation(source, tmp_path, "laptop", office="341122-lt1")
    trust_each_other(office, laptop)
    folder = tmp_path / "stick"
    folder.mkdir()
    try:
        yield Pair(office, laptop, drawn, office.db.url, laptop.db.url, folder, source)
    finally:
        office.db.dispose()
        laptop.db.dispose()
        dbs.drop(office.db.url)
        dbs.drop(laptop.db.url)


@dataclass
class Field:
    office: ServiceContext
    laptop: ServiceContext
    drawn: Drawn
    office_url: str
    laptop_url: str
    folder: Path


def empty_installation(folder: Path, name: str, *, office: str) -> ServiceContext:
    """A new, empty installation (a field laptop before its first task package)."""
    ctx = ServiceContext(db=open_database(dbs.fresh_url(folder, name)), operator="外业录入员")
    with ctx.write() as session:
        set_setting(session, "installation.id", str(uuid.uuid4()))
        set_setting(session, "sync.office", office)
    return ctx


@pytest.fixture
def field(
    drawn_template: tuple[str, Drawn],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Field]:
    monkeypatch.setenv("LIANCHA_DATA_DIR", str(tmp_path / "data"))
    source, drawn = drawn_template
    office = make_installation(source, tmp_path, "office", office="341122")
    laptop = empty_installation(tmp_path, "laptop", office="341122-lt1")
    trust_each_other(office, laptop)
    folder = tmp_path / "stick"
    folder.mkdir()
    try:
        yield Field(office, laptop, drawn, office.db.url, laptop.db.url, folder)
    finally:
        office.db.dispose()
        laptop.db.dispose()
        dbs.drop(office.db.url)
        dbs.drop(laptop.db.url)
