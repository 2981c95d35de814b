"""Size caps a reader enforces before it trusts anything in a batch file."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Caps on what a batch file may make the reader read, decompress and parse.

    The defaults fit a city-sized registry snapshot (500,000 targets) with room to
    spare; a caller may tighten them (tests do) or loosen them for a known source.

    Attributes:
        max_file_bytes: The batch file itself, checked before it is read at all.
        max_members: Number of zip members, including manifest and signature.
        max_member_bytes: Uncompressed size of any one member.
        max_total_bytes: Uncompressed size of all members together.
        max_manifest_bytes: ``manifest.json`` (read before the signature is checked).
        max_signature_bytes: ``manifest.sig``.
        max_compression_ratio: Uncompressed / compressed size of a member, above
            ``ratio_exempt_bytes``; honest JSON Lines compress about 5–20 times.
        ratio_exempt_bytes: Members up to this size are not held to the ratio.
        max_items: JSON Lines objects in one member.
        max_line_bytes: Length of one JSON Lines line.
    """

    max_file_bytes: int = 256 * MiB
    max_members: int = 64
    max_member_bytes: int = 512 * MiB
    max_total_bytes: int = 1024 * MiB
    max_manifest_bytes: int = 1 * MiB
    max_signature_bytes: int = 4096
    max_compression_ratio: int = 200
    ratio_exempt_bytes: int = 1 * MiB
    max_items: int = 2_000_000
    max_line_bytes: int = 4 * MiB


DEFAULT_LIMITS = Limits()
