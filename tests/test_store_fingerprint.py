"""Content fingerprints: sha256(sender|channel|normalized_text), with a documented normalization."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st
from pipeline_support import inbound

from siu_core.fingerprint import content_descriptor, fingerprint, message_fingerprint, normalize_text
from siu_core.models import Attachment, Location


def test_the_fingerprint_is_the_documented_hash() -> None:
    expected = hashlib.sha256(b"cust-1|whatsapp|where is my order?").hexdigest()
    assert message_fingerprint(inbound("m1", "Where is my ORDER?")) == expected
    assert fingerprint("cust-1", "whatsapp", "where is my order?") == expected


def test_normalization_is_nfkc_casefold_and_collapsed_whitespace() -> None:
    assert normalize_text("  Where\tis\n\nmy  ORDER?\u00a0") == "where is my order?"
    assert normalize_text("ＷＨＥＲＥ") == "where"  # full-width letters
    assert normalize_text("Straße") == normalize_text("STRASSE")
    assert normalize_text("ﬁle") == "file"  # ligature


def test_sender_and_channel_separate_equal_texts() -> None:
    a = message_fingerprint(inbound("m1", "hi"))
    assert a != message_fingerprint(inbound("m1", "hi", customer="cust-2"))
    assert a != message_fingerprint(inbound("m1", "hi", channel="facebook"))


def test_media_messages_are_told_apart_by_their_media() -> None:
    one = inbound("m1", None, kind="image", attachments=[Attachment(type="image", media_id="111")])
    two = inbound("m2", None, kind="image", attachments=[Attachment(type="image", media_id="222")])
    assert message_fingerprint(one) != message_fingerprint(two)
    assert message_fingerprint(one) == message_fingerprint(
        inbound("m3", None, kind="image", attachments=[Attachment(type="image", media_id="111")]))
    place = inbound("m4", None, kind="location", location=Location(latitude=1.3, longitude=103.8))
    assert content_descriptor(place) == "location:1.300000,103.800000"


def test_a_message_with_nothing_to_compare_has_no_fingerprint() -> None:
    assert message_fingerprint(inbound("m1", None, kind="unsupported")) is None
    assert message_fingerprint(inbound("m1", "   ")) is None


@given(st.text(max_size=60))
def test_normalization_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert "  " not in once and once == once.strip()
