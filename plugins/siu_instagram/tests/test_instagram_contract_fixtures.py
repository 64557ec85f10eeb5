"""Every fixture the instagram plugin ships, checked against the plugin itself (no network).

The contract suite runs the same manifest generically; these tests keep the plugin honest on its own.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import requests
import vcr
from siu_contract.manifest import Manifest
from vcr.errors import CannotOverwriteExistingCassetteException

from siu_core.errors import (
    InvalidReply,
    MalformedPayload,
    PermanentSendError,
    RateLimited,
    SendError,
    SignatureError,
    TransientSendError,
    WindowClosed,
)
from siu_core.models import Attachment, ReplyRequest, dump_event
from siu_core.plugins import Channel, load_channels
from siu_core.schemas import schema_errors

CHANNEL = "instagram"
CONTRACT = Path(str(resources.files(f"siu_{CHANNEL}").joinpath("contract")))
MANIFEST = Manifest.model_validate_json((CONTRACT / "manifest.json").read_text(encoding="utf-8"))
OUTCOMES: dict[str, type[SendError]] = {
    "window_closed": WindowClosed,
    "rate_limited": RateLimited,
    "invalid": InvalidReply,
    "permanent": PermanentSendError,
    "transient": TransientSendError,
}


@pytest.fixture(scope="module")
def channel() -> Channel:
    return load_channels([CHANNEL]).get(CHANNEL)


def _bytes(rel: str) -> bytes:
    return (CONTRACT / rel).read_bytes()


def _replayer() -> vcr.VCR:
    return vcr.VCR(record_mode="none", match_on=["method", "uri", "body"])


def test_manifest_covers_every_check() -> None:
    assert MANIFEST.channel == CHANNEL
    assert not MANIFEST.skip
    ids = {c.id for c in MANIFEST.normalize}
    needed = {"text", "text_quick_reply", "reply_to", "attachment_image", "attachment_audio_video_file",
              "reaction", "unsend", "postback", "echo_own_app", "echo_from_phone", "message_edit", "standby",
              "changes_test_button", "referral_ad", "batch", "story_mention", "story_reply",
              "read_mid", "unsupported", "share_reel_post"}
    assert needed <= ids, needed - ids
    outcomes = {c.outcome for c in MANIFEST.send}
    assert outcomes == {"success", "window_closed", "rate_limited", "permanent", "transient", "invalid"}
    assert MANIFEST.media and MANIFEST.unknown and MANIFEST.malformed


def test_handshake(channel: Channel) -> None:
    spec = MANIFEST.handshake
    assert spec.valid is not None
    ok = channel.handshake(spec.valid.query, MANIFEST.secrets, MANIFEST.settings)
    assert (ok.status, ok.body) == (200, spec.challenge)
    for case in spec.refused:
        assert channel.handshake(case.query, MANIFEST.secrets, MANIFEST.settings).status == 403, case.why


@pytest.mark.parametrize("sample", MANIFEST.signature.valid, ids=lambda s: s.body)
def test_golden_signatures_verify(channel: Channel, sample: Any) -> None:
    body = _bytes(sample.body)
    channel.verify_signature(body, sample.headers, MANIFEST.secrets)
    tampered = body.replace(b"}", b" }", 1)
    with pytest.raises(SignatureError):
        channel.verify_signature(tampered, sample.headers, MANIFEST.secrets)
    with pytest.raises(SignatureError):
        channel.verify_signature(body, sample.headers, {**MANIFEST.secrets, "app_secret": "not-the-secret"})


def test_escaped_unicode_body_is_verified_raw(channel: Channel) -> None:
    sample = MANIFEST.signature.valid[0]
    body = _bytes(sample.body)
    assert b"\\u00f6" in body and b"\\ud83d" in body
    channel.verify_signature(body, sample.headers, MANIFEST.secrets)


@pytest.mark.parametrize("sample", MANIFEST.signature.invalid, ids=lambda s: s.why[:40])
def test_invalid_signatures_refused(channel: Channel, sample: Any) -> None:
    with pytest.raises(SignatureError):
        channel.verify_signature(_bytes(sample.body), sample.headers, MANIFEST.secrets)


@pytest.mark.parametrize("case", MANIFEST.normalize, ids=lambda c: c.id)
def test_normalize_matches_expected(channel: Channel, case: Any) -> None:
    events = channel.normalize(_bytes(case.webhook), {}, MANIFEST.settings)
    dumped = [dump_event(e) for e in events]
    for item in dumped:
        assert schema_errors("event", item) == []
    expected = json.loads(_bytes(case.expected))
    assert dumped == expected
    # Deterministic: the same body gives the same events.
    assert [dump_event(e) for e in channel.normalize(_bytes(case.webhook), {}, MANIFEST.settings)] == dumped


@pytest.mark.parametrize("rel", MANIFEST.unknown)
def test_unknown_bodies_yield_nothing(channel: Channel, rel: str) -> None:
    assert channel.normalize(_bytes(rel), {}, MANIFEST.settings) == []


@pytest.mark.parametrize("rel", MANIFEST.malformed)
def test_malformed_bodies_raise(channel: Channel, rel: str) -> None:
    with pytest.raises(MalformedPayload):
        channel.normalize(_bytes(rel), {}, MANIFEST.settings)


@pytest.mark.parametrize("case", MANIFEST.send, ids=lambda c: c.id)
def test_send_cassettes(channel: Channel, case: Any) -> None:
    request = ReplyRequest.model_validate(case.request)
    with _replayer().use_cassette(str(CONTRACT / case.cassette)) as cassette:
        if case.outcome == "success":
            result = channel.send_reply(request, MANIFEST.secrets, requests.Session(), MANIFEST.settings)
            assert result.model_dump(mode="json") == case.result
        else:
            with pytest.raises(OUTCOMES[case.outcome]) as info:
                channel.send_reply(request, MANIFEST.secrets, requests.Session(), MANIFEST.settings)
            assert type(info.value) is OUTCOMES[case.outcome]
            if case.retry_after is not None:
                assert isinstance(info.value, RateLimited)
                assert info.value.retry_after == case.retry_after
        assert cassette.all_played
        if not cassette.data:
            assert cassette.play_count == 0  # refused before any HTTP call


def test_send_cassette_body_is_really_matched(channel: Channel) -> None:
    case = next(c for c in MANIFEST.send if c.id == "success_response")
    request = ReplyRequest.model_validate({**case.request, "text": "a different reply"})
    with _replayer().use_cassette(str(CONTRACT / case.cassette)), pytest.raises(
        CannotOverwriteExistingCassetteException, match="body"
    ):
        channel.send_reply(request, MANIFEST.secrets, requests.Session(), MANIFEST.settings)


@pytest.mark.parametrize("case", MANIFEST.media, ids=lambda c: c.id)
def test_media_download(channel: Channel, case: Any) -> None:
    with _replayer().use_cassette(str(CONTRACT / case.cassette)) as cassette:
        media = channel.download_media(Attachment.model_validate(case.attachment), MANIFEST.secrets,
                                       requests.Session(), MANIFEST.settings)
        assert cassette.all_played
    assert media is not None
    assert hashlib.sha256(media.content).hexdigest() == case.sha256
    assert media.mime_type == case.mime_type


def test_cassettes_hold_no_secret() -> None:
    tokens = [MANIFEST.secrets["access_token"], MANIFEST.secrets["app_secret"]]
    for path in sorted((CONTRACT / "cassettes").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert "authorization" not in text.lower(), path.name
        assert "access_token" not in text, path.name
        for token in tokens:
            assert token not in text, path.name


def test_webhook_bodies_are_ascii_escaped_like_meta() -> None:
    for case in MANIFEST.normalize:
        raw = _bytes(case.webhook)
        raw.decode("ascii")  # Meta escapes every non-ASCII character
        assert b"\n" not in raw
