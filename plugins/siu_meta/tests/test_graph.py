"""Shared Meta Graph mechanics: handshake, signatures on raw bytes, timestamps, error mapping."""

from __future__ import annotations

import json

import pytest
from siu_meta import graph

from siu_core.errors import (
    MalformedPayload,
    PermanentSendError,
    RateLimited,
    SignatureError,
    TransientSendError,
    WindowClosed,
)
from siu_core.plugins import Headers

SECRET = "app-secret-for-tests"


def test_handshake_echoes_the_challenge_only_for_the_right_token_and_mode() -> None:
    ok = graph.hub_handshake({"hub.mode": "subscribe", "hub.verify_token": "vt", "hub.challenge": "1158201444"}, "vt")
    assert (ok.status, ok.body) == (200, "1158201444")
    for query in (
        {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "vt", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": "vt"},
    ):
        assert graph.hub_handshake(query, "vt").status == 403
    empty = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    assert graph.hub_handshake(empty, "").status == 403


def test_signature_is_checked_on_raw_bytes_with_escaped_unicode() -> None:
    body = b'{"object":"page","entry":[{"text":"\\u00e4\\u00f6\\u00e5 \\/ \\u003C"}]}'
    headers = Headers({"X-Hub-Signature-256": graph.sign_body(body, SECRET)})
    assert graph.verify_hub_signature(body, headers, SECRET) is True
    reserialized = json.dumps(json.loads(body), ensure_ascii=False).encode()
    with pytest.raises(SignatureError, match="mismatch"):
        graph.verify_hub_signature(reserialized, headers, SECRET)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing"),
        ({"X-Hub-Signature": "sha1=abc"}, "missing"),
        ({"X-Hub-Signature-256": "sha1=" + "0" * 40}, "must start"),
        ({"X-Hub-Signature-256": "sha256=" + "0" * 64}, "mismatch"),
        ({"X-Hub-Signature-256": "sha256=short"}, "mismatch"),
    ],
)
def test_bad_signatures_say_why(headers: dict[str, str], reason: str) -> None:
    with pytest.raises(SignatureError, match=reason):
        graph.verify_hub_signature(b"{}", Headers(headers), SECRET)


def test_tampered_byte_and_wrong_secret_fail() -> None:
    body = b'{"object":"page","entry":[]}'
    sig = graph.sign_body(body, SECRET)
    with pytest.raises(SignatureError):
        graph.verify_hub_signature(body.replace(b"page", b"pagf"), Headers({"x-hub-signature-256": sig}), SECRET)
    with pytest.raises(SignatureError):
        graph.verify_hub_signature(body, Headers({"x-hub-signature-256": sig}), "other-secret")
    with pytest.raises(SignatureError, match="no app secret"):
        graph.verify_hub_signature(body, Headers({"x-hub-signature-256": sig}), "")


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"object":"page"}', b'{"object":"x","entry":[]}',
                                  b"\xff\xfe", b'{"object":"page","entry":{}}', b"[" * 100000])
def test_load_json_body_rejects_with_a_typed_error(body: bytes) -> None:
    with pytest.raises(MalformedPayload):
        graph.load_json_body(body, "page")


def test_load_json_body_rejects_oversized_bodies() -> None:
    with pytest.raises(MalformedPayload, match="exceeds"):
        graph.load_json_body(b" " * (graph.MAX_BODY_BYTES + 1), "page")


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        (1458692752478, "2016-03-23T00:25:52.478000+00:00"),
        ("1749416383", "2025-06-08T20:59:43+00:00"),
        (1520622968, "2018-03-09T19:16:08+00:00"),
        ("1527459824", "2018-05-27T22:23:44+00:00"),
    ],
)
def test_timestamps_by_magnitude(value: object, iso: str) -> None:
    ts = graph.parse_timestamp(value)
    assert ts is not None and ts.isoformat() == iso


@pytest.mark.parametrize("value", [None, "abc", True, -5, float("nan"), [], {}, 1e30, 10**400, "1e400"])
def test_unreadable_timestamps_are_none(value: object) -> None:
    assert graph.parse_timestamp(value) is None


POLICY = graph.GraphErrorPolicy(window_closed=frozenset({(10, 2018278), (131047, None)}),
                                window_closed_allowed=("template",), permanent=frozenset({551}))


@pytest.mark.parametrize(
    ("status", "payload", "expected"),
    [
        (400, {"error": {"code": 10, "error_subcode": 2018278, "message": "outside window"}}, WindowClosed),
        (400, {"error": {"code": 131047, "message": "Re-engagement"}}, WindowClosed),
        (400, {"error": {"code": 10, "error_subcode": 1, "message": "permission"}}, PermanentSendError),
        (400, {"error": {"code": 4, "message": "too many"}}, RateLimited),
        (400, {"error": {"code": 613, "message": "rate"}}, RateLimited),
        (400, {"error": {"code": "80007", "message": "rate"}}, RateLimited),
        (429, None, RateLimited),
        (400, {"error": {"code": 551, "message": "unavailable"}}, PermanentSendError),
        (400, {"error": {"code": 100, "message": "invalid"}}, PermanentSendError),
        (500, {"error": {"code": 1, "message": "unknown"}}, TransientSendError),
        (503, "<html>", TransientSendError),
        (400, {"error": {"code": 2, "message": "temporary"}}, TransientSendError),
    ],
)
def test_error_mapping(status: int, payload: object, expected: type) -> None:
    err = graph.classify_graph_error(graph.parse_graph_error(status, payload), POLICY)
    assert type(err) is expected
    assert err.http_status == status


def test_window_closed_carries_what_is_allowed_and_rate_limit_carries_retry_after() -> None:
    err = graph.classify_graph_error(graph.parse_graph_error(400, {"error": {"code": 131047}}), POLICY)
    assert isinstance(err, WindowClosed) and err.allowed == ("template",)
    rl = graph.classify_graph_error(graph.parse_graph_error(429, {}), POLICY, retry_after_header="12")
    assert isinstance(rl, RateLimited) and rl.retry_after == 12.0
    rl2 = graph.classify_graph_error(graph.parse_graph_error(400, {"error": {"code": 4}}), POLICY)
    assert isinstance(rl2, RateLimited) and rl2.retry_after == POLICY.default_retry_after
