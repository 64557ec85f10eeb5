"""Property tests: whatever arrives, normalize answers a list of valid events or MalformedPayload."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from siu_whatsapp.normalize import normalize_body
from siu_whatsapp.simulate import meta_json
from wa_testkit import as_models  # type: ignore[import-not-found, unused-ignore]  # tests/ is on sys.path

from siu_core import MalformedPayload
from siu_core.models import Unreadable, dump_event, parse_event
from siu_core.schemas import schema_errors

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
any_json = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=25,
)


def leaf(*good: Any) -> st.SearchStrategy[Any]:
    """A plausible value most of the time, anything at all sometimes (null, wrong type, huge)."""
    return st.one_of(st.sampled_from(good), any_json, st.just(None))


def maybe(d: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """A dict whose keys may each be missing."""
    return st.fixed_dictionaries({}, optional=d)


TYPES = [
    "text",
    "image",
    "audio",
    "video",
    "document",
    "sticker",
    "location",
    "contacts",
    "reaction",
    "interactive",
    "button",
    "order",
    "unsupported",
    "system",
    "typing",
]
media = maybe(
    {
        "id": leaf("123", ""),
        "mime_type": leaf("image/jpeg"),
        "caption": leaf("c"),
        "url": leaf("https://x"),
        "voice": leaf(True),
        "filename": leaf("f.pdf"),
        "sha256": leaf("abc"),
    }
)
message = maybe(
    {
        "from": leaf("16505551234", ""),
        "from_user_id": leaf("US.1", ""),
        "id": leaf("wamid.A", "wamid.B", ""),
        "timestamp": leaf("1749416383", 1749416383, "1e30", "-5", "x"),
        "type": leaf(*TYPES),
        "text": maybe({"body": leaf("hi", "")}),
        "image": media,
        "audio": media,
        "video": media,
        "document": media,
        "sticker": media,
        "location": maybe(
            {"latitude": leaf(1.5, "2", float("nan"), 10**400), "longitude": leaf(3, True), "name": leaf("n")}
        ),
        "contacts": st.lists(
            maybe(
                {
                    "name": maybe({"formatted_name": leaf("A"), "first_name": leaf("B")}),
                    "phones": st.lists(maybe({"phone": leaf("+1"), "wa_id": leaf("1")}), max_size=2),
                    "emails": leaf([{"email": "e@x"}]),
                }
            ),
            max_size=2,
        ),
        "reaction": maybe({"message_id": leaf("wamid.X", ""), "emoji": leaf("\U0001f62e", "")}),
        "interactive": maybe(
            {
                "type": leaf("button_reply", "list_reply", "nfm_reply"),
                "button_reply": maybe({"id": leaf("b"), "title": leaf("t")}),
                "list_reply": maybe({"id": leaf("l"), "title": leaf("t")}),
            }
        ),
        "button": maybe({"payload": leaf("p"), "text": leaf("t")}),
        "order": maybe(
            {
                "catalog_id": leaf("c"),
                "text": leaf("t", ""),
                "product_items": st.lists(
                    maybe(
                        {
                            "product_retailer_id": leaf("p"),
                            "quantity": leaf(1, "2", -1, 1e308 * 10),
                            "item_price": leaf(1.5),
                            "currency": leaf("EUR"),
                        }
                    ),
                    max_size=2,
                ),
            }
        ),
        "context": maybe({"id": leaf("wamid.C"), "from": leaf("1"), "forwarded": leaf(True, "true")}),
        "referral": maybe({"source_type": leaf("ad", "post"), "source_id": leaf("1"), "source_url": leaf("u")}),
        "errors": st.lists(
            maybe(
                {
                    "code": leaf(131051, "131051", "", True, 10**30),
                    "title": leaf("t"),
                    "error_data": leaf({"details": "d"}, "d"),
                }
            ),
            max_size=2,
        ),
    }
)
status = maybe(
    {
        "id": leaf("wamid.S", ""),
        "status": leaf("sent", "delivered", "read", "failed", "played", "x"),
        "timestamp": leaf("1749416383"),
        "recipient_id": leaf("1650"),
        "recipient_user_id": leaf("US.2"),
        "errors": st.lists(maybe({"code": leaf(131049)}), max_size=2),
    }
)
contact = maybe(
    {
        "wa_id": leaf("16505551234", "1650"),
        "user_id": leaf("US.1", "US.2"),
        "profile": maybe({"name": leaf("Sheena"), "username": leaf("s")}),
    }
)
value = maybe(
    {
        "messaging_product": st.just("whatsapp"),
        "metadata": st.one_of(st.just({"phone_number_id": "106540352242922"}), any_json),
        "contacts": st.one_of(st.lists(contact, max_size=3), any_json),
        "messages": st.one_of(st.lists(message, max_size=4), any_json),
        "statuses": st.one_of(st.lists(status, max_size=3), any_json),
        "message_echoes": st.one_of(st.lists(message, max_size=2), any_json),
        "errors": st.one_of(st.lists(maybe({"code": leaf(130429)}), max_size=2), any_json),
    }
)
whatsapp_shaped = st.fixed_dictionaries(
    {
        "object": st.sampled_from(["whatsapp_business_account", "whatsapp_business_account", "page"]),
        "entry": st.lists(
            maybe(
                {
                    "id": leaf("102290129340398"),
                    "time": leaf(1749416383),
                    "changes": st.lists(
                        maybe({"field": leaf("messages", "smb_message_echoes", "account_update"), "value": value}),
                        max_size=3,
                    ),
                }
            ),
            max_size=3,
        ),
    }
)


def check(body: bytes) -> None:
    """The property: a list of schema-valid events that parse back (and storable Unreadable items), or
    MalformedPayload; nothing else."""
    try:
        events = as_models(normalize_body(body))
    except MalformedPayload:
        return
    assert isinstance(events, list)
    for event in events:
        if isinstance(event, Unreadable):
            assert event.channel == "whatsapp" and event.path.startswith("entry[")
            json.dumps(event.raw)
            continue
        data = dump_event(event)
        assert schema_errors("event", data) == [], data
        assert parse_event(json.loads(json.dumps(data))) == event


@SETTINGS
@given(any_json)
def test_arbitrary_json(data: Any) -> None:
    check(json.dumps(data).encode())


@SETTINGS
@given(st.binary(max_size=2048))
def test_arbitrary_bytes(data: bytes) -> None:
    check(data)


@SETTINGS
@given(whatsapp_shaped)
def test_whatsapp_shaped_payloads_with_hostile_leaves(data: dict[str, Any]) -> None:
    check(meta_json(data))
