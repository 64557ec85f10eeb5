"""Signature checks: golden vectors verify on raw bytes; every tampering is rejected with SignatureError."""

from __future__ import annotations

import re
from collections.abc import Mapping

from siu_contract.checks import ContractViolation
from siu_contract.manifest import SignedSample
from siu_contract.target import ChannelUnderTest
from siu_core.errors import SignatureError

ESCAPED_UNICODE = re.compile(rb"\\u[0-9a-fA-F]{4}")


def _accepted(t: ChannelUnderTest, body: bytes, headers: Mapping[str, str], secrets: Mapping[str, str]) -> bool:
    """True when the channel accepts; False for SignatureError or a non-True answer; anything else is a bug."""
    try:
        t.channel.verify_signature(body, headers, secrets, request=t.request(body, headers))
    except SignatureError:
        return False
    except Exception as exc:
        raise ContractViolation(
            f"verify_signature raised {type(exc).__name__}: {exc}; it must return True or raise SignatureError"
        ) from exc
    return True


def _without(headers: Mapping[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() != name.lower()}


def check_valid(t: ChannelUnderTest, sample: SignedSample) -> None:
    """A body signed by the platform verifies exactly as shipped (raw bytes, not re-serialized JSON)."""
    body = t.fixtures.read_bytes(sample.body)
    if not _accepted(t, body, sample.headers, t.secrets):
        raise ContractViolation(f"the golden vector {sample.body} was rejected; it must verify")


def tampered_bodies(body: bytes) -> list[tuple[int, bytes]]:
    """The body with one byte flipped at its start, middle and end (a truncating verifier misses the end)."""
    positions = sorted({0, len(body) // 2, len(body) - 1}) if body else []
    out = []
    for pos in positions:
        flipped = bytearray(body)
        flipped[pos] ^= 0x01
        out.append((pos, bytes(flipped)))
    return out


def check_tampered(t: ChannelUnderTest, sample: SignedSample) -> None:
    """Changing any single byte of a signed body must make it fail."""
    body = t.fixtures.read_bytes(sample.body)
    if not body:
        raise ContractViolation(f"{sample.body} is empty: a golden vector needs a body to tamper with")
    for pos, tampered in tampered_bodies(body):
        if _accepted(t, tampered, sample.headers, t.secrets):
            raise ContractViolation(f"{sample.body} with byte {pos} flipped was accepted")


def check_wrong_secret(t: ChannelUnderTest, sample: SignedSample) -> None:
    """Each signing secret is really used: replacing it makes the golden vector fail."""
    fields = t.channel.info.signing_secret_fields
    if not fields:
        raise ContractViolation(
            "channel_info().signing_secret_fields is empty: name the secret(s) that sign webhooks, "
            "or skip 'signature.wrong_secret' with a reason"
        )
    body = t.fixtures.read_bytes(sample.body)
    for field in fields:
        secrets = t.secrets
        secrets[field] = (secrets.get(field) or "") + "-wrong"
        if _accepted(t, body, sample.headers, secrets):
            raise ContractViolation(f"{sample.body} verified with a wrong {field!r}")


def check_missing_header(t: ChannelUnderTest, sample: SignedSample) -> None:
    """Without the signature header (or with it empty) nothing verifies."""
    body = t.fixtures.read_bytes(sample.body)
    header = t.manifest.signature.header
    stripped = _without(sample.headers, header)
    if len(stripped) == len(sample.headers):
        raise ContractViolation(f"the golden vector {sample.body} has no {header!r} header to remove")
    if _accepted(t, body, stripped, t.secrets):
        raise ContractViolation(f"{sample.body} verified without the {header!r} header")
    if _accepted(t, body, {**stripped, header: ""}, t.secrets):
        raise ContractViolation(f"{sample.body} verified with an empty {header!r} header")


def check_invalid(t: ChannelUnderTest, sample: SignedSample) -> None:
    """A shipped bad signature (e.g. ``sha1=`` only) is rejected."""
    body = t.fixtures.read_bytes(sample.body)
    if _accepted(t, body, sample.headers, t.secrets):
        why = f" ({sample.why})" if sample.why else ""
        raise ContractViolation(f"the invalid sample {sample.body}{why} was accepted")


def _unescape(body: bytes) -> bytes:
    """The body with its ``\\uXXXX`` escapes written as UTF-8 (what a re-serializing verifier would hash)."""

    def one(match: re.Match[bytes]) -> bytes:
        char = chr(int(match.group()[2:], 16))
        return char.encode("utf-8", "surrogatepass") if char.isprintable() else match.group()

    return ESCAPED_UNICODE.sub(one, body)


def check_escaped_unicode(t: ChannelUnderTest) -> None:
    """A body with ``\\u00e4``-style escapes verifies as sent, and not once the escapes are decoded."""
    escaped = [s for s in t.manifest.signature.valid if ESCAPED_UNICODE.search(t.fixtures.read_bytes(s.body))]
    if not escaped:
        raise ContractViolation(
            "no golden signature body contains a \\uXXXX escape: add one (Meta escapes non-ASCII text), "
            "or skip 'signature.escaped_unicode' with a reason"
        )
    for sample in escaped:
        body = t.fixtures.read_bytes(sample.body)
        if not _accepted(t, body, sample.headers, t.secrets):
            raise ContractViolation(f"{sample.body} (with \\uXXXX escapes) was rejected")
        decoded = _unescape(body)
        if decoded != body and _accepted(t, decoded, sample.headers, t.secrets):
            raise ContractViolation(
                f"{sample.body} still verified after its \\uXXXX escapes were decoded: "
                "the signature must be computed on the raw bytes"
            )
