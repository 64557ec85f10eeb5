"""What the contract suite does not check on LINE's manifest: which checks it skips, and which event
kinds and send outcomes its fixtures must cover (the suite itself runs on them with
``--siu-channel line`` and in ``siu contract-test line``)."""

from __future__ import annotations

import sys
from pathlib import Path

from line_testkit import channel, manifest  # type: ignore[import-not-found, unused-ignore]
from siu_line.send import retry_key

from siu_core import ReplyRequest
from siu_core.plugin import CONTRACT_VERSION


def test_only_the_reply_window_check_is_skipped() -> None:
    assert set(manifest().skip) == {"send.window_closed"}
    assert manifest().handshake.unsupported


def test_every_outcome_and_kind_is_covered_by_a_fixture() -> None:
    m = manifest()
    assert {c.outcome for c in m.send} == {"success", "permanent", "rate_limited", "transient", "invalid"}
    assert {c.id for c in m.normalize} >= {
        "text", "image", "video", "audio", "file", "location", "sticker", "postback", "unsend", "redelivered",
        "batch", "partial",
    }
    assert {u.rsplit("/", 1)[1] for u in m.unknown} >= {"verify.json", "follow.json", "unfollow.json"}
    assert m.media and m.account_id == m.secrets["bot_user_id"]


def test_the_partial_batch_sets_aside_exactly_the_broken_events() -> None:
    (partial,) = [c for c in manifest().normalize if c.id == "partial"]
    assert partial.unreadable == ["events[0]", "events[2]"]
    assert all(not c.unreadable for c in manifest().normalize if c.id != "partial")


def test_shapes_unsend_is_an_event_edits_are_not_on_line_unknown_types_are_kept() -> None:
    shapes = manifest().shapes
    assert shapes is not None
    assert (shapes.deletion.handling, shapes.deletion.webhook) == ("event", "webhooks/unsend.json")
    assert shapes.edit.handling == "not_on_platform" and "one-to-one" in shapes.edit.why
    assert (shapes.unknown_kind.handling, shapes.unknown_kind.webhook) == ("unsupported",
                                                                           "webhooks/unsupported_type.json")
    assert "unknown/message_edited.json" in manifest().unknown


def test_the_channel_names_its_secrets_as_line_does() -> None:
    info = channel().info
    assert (info.secret_fields, info.optional_secret_fields) == (["channel_secret", "channel_access_token"],
                                                                 ["bot_user_id"])
    assert info.signing_secret_fields == ["channel_secret"] and info.account_secret_field == "bot_user_id"
    assert info.contract_version == CONTRACT_VERSION and info.reply_window.standard_hours is None


def test_the_cassettes_retry_keys_are_the_ones_the_plugin_derives() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
    try:
        import build_fixtures  # type: ignore[import-not-found, unused-ignore]
    finally:
        sys.path.pop(0)
    req = ReplyRequest.model_validate(build_fixtures.reply_request("reply-0001", build_fixtures.ANSWER))
    assert retry_key(req, req.recipient.id) == build_fixtures.retry_key("reply-0001", build_fixtures.ANSWER)
