"""Keys: generation, serialisation, fingerprints, the trusted list."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from app.io.batch import InstallationKeys, KeyCard, TrustedKeys, format_fingerprint, key_fingerprint
from app.io.batch.keys import b64decode, format_time, parse_time
from tests.unit.batch.helpers import Party


def test_private_keys_round_trip_and_sign(county: Party) -> None:
    text = county.keys.to_json()
    again = InstallationKeys.from_json(text)
    assert again.fingerprint == county.keys.fingerprint
    signature = again.sign(b"hello")
    assert county.keys.public.verify(signature, b"hello")
    assert not county.keys.public.verify(signature, b"hellO")


def test_private_key_document_with_wrong_fingerprint_is_refused(county: Party, platform: Party) -> None:
    data = json.loads(county.keys.to_json())
    data["fingerprint"] = platform.keys.fingerprint
    with pytest.raises(ValueError, match="fingerprint"):
        InstallationKeys.from_json(json.dumps(data))


def test_fingerprint_covers_both_keys(county: Party, platform: Party) -> None:
    mine = county.keys.public
    mixed = key_fingerprint(mine.signing, platform.keys.public.encryption)
    assert mixed != mine.fingerprint
    assert len(mine.fingerprint) == 64
    assert mine.fingerprint == mine.fingerprint.lower()


def test_fingerprint_for_reading_aloud_is_eight_groups_of_five_digits(county: Party) -> None:
    shown = format_fingerprint(county.keys.fingerprint)
    groups = shown.split(" ")
    assert len(groups) == 8
    assert all(len(g) == 5 and g.isdigit() for g in groups)
    assert format_fingerprint("0" * 64) == " ".join(["00000"] * 8)
    with pytest.raises(ValueError):
        format_fingerprint("XYZ")


def test_key_card_round_trip_and_trust(county: Party) -> None:
    card = KeyCard(
        name="某县 同步机", installation_id=county.installation_id, office="341122", public=county.keys.public
    )
    again = KeyCard.from_json(card.to_json())
    assert again == card
    entry = again.trust(trusted_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert entry.fingerprint == county.keys.fingerprint
    assert entry.installation_id == county.installation_id


def test_key_card_with_swapped_key_is_refused(county: Party, platform: Party) -> None:
    data = json.loads(
        KeyCard(name="x", installation_id=uuid.uuid4(), office="1", public=county.keys.public).to_json()
    )
    data["encryption_public_key"] = platform.keys.public.to_dict()["encryption_public_key"]
    with pytest.raises(ValueError, match="fingerprint"):
        KeyCard.from_json(json.dumps(data))


def test_trusted_keys_round_trip_add_remove(county: Party, platform: Party) -> None:
    trusted = TrustedKeys().with_key(county.trusted_key()).with_key(platform.trusted_key())
    assert len(trusted) == 2
    again = TrustedKeys.from_json(trusted.to_json())
    assert again == trusted
    assert again.find(county.keys.fingerprint) == county.trusted_key()
    assert again.without(county.keys.fingerprint).find(county.keys.fingerprint) is None
    assert len(trusted.with_key(county.trusted_key())) == 2  # re-adding replaces


def test_trusted_keys_refuse_an_entry_whose_fingerprint_does_not_match(
    county: Party, platform: Party
) -> None:
    data = json.loads(TrustedKeys((county.trusted_key(),)).to_json())
    data["keys"][0]["signing_public_key"] = platform.keys.public.to_dict()["signing_public_key"]
    with pytest.raises(ValueError, match="fingerprint"):
        TrustedKeys.from_json(json.dumps(data))


def test_trusted_keys_refuse_duplicates(county: Party) -> None:
    with pytest.raises(ValueError, match="twice"):
        TrustedKeys((county.trusted_key(), county.trusted_key()))


@pytest.mark.parametrize("text", ["", "AAAA", "!!!!" * 11, "A" * 42 + "B=", 12])
def test_b64decode_is_strict(text: object) -> None:
    with pytest.raises(ValueError):
        b64decode(text, length=32)


def test_time_has_one_spelling() -> None:
    moment = datetime(2025, 6, 1, 8, 0, 0, tzinfo=UTC)
    assert parse_time(format_time(moment)) == moment
    for bad in [
        "2025-6-1T8:0:0Z",
        "2025-06-01T08:00:00",
        "2025-06-01 08:00:00Z",
        "2025-06-01T08:00:00+00:00",
    ]:
        with pytest.raises(ValueError):
            parse_time(bad)
    with pytest.raises(ValueError):
        format_time(datetime(2025, 6, 1))  # naive
