"""Handshake checks: the platform's GET verification echoes the challenge only when it should."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from siu_contract.checks import ContractViolation
from siu_contract.manifest import HandshakeCase
from siu_contract.target import ChannelUnderTest
from siu_core.models import HandshakeResponse


def _answer(t: ChannelUnderTest, query: Mapping[str, str], secrets: Mapping[str, str]) -> HandshakeResponse:
    try:
        request = t.request(b"", {}, method="GET", query=urlencode(dict(query)))
        return t.channel.handshake(dict(query), secrets, t.settings, request=request)
    except Exception as exc:
        raise ContractViolation(
            f"handshake raised {type(exc).__name__}: {exc}; it must answer every query with a status"
        ) from exc


def check_valid(t: ChannelUnderTest) -> None:
    """The right query is answered 200 with the challenge echoed byte for byte (nothing added, nothing lost)."""
    spec = t.manifest.handshake
    assert spec.valid is not None and spec.challenge is not None
    resp = _answer(t, spec.valid.query, t.secrets)
    if resp.status != 200:
        raise ContractViolation(f"the valid handshake was answered {resp.status}, expected 200")
    if resp.body.encode("utf-8") != spec.challenge.encode("utf-8"):
        raise ContractViolation(
            f"the valid handshake must echo the challenge byte for byte: got {resp.body!r}, "
            f"expected {spec.challenge!r}"
        )


def check_refused(t: ChannelUnderTest, case: HandshakeCase) -> None:
    """A query the platform would not send (wrong token, wrong mode...) must never be answered 200."""
    resp = _answer(t, case.query, t.secrets)
    if resp.status == 200:
        why = f" ({case.why})" if case.why else ""
        raise ContractViolation(f"a query that must be refused{why} was answered 200: {case.query!r}")


def check_wrong_secret(t: ChannelUnderTest) -> None:
    """The valid query is refused once its token or the configured secrets differ (the token is compared)."""
    spec = t.manifest.handshake
    assert spec.valid is not None
    wrong_secrets = {k: v + "-wrong" for k, v in t.secrets.items()}
    if _answer(t, spec.valid.query, wrong_secrets).status == 200:
        raise ContractViolation("the valid query was answered 200 although every configured secret differs")
    secret_values = set(t.secrets.values())
    for key, value in spec.valid.query.items():
        if value in secret_values:
            query = {**spec.valid.query, key: value + "-wrong"}
            if _answer(t, query, t.secrets).status == 200:
                raise ContractViolation(f"the valid query with a wrong {key!r} was answered 200")


def check_empty(t: ChannelUnderTest) -> None:
    """A GET with no query at all is refused (a crawler, not the platform)."""
    resp = _answer(t, {}, t.secrets)
    if resp.status == 200:
        raise ContractViolation("a handshake with an empty query was answered 200")


def check_unsupported(t: ChannelUnderTest) -> None:
    """A channel without a handshake says so with 405 for any query, instead of pretending."""
    spec = t.manifest.handshake
    queries: list[dict[str, str]] = [{}]
    if spec.valid is not None:
        queries.append(dict(spec.valid.query))
    for query in queries:
        resp = _answer(t, query, t.secrets)
        if resp.status != 405:
            raise ContractViolation(
                f"the manifest declares the handshake unsupported ({spec.unsupported}), "
                f"but the hook answered {resp.status} instead of 405 for {query!r}"
            )
