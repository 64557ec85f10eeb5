"""The plugin against its own shipped fixtures: what the contract suite will check, checked here first."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests
import vcr
from siu_contract.manifest import HandshakeCase, MediaCase, NormalizeCase, SendCase, SignedSample
from wa_testkit import (  # type: ignore[import-not-found, unused-ignore]  # tests/ is on sys.path, not mypy's
    channel,
    contract_dir,
    fixture_bytes,
    manifest,
    settings,
)

from siu_core import Attachment, MalformedPayload, ReplyRequest, SignatureError, SimulatedMessage
from siu_core.errors import InvalidReply, PermanentSendError, RateLimited, TransientSendError, WindowClosed
from siu_core.models import dump_event
from siu_core.plugins import Headers
from siu_core.schemas import schema_errors

M = manifest()
SECRETS = M.secrets
OUTCOMES = {
    "window_closed": WindowClosed,
    "rate_limited": RateLimited,
    "permanent": PermanentSendError,
    "invalid": InvalidReply,
    "transient": TransientSendError,
}


def replayer() -> vcr.VCR:
    """Replay only, matching on the body too: Graph sends differ only by body."""
    return vcr.VCR(record_mode="none", match_on=["method", "uri", "body"])


# --- handshake -----------------------------------------------------------------------------------


def test_handshake_echoes_challenge_byte_for_byte() -> None:
    assert M.handshake.valid is not None
    answer = channel().handshake(M.handshake.valid.query, SECRETS)
    assert (answer.status, answer.body) == (200, M.handshake.challenge)


@pytest.mark.parametrize("case", M.handshake.refused, ids=lambda c: c.why)
def test_handshake_refuses(case: HandshakeCase) -> None:
    answer = channel().handshake(case.query, SECRETS)
    assert answer.status == 403
    assert M.handshake.challenge not in answer.body


# --- signature -----------------------------------------------------------------------------------


@pytest.mark.parametrize("sample", M.signature.valid, ids=lambda s: s.body)
def test_golden_vectors_verify(sample: SignedSample) -> None:
    body = fixture_bytes(sample.body)
    channel().verify_signature(body, sample.headers, SECRETS)
    # Function URLs lowercase header names: still verified.
    channel().verify_signature(body, {k.lower(): v for k, v in sample.headers.items()}, SECRETS)


@pytest.mark.parametrize("sample", M.signature.valid, ids=lambda s: s.body)
def test_tampered_wrong_secret_missing_header_fail(sample: SignedSample) -> None:
    body = fixture_bytes(sample.body)
    tampered = bytearray(body)
    tampered[len(body) // 2] ^= 0x01
    with pytest.raises(SignatureError):
        channel().verify_signature(bytes(tampered), sample.headers, SECRETS)
    with pytest.raises(SignatureError):
        channel().verify_signature(body, sample.headers, {**SECRETS, "app_secret": "another-secret"})
    with pytest.raises(SignatureError):
        channel().verify_signature(body, {"Content-Type": "application/json"}, SECRETS)
    with pytest.raises(SignatureError):
        channel().verify_signature(body, sample.headers, {k: v for k, v in SECRETS.items() if k != "app_secret"})


@pytest.mark.parametrize("sample", M.signature.invalid, ids=lambda s: s.why)
def test_invalid_samples_fail(sample: SignedSample) -> None:
    with pytest.raises(SignatureError):
        channel().verify_signature(fixture_bytes(sample.body), sample.headers, SECRETS)


def test_escaped_unicode_vector_is_escaped_on_the_wire() -> None:
    raw = fixture_bytes("webhooks/text_unicode.json")
    assert b"\\u00e4" in raw and b"\\ud83d\\ude2e" in raw and raw.isascii()
    assert any(s.body == "webhooks/text_unicode.json" for s in M.signature.valid)


# --- normalize -----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", M.normalize, ids=lambda c: c.id)
def test_normalize_matches_golden_and_schema(case: NormalizeCase) -> None:
    events = channel().normalize(fixture_bytes(case.webhook), Headers({"Content-Type": "application/json"}))
    dumped = [dump_event(e) for e in events]
    for item in dumped:
        assert schema_errors("event", item) == []
    expected = json.loads((contract_dir() / case.expected).read_text(encoding="utf-8"))
    assert dumped == expected
    assert expected, "every normalize case yields at least one event"
    # Deterministic: the same bytes give the same events.
    assert [dump_event(e) for e in channel().normalize(fixture_bytes(case.webhook), {})] == dumped


def test_every_message_type_of_the_reference_is_covered() -> None:
    kinds = set()
    for case in M.normalize:
        for item in json.loads((contract_dir() / case.expected).read_text(encoding="utf-8")):
            kinds.add(item["type"] if item["type"] != "message" else item["kind"])
            if item["type"] == "reaction":
                kinds.add(f"reaction:{item['action']}")
            if item.get("interaction"):
                kinds.add(f"interaction:{item['interaction']['kind']}")
            if item.get("type") == "status":
                kinds.add(f"status:{item['status']}")
            for flag in ("referral", "reply_to", "forwarded"):
                if item.get(flag):
                    kinds.add(flag)
            if any(a.get("voice") for a in item.get("attachments", [])):
                kinds.add("voice")
    assert kinds >= {
        "text",
        "image",
        "audio",
        "voice",
        "video",
        "file",
        "sticker",
        "location",
        "contact",
        "interactive",
        "order",
        "unsupported",
        "reaction:react",
        "reaction:unreact",
        "interaction:button_reply",
        "interaction:list_reply",
        "interaction:template_button",
        "referral",
        "reply_to",
        "forwarded",
        "echo",
        "status:sent",
        "status:delivered",
        "status:read",
        "status:failed",
        "status:played",
        "platform_error",
    }


def test_batch_yields_every_event_in_order() -> None:
    events = channel().normalize(fixture_bytes("webhooks/batch.json"), {})
    payload = json.loads(fixture_bytes("webhooks/batch.json"))
    items = [
        item
        for entry in payload["entry"]
        for ch in entry["changes"]
        if ch["field"] in ("messages", "smb_message_echoes")
        for key in ("messages", "statuses", "message_echoes")
        for item in ch["value"].get(key, [])
    ]
    assert len(events) == len(items) == 7
    assert len(payload["entry"]) == 2


@pytest.mark.parametrize("rel", M.unknown)
def test_unknown_bodies_yield_nothing(rel: str) -> None:
    assert channel().normalize(fixture_bytes(rel), {}) == []


@pytest.mark.parametrize("rel", M.malformed)
def test_malformed_bodies_raise_malformed_payload(rel: str) -> None:
    with pytest.raises(MalformedPayload):
        channel().normalize(fixture_bytes(rel), {})


def test_simulate_round_trips_through_verify_and_normalize() -> None:
    sent = [
        SimulatedMessage(
            sender_id="16505551234",
            sender_name="J\u00fcrgen",
            text="Gr\u00fc\u00dfe / \U0001f44b",
            message_id="wamid.SIM1",
            timestamp=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        ),
        SimulatedMessage(
            sender_id="US.13491208655302741918",
            sender_name=None,
            text="hi",
            message_id="wamid.SIM2",
            timestamp=datetime(2026, 3, 1, 9, 31, tzinfo=UTC),
        ),
    ]
    hook = channel().simulate_webhook(sent, M.account_id, SECRETS)
    assert hook.body.isascii() and b"\\u00fc" in hook.body and b"\\/" in hook.body
    channel().verify_signature(hook.body, hook.headers, SECRETS)
    events = channel().normalize(hook.body, hook.headers)
    got = [(e.customer.id, e.customer.name, e.text, e.message_id, e.timestamp, e.account_id) for e in events]
    assert got == [(m.sender_id, m.sender_name, m.text, m.message_id, m.timestamp, M.account_id) for m in sent]


# --- send ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", M.send, ids=lambda c: c.id)
def test_send_cases_replay_their_cassettes(case: SendCase) -> None:
    request = ReplyRequest.model_validate(case.request)
    with replayer().use_cassette(str(contract_dir() / case.cassette)) as cassette, requests.Session() as session:
        if case.outcome == "success":
            result = channel().send_reply(request, SECRETS, session, settings())
            assert result.model_dump() == case.result
        else:
            with pytest.raises(OUTCOMES[case.outcome]) as info:
                channel().send_reply(request, SECRETS, session, settings())
            if case.outcome == "window_closed":
                assert info.value.allowed == ("template",)  # type: ignore[attr-defined]
            if case.retry_after is not None:
                assert info.value.retry_after == case.retry_after  # type: ignore[attr-defined]
        assert cassette.all_played
        assert cassette.play_count == len(cassette.data)


def test_send_outcomes_cover_the_contract() -> None:
    outcomes = {c.outcome for c in M.send}
    assert outcomes == {"success", "window_closed", "rate_limited", "permanent", "invalid", "transient"}
    assert {c.id for c in M.send} >= {
        "rate_limited_130429",
        "rate_limited_131056",
        "permanent_131026",
        "window_closed_131047",
        "transient_500",
        "success_template",
    }


def test_cassettes_hold_no_token_secret_or_authorization() -> None:
    secrets = [v for k, v in SECRETS.items() if k != "phone_number_id"]
    for path in sorted((contract_dir() / "cassettes").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert "authorization" not in text.lower(), path.name
        assert "bearer" not in text.lower(), path.name
        for value in secrets:
            assert value not in text, path.name


# --- media ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", M.media, ids=lambda c: c.id)
def test_media_download_replays(case: MediaCase) -> None:
    import hashlib

    attachment = Attachment.model_validate(case.attachment)
    with replayer().use_cassette(str(contract_dir() / case.cassette)) as cassette, requests.Session() as session:
        media = channel().download_media(attachment, SECRETS, session, settings())
        assert cassette.all_played
    assert media is not None
    assert hashlib.sha256(media.content).hexdigest() == case.sha256
    assert media.mime_type == case.mime_type


def test_manifest_covers_every_check_and_skips_none() -> None:
    assert M.skip == {}
    assert M.channel == "whatsapp" and M.account_id == M.secrets["phone_number_id"]
    assert set(M.secrets) == set(channel().info.secret_fields)
