"""Installation keys, fingerprints and the list of trusted keys.

Every installation (and the platform's gateway) holds one key pair set made at
enrolment:

- an **Ed25519** key that signs every batch and receipt it writes;
- an **X25519** key to which others encrypt classified payloads meant for it.

Serialisation: keys are written as **raw bytes in standard base64** (32 bytes each,
44 characters with padding), the simplest form any language can read. Private keys
go in a small JSON document (:meth:`InstallationKeys.to_json`) that the caller
stores with restrictive permissions; this module does not protect it further.

Fingerprint: lowercase hex SHA-256 over a fixed label and both raw public keys, so
that confirming one fingerprint by phone or paper authenticates both keys:

    SHA-256(b"LianCha installation key v1\\x00" || ed25519_public || x25519_public)

For reading aloud, :func:`format_fingerprint` shows 40 decimal digits in groups of
five (digits are easier than hex letters over a Chinese phone line; 40 digits carry
about 133 bits of the hash, well beyond any feasible forgery).

Trust is local: :class:`TrustedKeys` is what the caller persists (as JSON from
:meth:`TrustedKeys.to_json`); a reader only ever verifies against it, never against
a key carried inside a file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

SIGNATURE_ALGORITHM = "Ed25519"
KEY_AGREEMENT_ALGORITHM = "X25519"
FINGERPRINT_LABEL = b"LianCha installation key v1\x00"
_FINGERPRINT_RE = re.compile(r"^[0-9a-f]{64}$")
_RAW = serialization.Encoding.Raw
_RAW_PUBLIC = serialization.PublicFormat.Raw
_RAW_PRIVATE = serialization.PrivateFormat.Raw
_NO_ENCRYPTION = serialization.NoEncryption()


def b64encode(data: bytes) -> str:
    """Standard base64 with padding, as text."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: object, *, length: int | None = None) -> bytes:
    """Decode standard base64 strictly (no stray characters), optionally of an exact length.

    Args:
        text: The base64 text (anything else is refused).
        length: The required decoded length, if any.

    Returns:
        The decoded bytes.

    Raises:
        ValueError: Not a string, not strict base64, or the wrong length.
    """
    if not isinstance(text, str):
        raise ValueError("base64 value is not a string")
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError(f"invalid base64: {exc}") from None
    if b64encode(data) != text:  # refuse non-canonical padding bits, so one key has one spelling
        raise ValueError("non-canonical base64")
    if length is not None and len(data) != length:
        raise ValueError(f"expected {length} bytes, got {len(data)}")
    return data


def is_fingerprint(value: object) -> bool:
    """True if ``value`` is a fingerprint in its stored form (64 lowercase hex digits)."""
    return isinstance(value, str) and _FINGERPRINT_RE.fullmatch(value) is not None


def key_fingerprint(signing_public: bytes, encryption_public: bytes) -> str:
    """Fingerprint of an installation's two raw public keys (64 lowercase hex digits)."""
    return hashlib.sha256(FINGERPRINT_LABEL + signing_public + encryption_public).hexdigest()


def format_fingerprint(fingerprint: str) -> str:
    """Show a fingerprint for reading aloud: 40 decimal digits in eight groups of five.

    Args:
        fingerprint: The stored form (64 lowercase hex digits).

    Returns:
        For example ``"04719 38265 11870 …"``; both sides compute it from the stored form.

    Raises:
        ValueError: ``fingerprint`` is not in the stored form.
    """
    if not is_fingerprint(fingerprint):
        raise ValueError("not a fingerprint")
    digits = f"{int(fingerprint, 16) % 10**40:040d}"
    return " ".join(digits[i : i + 5] for i in range(0, 40, 5))


