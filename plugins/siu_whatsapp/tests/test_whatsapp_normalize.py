"""Normalize rules the golden fixtures do not pin down alone: identity, fallbacks, shapes, size."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from siu_whatsapp.normalize import normalize_body
from siu_whatsapp.simulate import meta_json
from wa_testkit import as_models  # type: ignore[import-not-found, unused-ignore]  # tests/ is on sys.path

from siu_core import EditEvent, MalformedPayload, MessageEvent, PlatformErrorEvent, StatusEvent, UnsendEvent
from siu_core.models import Unreadable, dump_event
from siu_core.schemas import schema_errors

PNID = "106540352242922"


def payload(*values: dict[str, Any], field: str = "messages", time_: int | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": "102290129340398", "changes": [{"value": v, "field": field} for v in values]}
    if time_ is not None:
        entry["time"] = time_
    return {"object": "whatsapp_business_account", "entry": [entry]}


def value(**parts: Any) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "metadata": {"phone_number_id": PNID}, **parts}


def text_msg(mid: str, ts: str = "1749416383", **sender: Any) -> dict[str, Any]:
    return {**sender, "id": mid, "timestamp": ts, "type": "text", "text": {"body": "hi"}}


def run(data: Any, **kw: Any) -> list[Any]:
    """The events of a body (items set aside as unreadable are checked and dropped: see set_aside)."""
    return set_aside(data, **kw)[0]


def set_aside(data: Any, **kw: Any) -> tuple[list[Any], list[Unreadable]]:
    """The events of a body, and the items it set aside as unreadable (each storable as JSON)."""
    found = as_models(normalize_body(json.dumps(data).encode(), **kw))
    unreadable = [u for u in found if isinstance(u, Unreadable)]
    for item in unreadable:
        assert item.channel == "whatsapp" and item.path.startswith("entry[")
        json.dumps(item.raw)
    return [e for e in found if not isinstance(e, Unreadable)], unreadable


# --- who is the customer -------------------------------------------------------------------------


def test_one_person_one_id_across_messages_with_and_without_phone() -> None:
    bsuid, phone = "US.13491208655302741918", "16505551234"
    events = run(
        payload(
            value(
                contacts=[{"profile": {"name": "S"}, "wa_id": phone, "user_id": bsuid}],
                messages=[text_msg("m1", **{"from": phone})],
            ),
            value(messages=[text_msg("m2", from_user_id=bsuid)]),
            value(statuses=[{"id": "out1", "status": "read", "timestamp": "1749416390", "recipient_id": phone}]),
        )
    )
    assert [e.customer.id for e in events] == [bsuid, bsuid, bsuid]
    assert all(e.customer.phone == phone for e in events)
    assert all(e.customer.name == "S" for e in events)


def test_phone_only_users_keep_their_phone_as_id() -> None:
    events = run(
        payload(
            value(contacts=[{"profile": {"name": "S"}, "wa_id": "1650"}], messages=[text_msg("m1", **{"from": "1650"})])
        )
    )
    assert events[0].customer.id == "1650" and events[0].customer.phone == "1650"


def test_sender_ids_missing_falls_back_to_the_single_contact() -> None:
    events = run(
        payload(
            value(
                contacts=[{"profile": {"name": "Ana", "username": "ana"}, "user_id": "BR.1"}], messages=[text_msg("m1")]
            )
        )
    )
    assert events[0].customer.model_dump(exclude_none=True) == {"id": "BR.1", "name": "Ana", "username": "ana"}


def test_message_naming_nobody_is_set_aside_not_fatal() -> None:
    events, unreadable = set_aside(
        payload(
            value(contacts=[{"wa_id": "1"}, {"wa_id": "2"}], messages=[text_msg("m1"), text_msg("m2", **{"from": "2"})])
        )
    )
    assert [e.message_id for e in events] == ["m2"]
    (item,) = unreadable
    assert item.path == "entry[0].changes[0].value.messages[0]" and item.raw["id"] == "m1"
    assert "hi" not in item.reason  # the reason names what is missing, never the text


# --- timestamps ----------------------------------------------------------------------------------


def test_string_seconds_timestamps() -> None:
    (event,) = run(payload(value(messages=[text_msg("m1", "1749416383", **{"from": "1"})])))
    assert event.timestamp == datetime(2025, 6, 8, 20, 59, 43, tzinfo=UTC)


def test_value_errors_use_entry_time_then_payload_time_then_now() -> None:
    errors = [{"code": 130429, "title": "Rate limit hit"}]
    (with_entry_time,) = run(payload(value(errors=errors), time_=1749416000))
    assert with_entry_time.timestamp == datetime.fromtimestamp(1749416000, UTC)
    events = run(payload(value(errors=errors), value(messages=[text_msg("m", "1749416383", **{"from": "1"})])))
    assert isinstance(events[0], PlatformErrorEvent)
    assert events[0].timestamp == datetime.fromtimestamp(1749416383, UTC)
    fixed = datetime(2030, 1, 1, tzinfo=UTC)
    (alone,) = run(payload(value(errors=errors)), now=lambda: fixed)
    assert alone.timestamp == fixed and alone.errors[0].code == 130429


def test_message_with_unreadable_timestamp_is_kept_with_the_fallback_time() -> None:
    events = run(
        payload(
            value(messages=[text_msg("m1", "soon", **{"from": "1"}), text_msg("m2", "1749416383", **{"from": "1"})])
        )
    )
    assert [e.timestamp for e in events] == [datetime.fromtimestamp(1749416383, UTC)] * 2


# --- bodies --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"type": "text"},
        {"type": "text", "text": {"body": None}},
        {"type": "image", "image": {"caption": "no id"}},
        {"type": "location", "location": {"latitude": "north", "longitude": 1}},
        {"type": "contacts", "contacts": []},
        {"type": "interactive", "interactive": {"type": "a_future_reply", "a_future_reply": {"id": "x"}}},
        {"type": "button", "button": None},
        {"type": "order"},
    ],
)
def test_known_type_with_unreadable_body_is_an_unsupported_message(body: dict[str, Any]) -> None:
    (event,) = run(payload(value(messages=[{"from": "1", "id": "m1", "timestamp": "1749416383", **body}])))
    assert isinstance(event, MessageEvent) and event.kind == "unsupported"


def test_reaction_without_target_is_set_aside() -> None:
    msg = {"from": "1", "id": "m1", "timestamp": "1", "type": "reaction", "reaction": {"emoji": "x"}}
    events, unreadable = set_aside(payload(value(messages=[msg])))
    assert events == [] and [u.raw for u in unreadable] == [msg]


def test_message_level_errors_ride_along_on_any_message() -> None:
    msg = text_msg("m1", **{"from": "1"}) | {"errors": [{"code": "131051"}, {"title": "no code"}, "junk"]}
    (event,) = run(payload(value(messages=[msg])))
    assert [e.code for e in event.errors] == ["131051"]


def test_status_with_unknown_value_or_no_recipient_is_skipped() -> None:
    statuses = [
        {"id": "o1", "status": "deleted", "timestamp": "1", "recipient_id": "1"},
        {"id": "o2", "status": "read", "timestamp": "1"},
        {"id": "o3", "status": "read", "timestamp": "1", "recipient_id": "1"},
    ]
    events, unreadable = set_aside(payload(value(statuses=statuses)))
    assert [type(e) for e in events] == [StatusEvent] and events[0].message_ids == ["o3"]
    assert [u.raw["id"] for u in unreadable] == ["o2"]  # an unknown status value is not unreadable: ignored


def test_echo_reactions_are_the_business_reacting() -> None:
    echo = {
        "from": "1555",
        "to": "1650",
        "id": "e1",
        "timestamp": "1",
        "type": "reaction",
        "reaction": {"message_id": "m0", "emoji": "\U0001f44d"},
    }
    (event,) = run(payload(value(message_echoes=[echo]), field="smb_message_echoes"))
    assert (event.type, event.by, event.customer.id) == ("reaction", "business", "1650")


def test_nulls_inside_items_are_absent_parts() -> None:
    msg = text_msg("m1", **{"from": "1"}) | {"context": None, "referral": None, "errors": None}
    (event,) = run(payload(value(messages=[msg], contacts=[{"wa_id": "1", "profile": None}])))
    assert event.reply_to is None and event.referral is None and event.errors == []


# --- envelope shapes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        None,
        "text",
        7,
        [],
        {"object": "page", "entry": []},
        {"object": "whatsapp_business_account"},
        {"object": "whatsapp_business_account", "entry": None},
        {"object": "whatsapp_business_account", "entry": [None]},
        {"object": "whatsapp_business_account", "entry": [{"changes": {"field": "messages"}}]},
        {"object": "whatsapp_business_account", "entry": [{"changes": [7]}]},
        payload({"metadata": None}),
        payload({"metadata": {"phone_number_id": 106540352242922}}),
        payload(value(statuses="read")),
        payload({"metadata": {"phone_number_id": PNID}, "message_echoes": {}}, field="smb_message_echoes"),
    ],
)
def test_wrong_envelope_shapes_are_malformed(body: Any) -> None:
    with pytest.raises(MalformedPayload):
        run(body)


def test_items_that_are_not_objects_are_set_aside_in_their_place() -> None:
    events, unreadable = set_aside(payload(value(contacts=[None], messages=[7, text_msg("m1", **{"from": "1"})])))
    assert [e.message_id for e in events] == ["m1"]
    assert [(u.path, u.raw) for u in unreadable] == [
        ("entry[0].changes[0].value.contacts[0]", None), ("entry[0].changes[0].value.messages[0]", 7)]


def test_unknown_field_values_are_not_inspected() -> None:
    assert run(payload(None, [1, 2], field="account_update")) == []  # type: ignore[arg-type]


@pytest.mark.parametrize("body", [None, "{}", 12])
def test_non_bytes_body_is_malformed(body: Any) -> None:
    with pytest.raises(MalformedPayload):
        normalize_body(body)


def test_three_megabyte_batch_yields_every_event_quickly() -> None:
    messages = [
        text_msg(f"wamid.{i:06d}", str(1749416383 + i), **{"from": f"1650555{i % 50:04d}"}) for i in range(1000)
    ]
    for m in messages:
        m["text"]["body"] = "\u00e4" * 400  # escaped on the wire: 6 bytes each
    body = meta_json(payload(value(messages=messages)))
    assert 2_500_000 < len(body) < 3_200_000
    started = time.perf_counter()
    found = normalize_body(body)
    elapsed = time.perf_counter() - started
    events = as_models(found)
    assert len(events) == 1000 and len({e.message_id for e in events if isinstance(e, MessageEvent)}) == 1000
    assert elapsed < 2.0, f"normalize of a 3 MB batch took {elapsed:.2f}s"


def test_bodies_beyond_metas_limit_are_refused() -> None:
    with pytest.raises(MalformedPayload):
        normalize_body(b" " * (5 * 1024 * 1024))


def test_every_event_of_a_mixed_payload_is_schema_valid() -> None:
    events = run(
        payload(
            value(
                contacts=[{"wa_id": "1"}],
                messages=[
                    text_msg("a", **{"from": "1"}),
                    {
                        "from": "1",
                        "id": "b",
                        "timestamp": "1",
                        "type": "location",
                        "location": {"latitude": 1, "longitude": 2},
                    },
                    {
                        "from": "1",
                        "id": "c",
                        "timestamp": "1",
                        "type": "order",
                        "order": {"product_items": [{"product_retailer_id": "x", "quantity": "2"}, {"quantity": 1}]},
                    },
                ],
                statuses=[
                    {
                        "id": "o",
                        "status": "failed",
                        "timestamp": "1",
                        "recipient_id": "1",
                        "errors": [{"code": 1, "error_data": "plain text details"}],
                    }
                ],
                errors=[{"code": 2}],
            ),
        )
    )
    assert len(events) == 5
    for event in events:
        assert schema_errors("event", dump_event(event)) == []
    assert events[2].order.items[0].quantity == 2.0 and len(events[2].order.items) == 1
    assert events[3].error.details == "plain text details"


# --- edits, revokes, unknown types, flows --------------------------------------------------------


def _one(msg: dict[str, Any]) -> list[Any]:
    return run(payload(value(messages=[{"from": "16505551234", "id": "m9", "timestamp": "1749416383", **msg}])))


def test_edit_without_target_or_text_is_set_aside_not_shown() -> None:
    for edit in ({"message": {"type": "text", "text": {"body": "new"}}},
                 {"original_message_id": "m1", "message": {"type": "sticker"}}, "m1"):
        events, unreadable = set_aside(payload(value(messages=[
            {"from": "16505551234", "id": "m9", "timestamp": "1749416383", "type": "edit", "edit": edit}])))
        assert events == [] and len(unreadable) == 1


def test_edit_and_revoke_name_the_original_message_not_their_own_id() -> None:
    (edit,) = _one({"type": "edit", "edit": {"original_message_id": "m1",
                                              "message": {"type": "text", "text": {"body": "new"}}}})
    (revoke,) = _one({"type": "revoke", "revoke": {"original_message_id": "m1"}})
    assert isinstance(edit, EditEvent) and (edit.target_message_id, edit.text) == ("m1", "new")
    assert isinstance(revoke, UnsendEvent) and revoke.target_message_id == "m1"
    assert _one({"type": "revoke", "revoke": {}}) == []  # set aside as unreadable, not shown


def test_unknown_type_is_an_unsupported_message_with_the_platform_error() -> None:
    (event,) = _one({"type": "unknown", "errors": [{"code": 131051, "title": "Unsupported message type",
                                                     "details": "Message type is not currently supported"}]})
    assert isinstance(event, MessageEvent) and event.kind == "unsupported"
    assert [(e.code, e.title, e.details) for e in event.errors] == [
        (131051, "Unsupported message type", "Message type is not currently supported")]


@pytest.mark.parametrize("raw", [None, "not json", "[1, 2]", '{"flow_token": "t"}'])
def test_flow_reply_with_no_readable_answers_is_still_a_flow_reply(raw: str | None) -> None:
    reply: dict[str, Any] = {"name": "flow", "body": "Sent"}
    if raw is not None:
        reply["response_json"] = raw
    (event,) = _one({"type": "interactive", "interactive": {"type": "nfm_reply", "nfm_reply": reply}})
    assert event.kind == "interactive" and event.interaction.kind == "flow_reply"
    assert event.interaction.fields in (None, {})
    assert "t" not in json.dumps(dump_event(event).get("interaction", {}).get("fields") or {})
