"""The queue contract between the connector and the labeler: built events pass through, the labeler validates.

The connector does not validate a second time the events a plugin built (the deploy gate's contract
suite checks each plugin's output against the event schema); the labeler parses every queue body
strictly, so an event that slipped through malformed fails its record there (retried, then the DLQ)
instead of being stored.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from siu_core.connector.bodies import event_body
from siu_core.models import MessageEvent, Participant
from siu_core.pipeline.ingest import parse_entry

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def good_event() -> MessageEvent:
    return MessageEvent(type="message", channel="whatsapp", account_id="106540352242922",
                        customer=Participant(id="6591234567"), timestamp=NOW, message_id="wamid.1",
                        kind="text", text="hello")


def test_a_well_built_event_round_trips_through_the_queue() -> None:
    event = good_event()
    entry = parse_entry("rec-0", 0, event_body(event, NOW))
    assert entry.error is None and entry.message is not None
    assert entry.message.event == event and entry.message.received_at == NOW


def test_a_malformed_event_the_connector_passed_on_fails_its_record_at_the_labeler() -> None:
    # model_copy does not validate: this is what a plugin that skipped validation could hand over.
    bad = good_event().model_copy(update={"channel": "Not A Channel", "account_id": ""})
    body = event_body(bad, NOW)
    assert json.loads(body)["event"]["channel"] == "Not A Channel"  # enqueued as built, not re-validated
    entry = parse_entry("rec-0", 0, body)
    assert entry.message is None and entry.error is not None and "not a queue message" in entry.error
    assert "Not A Channel" not in entry.error  # the reason names no content


def test_an_unknown_key_in_an_event_fails_its_record_at_the_labeler() -> None:
    body = json.loads(event_body(good_event(), NOW))
    body["event"]["surprise"] = "x"
    entry = parse_entry("rec-0", 0, json.dumps(body))
    assert entry.message is None and entry.error is not None


# --- contract 1.4: messages as plain mappings ----------------------------------------------------


def test_a_message_mapping_is_queued_as_the_same_event_its_model_would_be() -> None:
    event = good_event()
    entry = parse_entry("rec-0", 0, event_body(event.model_dump(mode="json", exclude_none=True), NOW))
    assert entry.error is None and entry.message is not None
    assert entry.message.event == event and entry.message.received_at == NOW


def test_a_mapping_with_customer_text_beyond_ascii_is_an_ascii_body() -> None:
    data = {**good_event().model_dump(mode="json", exclude_none=True), "text": "สวัสดี 😀 \ud83d"}
    body = event_body(data, NOW)
    assert body.isascii()
    entry = parse_entry("rec-0", 0, body)
    assert entry.message is not None and isinstance(entry.message.event, MessageEvent)
    text = entry.message.event.text
    assert text is not None and text.startswith("สวัสดี 😀 ") and "\ud83d" not in text  # the lone half is replaced


def test_a_malformed_mapping_fails_its_record_at_the_labeler() -> None:
    data = {**good_event().model_dump(mode="json", exclude_none=True), "channel": "Not A Channel", "kind": "banana"}
    body = event_body(data, NOW)
    assert json.loads(body)["event"]["kind"] == "banana"  # enqueued as the plugin built it
    entry = parse_entry("rec-0", 0, body)
    assert entry.message is None and entry.error is not None and "not a queue message" in entry.error
    assert "banana" not in entry.error