@dataclass(frozen=True)
class PublicKeys:
    """An installation's two public keys, as raw 32-byte values.

    Attributes:
        signing: Ed25519 public key (verifies its batches and receipts).
        encryption: X25519 public key (classified payloads are encrypted to it).
    """

    signing: bytes
    encryption: bytes

    def __post_init__(self) -> None:
        # Loading validates the point encoding now rather than at the first verify.
        Ed25519PublicKey.from_public_bytes(self.signing)
        X25519PublicKey.from_public_bytes(self.encryption)

    @property
    def fingerprint(self) -> str:
        """The fingerprint over both keys (see the module docstring)."""
        return key_fingerprint(self.signing, self.encryption)

    def verify(self, signature: bytes, message: bytes) -> bool:
        """Check an Ed25519 signature made by this installation.

        Args:
            signature: The 64-byte signature.
            message: The exact bytes that were signed.

        Returns:
            True if valid.
        """
        try:
            Ed25519PublicKey.from_public_bytes(self.signing).verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def x25519(self) -> X25519PublicKey:
        """The encryption key as a ``cryptography`` object."""
        return X25519PublicKey.from_public_bytes(self.encryption)

    def to_dict(self) -> dict[str, str]:
        """Base64 form for JSON."""
        return {
            "signing_public_key": b64encode(self.signing),
            "encryption_public_key": b64encode(self.encryption),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PublicKeys:
        """Read the form written by :meth:`to_dict`.

        Raises:
            ValueError: Missing or malformed keys.
        """
        try:
            return cls(
                signing=b64decode(data["signing_public_key"], length=32),
                encryption=b64decode(data["encryption_public_key"], length=32),
            )
        except KeyError as exc:
            raise ValueError(f"missing {exc.args[0]}") from None


@dataclass(frozen=True, eq=False)
class InstallationKeys:
    """This installation's private keys. Never leaves the machine except in a backup.

    Attributes:
        signing_key: The Ed25519 private key.
        encryption_key: The X25519 private key.
    """

    signing_key: Ed25519PrivateKey
    encryption_key: X25519PrivateKey

    @classmethod
    def generate(cls) -> InstallationKeys:
        """Make a fresh key set (at enrolment)."""
        return cls(signing_key=Ed25519PrivateKey.generate(), encryption_key=X25519PrivateKey.generate())

    @property
    def public(self) -> PublicKeys:
        """The matching public keys."""
        return PublicKeys(
            signing=self.signing_key.public_key().public_bytes(_RAW, _RAW_PUBLIC),
            encryption=self.encryption_key.public_key().public_bytes(_RAW, _RAW_PUBLIC),
        )

    @property
    def fingerprint(self) -> str:
        """Fingerprint of the public keys."""
        return self.public.fingerprint

    def sign(self, message: bytes) -> bytes:
        """Ed25519 signature over ``message``."""
        return self.signing_key.sign(message)

    def to_json(self) -> str:
        """Serialise the private keys (raw base64 in JSON); the caller must store it protected."""
        return json.dumps(
            {
                "format": "liancha-private-key",
                "format_version": 1,
                "signing_private_key": b64encode(
                    self.signing_key.private_bytes(_RAW, _RAW_PRIVATE, _NO_ENCRYPTION)
                ),
                "encryption_private_key": b64encode(
                    self.encryption_key.private_bytes(_RAW, _RAW_PRIVATE, _NO_ENCRYPTION)
                ),
                "fingerprint": self.fingerprint,
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> InstallationKeys:
        """Read keys written by :meth:`to_json`, checking the stored fingerprint.

        Raises:
            ValueError: Not a private-key document, malformed, or the fingerprint disagrees.
        """
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != "liancha-private-key":
            raise ValueError("not a LianCha private key document")
        if data.get("format_version") != 1:
            raise ValueError("unsupported private key format version")
        keys = cls(
            signing_key=Ed25519PrivateKey.from_private_bytes(
                b64decode(data.get("signing_private_key"), length=32)
            ),
            encryption_key=X25519PrivateKey.from_private_bytes(
                b64decode(data.get("encryption_private_key"), length=32)
            ),
        )
        if data.get("fingerprint") != keys.fingerprint:
            raise ValueError("the stored fingerprint does not match the keys")
        return keys


def format_time(value: datetime) -> str:
    """UTC time as ``YYYY-MM-DDTHH:MM:SSZ`` (the only form the format uses).

    Raises:
        ValueError: ``value`` has no time zone (a naive time would be ambiguous).
    """
    if value.tzinfo is None:
        raise ValueError("time must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: object) -> datetime:
    """Parse the form written by :func:`format_time` (and only that form).

    Raises:
        ValueError: Any other form.
    """
    if not isinstance(value, str):
        raise ValueError("time is not a string")
    parsed = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    if format_time(parsed) != value:  # strptime also takes unpadded fields; one time, one spelling
        raise ValueError(f"time {value!r} is not in the form YYYY-MM-DDTHH:MM:SSZ")
    return parsed


@dataclass(frozen=True)
class KeyCard:
    """What an installation hands over at enrolment: who it is and its public keys.

    The card travels by file; the receiving side reads the fingerprint back to the
    sender over a second channel (phone, paper) before calling :meth:`trust`.

    Attributes:
        name: A human name, e.g. ``"某县市场监管局 数据同步机"``.
        installation_id: The installation's id.
        office: The office code the installation belongs to.
        public: Its public keys.
    """

    name: str
    installation_id: uuid.UUID
    office: str
    public: PublicKeys

    @property
    def fingerprint(self) -> str:
        """Fingerprint of the public keys."""
        return self.public.fingerprint

    def to_json(self) -> str:
        """Serialise for the enrolment file."""
        return json.dumps(
            {
                "format": "liancha-key-card",
                "format_version": 1,
                "name": self.name,
                "installation_id": str(self.installation_id),
                "office": self.office,
                **self.public.to_dict(),
                "fingerprint": self.fingerprint,
            },
            ensure_ascii=False,
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> KeyCard:
        """Read a card; the fingerprint written in it must match its keys.

        Raises:
            ValueError: Not a key card, malformed, or the fingerprint disagrees.
        """
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != "liancha-key-card":
            raise ValueError("not a LianCha key card")
        if data.get("format_version") != 1:
            raise ValueError("unsupported key card format version")
        card = cls(
            name=_text(data.get("name"), "name"),
            installation_id=uuid.UUID(_text(data.get("installation_id"), "installation_id")),
            office=_text(data.get("office"), "office"),
            public=PublicKeys.from_dict(data),
        )
        if data.get("fingerprint") != card.fingerprint:
            raise ValueError("the fingerprint in the card does not match its keys")
        return card

    def trust(self, *, trusted_at: datetime | None = None) -> TrustedKey:
        """Make the trusted-key entry, once the fingerprint has been confirmed by a second channel."""
        return TrustedKey(
            name=self.name,
            installation_id=self.installation_id,
            office=self.office,
            public=self.public,
            trusted_at=trusted_at or datetime.now(UTC),
        )


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string")
    return value


@dataclass(frozen=True)
class TrustedKey:
    """One entry in the local list of trusted keys.

    Attributes:
        name: Who this is, for people.
        installation_id: The installation the key was enrolled for; a batch signed
            with this key must name this installation as its origin.
        office: The office code enrolled with the key; a batch must name it too.
        public: The public keys.
        trusted_at: When the fingerprint was confirmed (timezone-aware).
    """

    name: str
    installation_id: uuid.UUID
    office: str
    public: PublicKeys
    trusted_at: datetime

    @property
    def fingerprint(self) -> str:
        """Fingerprint of the public keys."""
        return self.public.fingerprint

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the fingerprint is written too, and checked on reading)."""
        return {
            "name": self.name,
            "installation_id": str(self.installation_id),
            "office": self.office,
            **self.public.to_dict(),
            "fingerprint": self.fingerprint,
            "trusted_at": format_time(self.trusted_at),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrustedKey:
        """Read the form written by :meth:`to_dict`.

        Raises:
            ValueError: Malformed, or the stored fingerprint does not match the keys.
        """
        key = cls(
            name=_text(data.get("name"), "name"),
            installation_id=uuid.UUID(_text(data.get("installation_id"), "installation_id")),
            office=_text(data.get("office"), "office"),
            public=PublicKeys.from_dict(data),
            trusted_at=parse_time(data.get("trusted_at")),
        )
        if data.get("fingerprint") != key.fingerprint:
            raise ValueError(f"trusted key {key.name!r}: stored fingerprint does not match its keys")
        return key


@dataclass(frozen=True)
class TrustedKeys:
    """The local list of keys whose batches and receipts this installation accepts.

    Immutable: :meth:`with_key` and :meth:`without` return new lists for the caller
    to persist.
    """

    keys: tuple[TrustedKey, ...] = field(default=())

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for key in self.keys:
            if key.fingerprint in seen:
                raise ValueError(f"key {key.fingerprint} listed twice")
            seen.add(key.fingerprint)

    def __iter__(self) -> Iterator[TrustedKey]:
        return iter(self.keys)

    def __len__(self) -> int:
        return len(self.keys)

    def find(self, fingerprint: str) -> TrustedKey | None:
        """The entry with this fingerprint, or ``None``."""
        for key in self.keys:
            if key.fingerprint == fingerprint:
                return key
        return None

    def with_key(self, key: TrustedKey) -> TrustedKeys:
        """A list with ``key`` added (replacing an entry with the same fingerprint)."""
        return TrustedKeys((*(k for k in self.keys if k.fingerprint != key.fingerprint), key))

    def without(self, fingerprint: str) -> TrustedKeys:
        """A list with the entry of this fingerprint removed (revocation)."""
        return TrustedKeys(tuple(k for k in self.keys if k.fingerprint != fingerprint))

    def to_json(self) -> str:
        """Serialise for the caller to persist."""
        return json.dumps(
            {"format": "liancha-trusted-keys", "format_version": 1, "keys": [k.to_dict() for k in self.keys]},
            ensure_ascii=False,
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> TrustedKeys:
        """Read a list written by :meth:`to_json`.

        Raises:
            ValueError: Malformed, or an entry's fingerprint does not match its keys.
        """
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != "liancha-trusted-keys":
            raise ValueError("not a LianCha trusted-keys document")
        if data.get("format_version") != 1:
            raise ValueError("unsupported trusted-keys format version")
        entries = data.get("keys")
        if not isinstance(entries, list):
            raise ValueError("keys must be a list")
        return cls(tuple(TrustedKey.from_dict(entry) for entry in entries))
