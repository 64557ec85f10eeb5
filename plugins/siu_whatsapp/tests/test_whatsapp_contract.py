"""What the contract suite does not check on the WhatsApp plugin's shipped fixtures.

The suite (``siu contract-test whatsapp``) already runs handshake, signatures, normalize, send, media
and hygiene on these fixtures. What stays here is stricter than the suite or WhatsApp's own: the
reference's message types all covered, 403 refusals, lowercased headers, a missing app secret,
templates still allowed when the window is closed, names and Meta's escaping in simulated webhooks.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests
import vcr
from siu_contract.manifest import HandshakeCase, NormalizeCase, SendCase, SignedSample
from wa_testkit import (  # type: ignore[import-not-found, unused-ignore]  # tests/ is on sys.path, not mypy's
    as_models,
    channel,
    contract_dir,
    fixture_bytes,
    manifest,
    settings,
)

from siu_core import ReplyRequest, SignatureError, SimulatedMessage
from siu_core.errors import WindowClosed

M = manifest()
SECRETS = M.secrets


def replayer() -> vcr.VCR:
    """Replay only, matching on the body too: Graph sends differ only by body."""
    return vcr.VCR(record_mode="none", match_on=["method", "uri", "body"])


# --- handshake -----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", M.handshake.refused, ids=lambda c: c.why)
def test_handshake_refuses(case: HandshakeCase) -> None:
    answer = channel().handshake(case.query, SECRETS)
    assert answer.status == 403
    assert M.handshake.challenge not in answer.body


# --- signature -----------------------------------------------------------------------------------


@pytest.mark.parametrize("sample", M.signature.valid, ids=lambda s: s.body)
def test_golden_vectors_verify_with_lowercased_header_names(sample: SignedSample) -> None:
    # Function URLs lowercase header names: still verified.
    channel().verify_signature(fixture_bytes(sample.body), {k.lower(): v for k, v in sample.headers.items()}, SECRETS)


@pytest.mark.parametrize("sample", M.signature.valid, ids=lambda s: s.body)
def test_missing_app_secret_fails_as_a_signature_error(sample: SignedSample) -> None:
    body = fixture_bytes(sample.body)
    with pytest.raises(SignatureError):
        channel().verify_signature(body, sample.headers, {k: v for k, v in SECRETS.items() if k != "app_secret"})


def test_escaped_unicode_vector_is_escaped_on_the_wire() -> None:
    raw = fixture_bytes("webhooks/text_unicode.json")
    assert b"\\u00e4" in raw and b"\\ud83d\\ude2e" in raw and raw.isascii()
    assert any(s.body == "webhooks/text_unicode.json" for s in M.signature.valid)


# --- normalize -----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", M.normalize, ids=lambda c: c.id)
def test_every_normalize_case_yields_events(case: NormalizeCase) -> None:
    # The suite holds normalize to the expected file; an empty expectation would pass there.
    expected = json.loads((contract_dir() / case.expected).read_text(encoding="utf-8"))
    assert expected, "every normalize case yields at least one event"


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
    events = as_models(channel().normalize(fixture_bytes("webhooks/batch.json"), {}))
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
    events = as_models(channel().normalize(hook.body, hook.headers))
    got = [(e.customer.id, e.customer.name, e.text, e.message_id, e.timestamp, e.account_id) for e in events]
    assert got == [(m.sender_id, m.sender_name, m.text, m.message_id, m.timestamp, M.account_id) for m in sent]


# --- send ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", [c for c in M.send if c.outcome == "window_closed"], ids=lambda c: c.id)
def test_window_closed_still_allows_a_template(case: SendCase) -> None:
    request = ReplyRequest.model_validate(case.request)
    cassette = str(contract_dir() / case.cassette)
    with replayer().use_cassette(cassette), requests.Session() as session, pytest.raises(WindowClosed) as info:
        channel().send_reply(request, SECRETS, session, settings())
    assert info.value.allowed == ("template",)


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


def test_cassettes_name_no_authorization_or_bearer_at_all() -> None:
    # Stricter than the suite's scan (headers and token shapes): neither word is left anywhere.
    for path in sorted((contract_dir() / "cassettes").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert "authorization" not in text.lower(), path.name
        assert "bearer" not in text.lower(), path.name


def test_manifest_covers_every_check_and_skips_none() -> None:
    assert M.skip == {}
    assert M.channel == "whatsapp" and M.account_id == M.secrets["phone_number_id"]
    assert set(M.secrets) == {*channel().info.secret_fields, *channel().info.optional_secret_fields}
