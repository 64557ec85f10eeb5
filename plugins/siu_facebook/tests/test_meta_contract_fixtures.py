"""What the contract suite does not check on the Meta plugins' shipped fixtures, for both of them.

The suite (``siu contract-test facebook instagram``) already runs handshake, signatures, normalize,
send, media and hygiene on these fixtures. What stays here is stricter than the suite or specific
to Meta's Messenger Platform, written once for Messenger and Instagram (they share the hooks, in
``siu_meta.messaging``, and the fixture layout).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import requests
import vcr
from siu_contract.manifest import MANIFEST_DIR, MANIFEST_FILE, Manifest
from vcr.errors import CannotOverwriteExistingCassetteException

from siu_core.errors import MalformedPayload
from siu_core.models import ReplyRequest, SimulatedMessage, Unreadable, dump_event, parse_event
from siu_core.plugins import Channel, load_channels
from siu_core.schemas import schema_errors

#: Every Messenger-Platform shape each channel's fixtures must show, beyond what the suite demands.
NEEDED_NORMALIZE_CASES = {
    "facebook": {"text", "text_quick_reply", "reply_to", "attachment_image", "attachment_audio_video_file",
                 "reaction", "unsend", "postback", "echo_own_app", "echo_from_phone", "message_edit", "standby",
                 "changes_test_button", "referral_ad", "batch", "sticker", "delivery_read",
                 "share_reel_post_fallback", "echo_own_marker", "location"},
    "instagram": {"text", "text_quick_reply", "reply_to", "attachment_image", "attachment_audio_video_file",
                  "reaction", "unsend", "postback", "echo_own_app", "echo_from_phone", "message_edit", "standby",
                  "changes_test_button", "referral_ad", "batch", "story_mention", "story_reply",
                  "read_mid", "unsupported", "share_reel_post", "ig_story_mention"},
}
CHANNELS = sorted(NEEDED_NORMALIZE_CASES)


@dataclass(frozen=True)
class Shipped:
    """One Meta channel as installed: the loaded plugin, its fixture folder and its manifest."""

    channel: Channel
    root: Path
    manifest: Manifest

    def read(self, relative: str) -> bytes:
        """A fixture file's exact bytes (golden signatures are over them)."""
        return (self.root / relative).read_bytes()


@cache
def shipped(name: str) -> Shipped:
    """The channel loaded through its entry point, with the fixtures its wheel ships."""
    root = Path(str(resources.files(f"siu_{name}").joinpath(MANIFEST_DIR)))
    manifest = Manifest.model_validate_json((root / MANIFEST_FILE).read_text(encoding="utf-8"))
    return Shipped(load_channels([name]).get(name), root, manifest)


@pytest.fixture(params=CHANNELS)
def meta(request: pytest.FixtureRequest) -> Shipped:
    return shipped(request.param)


def test_manifest_covers_every_check(meta: Shipped) -> None:
    m = meta.manifest
    assert m.channel == meta.channel.name
    assert not m.skip
    ids = {c.id for c in m.normalize}
    needed = NEEDED_NORMALIZE_CASES[meta.channel.name]
    assert needed <= ids, needed - ids
    outcomes = {c.outcome for c in m.send}
    assert outcomes == {"success", "window_closed", "rate_limited", "permanent", "transient", "invalid"}
    assert m.media and m.unknown and m.malformed


def test_refused_handshakes_are_answered_403(meta: Shipped) -> None:
    # The suite only demands "not 200"; Meta's contract is 403 for a wrong token or mode.
    for case in meta.manifest.handshake.refused:
        assert meta.channel.handshake(case.query, meta.manifest.secrets, meta.manifest.settings).status == 403, case.why


def test_webhook_bodies_are_ascii_escaped_like_meta(meta: Shipped) -> None:
    golden = meta.read(meta.manifest.signature.valid[0].body)
    assert b"\\u00f6" in golden and b"\\ud83d" in golden  # an accent and an emoji's surrogate pair
    for case in meta.manifest.normalize:
        raw = meta.read(case.webhook)
        raw.decode("ascii")  # Meta escapes every non-ASCII character
        assert b"\n" not in raw


def test_send_cassette_body_is_really_matched(meta: Shipped) -> None:
    case = next(c for c in meta.manifest.send if c.id == "success_response")
    request = ReplyRequest.model_validate({**case.request, "text": "a different reply"})
    replayer = vcr.VCR(record_mode="none", match_on=["method", "uri", "body"])
    with replayer.use_cassette(str(meta.root / case.cassette)), pytest.raises(
        CannotOverwriteExistingCassetteException, match="body"
    ):
        meta.channel.send_reply(request, meta.manifest.secrets, requests.Session(), meta.manifest.settings)


def test_cassettes_name_no_authorization_or_access_token_at_all(meta: Shipped) -> None:
    # Stricter than the suite's scan (which allows a redacted ``access_token=REDACTED``): the token
    # travels in a header the scrubber drops, so neither word is left anywhere in a cassette.
    for path in sorted((meta.root / "cassettes").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert "authorization" not in text.lower(), path.name
        assert "access_token" not in text, path.name


def _bodies(meta: Shipped) -> list[tuple[str, bytes]]:
    """Every webhook body the plugin's fixtures hold (each folder, malformed too), and a simulated batch."""
    found = [(str(path.relative_to(meta.root)), path.read_bytes()) for path in sorted(meta.root.glob("*/*"))
             if path.suffix in (".json", ".txt") and path.parent.name != "expected"]
    messages = [SimulatedMessage(sender_id="5550001", text=text, message_id=f"m_sim_{i}",
                                 timestamp=datetime(2026, 11, 20, 9, i, tzinfo=UTC))
                for i, text in enumerate(["Hi", "Où est ma commande ? \U0001f4e6"])]
    hook = meta.channel.simulate_webhook(messages, meta.manifest.account_id or "1", meta.manifest.secrets)
    return [*found, ("simulate_webhook", hook.body)]


def test_every_event_of_every_fixture_body_is_a_mapping_equal_to_its_model_dump(meta: Shipped) -> None:
    # Contract 1.4 without pydantic: each event is plain data in the event schema's JSON shape, exactly what
    # its model dumps (defaults included), so the connector queues it with no model built; only an item
    # set aside is a model (Unreadable).
    kinds: set[str] = set()
    for name, body in _bodies(meta):
        for settings in ({}, meta.manifest.settings):
            try:
                found = meta.channel.normalize(body, {"Content-Type": "application/json"}, settings)
            except MalformedPayload:
                assert name.startswith("malformed/"), name
                continue
            for event in found:
                if isinstance(event, Unreadable):
                    continue
                assert type(event) is dict, (name, type(event))
                data: dict[str, Any] = json.loads(json.dumps(event, allow_nan=False))
                assert data == event, name
                assert schema_errors("event", data) == [], (name, event)
                assert event == dump_event(parse_event(data)), (name, event)
                kinds.add(event["type"])
    assert {"message", "echo", "reaction", "unsend", "edit", "status"} <= kinds, kinds
