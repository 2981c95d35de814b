"""Encryption of classified members to the recipient's X25519 key.

Per batch the writer makes one ephemeral X25519 key pair and agrees a shared
secret with the recipient's public key. Per stored member it derives its own key:

    key   = HKDF-SHA256(ikm=shared, salt=batch_id (16 bytes),
                        info=b"LianCha sealed member v1\\x00" || ephemeral_pub || recipient_pub || name)
    aad   = b"LianCha sealed member v1|" || batch_id (text) || b"|" || name
    member bytes = nonce (12 random bytes) || AES-256-GCM(key, nonce, padded plaintext, aad)

Binding the batch id and the stored member name means a sealed member cannot be
moved to another member or into another batch without failing authentication.

The plaintext is framed and padded before encryption so that the stored size does
not give away how many classified items a batch holds:

    padded = b"LCP1" || length (8 bytes, big-endian) || plaintext || zero bytes

to at least 4 KiB and otherwise to the Padmé length (at most ~12 % overhead, and
the size reveals only about log log of the true length).
"""

from __future__ import annotations

import os
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from app.io.batch.keys import InstallationKeys, PublicKeys

NONCE_SIZE = 12
TAG_SIZE = 16
_LABEL = b"LianCha sealed member v1"
_PAD_MAGIC = b"LCP1"
_HEADER_SIZE = len(_PAD_MAGIC) + 8
MIN_PADDED_SIZE = 4096


class SealError(Exception):
    """Decryption or its authentication failed, or the plaintext framing is wrong."""


def padded_size(length: int) -> int:
    """Size of the padded plaintext for ``length`` plain bytes (framing included)."""
    total = length + _HEADER_SIZE
    if total <= MIN_PADDED_SIZE:
        return MIN_PADDED_SIZE
    exponent = total.bit_length() - 1
    last_bits = exponent - exponent.bit_length()
    mask = (1 << last_bits) - 1
    return (total + mask) & ~mask


def _pad(plain: bytes) -> bytes:
    header = _PAD_MAGIC + len(plain).to_bytes(8, "big")
    return header + plain + bytes(padded_size(len(plain)) - _HEADER_SIZE - len(plain))


def _unpad(padded: bytes) -> bytes:
    if len(padded) < _HEADER_SIZE or not padded.startswith(_PAD_MAGIC):
        raise SealError("plaintext framing is missing")
    length = int.from_bytes(padded[len(_PAD_MAGIC) : _HEADER_SIZE], "big")
    end = _HEADER_SIZE + length
    if end > len(padded) or padded_size(length) != len(padded) or padded[end:].count(0) != len(padded) - end:
        raise SealError("plaintext framing is inconsistent")
    return padded[_HEADER_SIZE:end]


def _aad(batch_id: uuid.UUID, name: str) -> bytes:
    return _LABEL + b"|" + str(batch_id).encode("ascii") + b"|" + name.encode("ascii")


def _member_key(
    *, shared: bytes, batch_id: uuid.UUID, ephemeral: bytes, recipient: bytes, name: str
) -> bytes:
    info = _LABEL + b"\x00" + ephemeral + recipient + name.encode("ascii")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=batch_id.bytes, info=info).derive(shared)


class Sealer:
    """Encrypts the members of one batch to one recipient.

    Attributes:
        ephemeral_public_key: The one-time public key to put in the manifest.
        recipient_fingerprint: Fingerprint of the recipient's keys.
    """

    def __init__(self, *, batch_id: uuid.UUID, recipient: PublicKeys) -> None:
        ephemeral = X25519PrivateKey.generate()
        self._batch_id = batch_id
        self._recipient = recipient.encryption
        self.ephemeral_public_key = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.recipient_fingerprint = recipient.fingerprint
        self._shared = ephemeral.exchange(recipient.x25519())

    def seal(self, name: str, plain: bytes) -> bytes:
        """Encrypt one member's plaintext for storage under ``name``."""
        key = _member_key(
            shared=self._shared,
            batch_id=self._batch_id,
            ephemeral=self.ephemeral_public_key,
            recipient=self._recipient,
            name=name,
        )
        nonce = os.urandom(NONCE_SIZE)
        return nonce + AESGCM(key).encrypt(nonce, _pad(plain), _aad(self._batch_id, name))


class Opener:
    """Decrypts the members of one batch with this installation's private key."""

    def __init__(
        self, *, batch_id: uuid.UUID, ephemeral_public_key: bytes, private: InstallationKeys
    ) -> None:
        self._batch_id = batch_id
        self._ephemeral = ephemeral_public_key
        self._recipient = private.public.encryption
        try:
            self._shared = private.encryption_key.exchange(
                X25519PublicKey.from_public_bytes(ephemeral_public_key)
            )
        except ValueError as exc:  # a low-order point gives an all-zero secret, which OpenSSL refuses
            raise SealError(f"key agreement failed: {exc}") from None

    def open(self, name: str, data: bytes) -> bytes:
        """Decrypt and authenticate the member stored under ``name``.

        Raises:
            SealError: Too short, authentication failed, or bad framing.
        """
        if len(data) < NONCE_SIZE + TAG_SIZE:
            raise SealError("sealed member is too short")
        key = _member_key(
            shared=self._shared,
            batch_id=self._batch_id,
            ephemeral=self._ephemeral,
            recipient=self._recipient,
            name=name,
        )
        try:
            padded = AESGCM(key).decrypt(data[:NONCE_SIZE], data[NONCE_SIZE:], _aad(self._batch_id, name))
        except InvalidTag:
            raise SealError("authentication failed") from None
        return _unpad(padded)
