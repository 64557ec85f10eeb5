"""The shared Messenger-Platform module (siu_meta.messaging): parsing edges, sending, media, samples."""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from siu_contract.mappings import as_models
from siu_meta import messaging
from siu_meta.graph import GraphErrorPolicy, verify_hub_signature

from siu_core.errors import (
    ConfigError,
    InvalidReply,
    MalformedPayload,
    PermanentSendError,
    RateLimited,
    TransientSendError,
    WindowClosed,
)
from siu_core.models import (
    Attachment,
    MessageEvent,
    ReactionEvent,
    ReplyRequest,
    SimulatedMessage,
    StatusEvent,
    Unreadable,
    dump_event,
    parse_event,
)
from siu_core.schemas import schema_errors

PROFILE = messaging.MessagingProfile(
    channel="facebook",
    webhook_object="page",
    display_name="Messenger",
    error_policy=GraphErrorPolicy(window_closed=frozenset({(10, 2018278)}), permanent=frozenset({551})),
    max_text=2000,
    text_unit="characters",
)
#: ``ReplyWindowPolicy`` fields, as plain data like the plugins' own.
WINDOW = {"standard_hours": 24, "human_agent_days": 7}
PAGE, PSID = "1029384756", "9988776655"
T = 1795166100000


# --- a requests transport that answers from a script ---------------------------------------------


class ScriptedAdapter(BaseAdapter):
    """Answers each request with the next scripted reply and records what was sent (no network)."""

    def __init__(self, *replies: tuple[int, dict[str, str], bytes] | Exception) -> None:
        super().__init__()
        self.replies = list(replies)
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.sent.append(request)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        status, headers, body = reply
        resp = requests.Response()
        resp.status_code = status
        resp.headers = CaseInsensitiveDict(headers)
        resp.raw = io.BytesIO(body)
        resp.url = request.url or ""
        resp.request = request
        return resp

    def close(self) -> None:
        """Nothing to release."""


def session_with(adapter: ScriptedAdapter) -> requests.Session:
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def body_of(entries: list[dict[str, Any]], obj: str = "page") -> bytes:
    return json.dumps({"object": obj, "entry": entries}).encode()


def plain(found: list[Any]) -> list[Any]:
    """normalize's output read as models, after checking every event is plain data equal to its model's dump.

    Contract 1.4 without pydantic: the connector queues each mapping as it is, so it must be exactly what
    the labeler's parse dumps back (defaults included); only an item set aside is a model (Unreadable).
    """
    for event in found:
        if not isinstance(event, Unreadable):
            assert type(event) is dict, type(event)
            assert event == dump_event(parse_event(json.loads(json.dumps(event)))), event
    return as_models(found)


def normalize(entries: list[dict[str, Any]], **settings_: Any) -> list[Any]:
    return plain(messaging.normalize_body(body_of(entries), settings_, PROFILE))


def set_aside(entries: list[dict[str, Any]], match: str = "") -> Unreadable:
    """The one item of these entries, set aside as unreadable for a reason mentioning ``match``."""
    (item,) = normalize(entries)
    assert isinstance(item, Unreadable) and item.channel == PROFILE.channel, item
    assert match in item.reason
    return item


# --- property: any input is events or MalformedPayload ---------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def _or_junk(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the realistic value, sometimes any JSON at all in its place."""
    return st.integers(0, 19).flatmap(lambda n: JSON if n == 0 else strategy)


def _obj(required: dict[str, Any], optional: dict[str, Any]) -> st.SearchStrategy[Any]:
    return _or_junk(st.fixed_dictionaries(required, optional=optional))


TS = _or_junk(st.one_of(st.integers(min_value=10**12, max_value=2 * 10**12),
                        st.integers(min_value=10**9, max_value=2 * 10**9).map(str)))
MID = _or_junk(st.sampled_from(["m_1", "m_2", "aWdfZG1f"]))
TEXT = _or_junk(st.text(max_size=12))
PARTY = _obj({"id": st.sampled_from([PSID, PAGE])}, {"user_ref": st.text(max_size=4)})
ATTACHMENT = _obj(
    {"type": _or_junk(st.sampled_from([*messaging.ATTACHMENT_TYPES, "template", "appointment_booking"]))},
    {"payload": _obj({}, {"url": _or_junk(st.just("https://cdn.example/a.jpg")), "title": TEXT,
                          "sticker_id": _or_junk(st.integers(1, 10**15))}),
     "title": TEXT, "url": TEXT},
)
REFERRAL = _obj({}, {"ref": TEXT, "source": TEXT, "type": TEXT, "ad_id": _or_junk(st.just("120208")),
                     "ads_context_data": _obj({}, {"ad_title": TEXT})})
PAYLOADS: dict[str, st.SearchStrategy[Any]] = {
    "message": _obj({"mid": MID}, {
        "text": TEXT, "is_echo": st.booleans(), "is_deleted": st.booleans(), "is_unsupported": st.booleans(),
        "app_id": _or_junk(st.just(42)), "metadata": _or_junk(st.just("siu:k")),
        "attachments": _or_junk(st.lists(ATTACHMENT, max_size=3)),
        "quick_reply": _obj({}, {"payload": TEXT}),
        "reply_to": _obj({}, {"mid": MID, "story": _obj({}, {"id": TEXT, "url": TEXT})}),
        "referral": REFERRAL,
    }),
    "postback": _obj({}, {"mid": MID, "title": TEXT, "payload": TEXT, "referral": REFERRAL}),
    "reaction": _obj({"mid": MID, "action": _or_junk(st.sampled_from(["react", "unreact"]))},
                     {"emoji": TEXT, "reaction": TEXT}),
    "message_edit": _obj({"mid": MID, "text": TEXT}, {"num_edit": st.integers(0, 5)}),
    "delivery": _obj({}, {"mids": _or_junk(st.lists(MID, max_size=2)), "watermark": TS}),
    "read": _obj({}, {"watermark": TS, "mid": MID}),
    "optin": JSON,
}
ITEM = _or_junk(st.sampled_from(sorted(PAYLOADS)).flatmap(
    lambda key: st.fixed_dictionaries({"sender": PARTY, key: PAYLOADS[key]},
                                      optional={"recipient": PARTY, "timestamp": TS})))
ENTRY = _obj(
    {"id": st.sampled_from([PAGE, "0", 5])},
    {"time": TS, "messaging": _or_junk(st.lists(ITEM, max_size=3)), "standby": st.lists(ITEM, max_size=2),
     "changes": _or_junk(st.lists(_obj({"field": st.just("messages"), "value": ITEM}, {}), max_size=2))},
)


def _check_events_or_malformed(body: bytes) -> None:
    try:
        events = plain(messaging.normalize_body(body, {"app_id": "42"}, PROFILE))
    except MalformedPayload:
        return
    assert isinstance(events, list)
    for event in events:
        if isinstance(event, Unreadable):
            json.dumps(event.raw)  # the core can store it
            assert event.channel == PROFILE.channel and event.path.startswith("entry[")
            continue
        assert schema_errors("event", dump_event(event)) == []


# Arbitrary bytes and arbitrary JSON are the contract suite's ``normalize.property[bytes/json]`` on
# both Meta channels; this structure-aware property reaches far deeper into the item parsers.
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ENTRY, max_size=3))
def test_meta_shaped_json_is_events_or_malformed(entries: list[dict[str, Any]]) -> None:
    _check_events_or_malformed(body_of(entries))


def test_hostile_bodies_are_malformed_not_crashes() -> None:
    for raw in (b"[" * 50_000, b'{"object":"page","entry":[' + b"[" * 50_000 + b"]}"):
        with pytest.raises(MalformedPayload):
            messaging.normalize_body(raw, {}, PROFILE)
    huge_time = (b'{"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"2"},"recipient":{"id":"1"},'
                 b'"timestamp":' + b"9" * 400 + b',"message":{"mid":"m","text":"x"}}]}]}')
    (item,) = plain(messaging.normalize_body(huge_time, {}, PROFILE))
    assert isinstance(item, Unreadable) and "timestamp" in item.reason


# --- parsing edges ---------------------------------------------------------------------------------


def _item(payload: dict[str, Any], sender: str = PSID, recipient: str = PAGE, ts: Any = T) -> dict[str, Any]:
    return {"sender": {"id": sender}, "recipient": {"id": recipient}, "timestamp": ts, **payload}


def test_numeric_ids_are_tolerated_and_user_ref_identifies_a_sender() -> None:
    events = normalize([{"id": int(PAGE), "time": T, "messaging": [
        {"sender": {"id": int(PSID)}, "recipient": {"id": int(PAGE)}, "timestamp": T,
         "message": {"mid": "m_1", "text": "hi"}},
        {"sender": {"user_ref": "ref-123"}, "recipient": {"id": PAGE}, "timestamp": T,
         "postback": {"mid": "m_2", "title": "Start", "payload": "GO"}},
    ]}])
    assert [(e.customer.id, e.account_id) for e in events] == [(PSID, PAGE), ("ref-123", PAGE)]


def test_timestamp_falls_back_to_entry_time_and_seconds_are_detected() -> None:
    (event,) = normalize([{"id": PAGE, "time": "1527459824", "messaging": [
        {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "message": {"mid": "m_1", "text": "x"}}]}])
    assert event.timestamp == datetime(2018, 5, 27, 22, 23, 44, tzinfo=UTC)
    set_aside([{"id": PAGE, "messaging": [
        {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "message": {"mid": "m_1", "text": "x"}}]}], "timestamp")


def test_reaction_by_the_business_is_marked_and_keeps_the_customer() -> None:
    (event,) = normalize([{"id": PAGE, "time": T, "messaging": [
        _item({"reaction": {"mid": "m_1", "action": "react", "emoji": "👍", "reaction": "like"}},
              sender=PAGE, recipient=PSID)]}])
    assert isinstance(event, ReactionEvent)
    assert (event.by, event.customer.id, event.account_id) == ("business", PSID, PAGE)


def test_statuses_that_say_nothing_or_come_from_the_business_yield_nothing() -> None:
    assert normalize([{"id": PAGE, "time": T, "messaging": [
        _item({"delivery": {}}),
        _item({"read": {"watermark": T}}, sender=PAGE, recipient=PSID),
    ]}]) == []


@pytest.mark.parametrize(("payload", "sender", "reason"), [
    ({"reaction": {"mid": "m_\ud800", "action": "react"}}, PSID, "1 invalid field(s)"),
    ({"message_edit": {"mid": "m_\ud800", "text": "x"}}, PSID, "1 invalid field(s)"),
    ({"message": {"mid": "m_\ud800", "is_deleted": True}}, PSID, "1 invalid field(s)"),
    ({"read": {"mid": "m_1"}}, "\udc00", "1 invalid field(s)"),
    ({"postback": {"title": "Go"}}, "\udc00", "1 invalid field(s)"),  # the customer is checked first, alone
    ({"postback": {"mid": "m_\ud800", "title": "Go"}}, PSID, "1 invalid field(s)"),
])
def test_ids_the_event_models_refuse_set_the_item_aside_as_they_did(payload: dict[str, Any], sender: str,
                                                                     reason: str) -> None:
    # A lone UTF-16 surrogate (an escape cut in half) in an id the models hold to valid Unicode: the
    # mapping sets the item aside with the reason the model's validation error gave.
    (item,) = normalize([{"id": PAGE, "time": T, "messaging": [_item(payload, sender=sender)]}])
    assert isinstance(item, Unreadable) and item.reason == f"entry[0].messaging[0]: {reason}"
    # A message's ids were never checked that way: it is queued (the connector scrubs the surrogate).
    (found,) = messaging.normalize_body(body_of([{"id": PAGE, "time": T, "messaging": [
        _item({"message": {"mid": "m_\ud800", "text": "x"}})]}]), {}, PROFILE)
    assert type(found) is dict and found["message_id"] == "m_\ud800"


def test_status_watermark_must_be_a_time() -> None:
    set_aside([{"id": PAGE, "time": T, "messaging": [_item({"read": {"watermark": "soon"}})]}], "watermark")


@pytest.mark.parametrize(
    "payload",
    [
        {"message": {"mid": "m_1", "text": 5}},
        {"message": {"mid": "", "text": "x"}},
        {"message": {"mid": "m_1", "attachments": {"type": "image"}}},
        {"message": {"mid": "m_1", "quick_reply": "YES"}},
        {"message_edit": {"mid": "m_1"}},
        {"reaction": {"action": "react", "emoji": "x"}},
        {"delivery": {"mids": "m_1", "watermark": T}},
    ],
)
def test_known_items_with_broken_fields_cost_only_themselves(payload: dict[str, Any]) -> None:
    good = _item({"message": {"mid": "m_good", "text": "still here"}})
    bad, event = normalize([{"id": PAGE, "time": T, "messaging": [_item(payload), good]}])
    assert isinstance(bad, Unreadable) and bad.path == "entry[0].messaging[0]" and bad.raw == _item(payload)
    assert isinstance(event, MessageEvent) and event.message_id == "m_good"


def test_an_unreadable_item_in_changes_or_standby_is_set_aside_with_its_path() -> None:
    found = normalize([{"id": PAGE, "time": T, "standby": ["junk"],
                        "changes": [{"field": "messages", "value": _item({"message": {"text": "no mid"}})}]}])
    assert [(type(f).__name__, f.path) for f in found] == [
        ("Unreadable", "entry[0].standby[0]"), ("Unreadable", "entry[0].changes[0].value")]
    assert "mid" in found[1].reason and "no mid" not in found[1].reason  # the reason names fields, not words


@pytest.mark.parametrize("coordinates", [None, {"lat": "52.5", "long": 13.4}, {"lat": 91, "long": 0},
                                         {"lat": 0, "long": True}, {"lat": 10**400, "long": 0}])
def test_a_location_without_readable_coordinates_is_set_aside(coordinates: Any) -> None:
    payload = {"coordinates": coordinates} if coordinates is not None else {}
    set_aside([{"id": PAGE, "time": T, "messaging": [
        _item({"message": {"mid": "m_1", "attachments": [{"type": "location", "payload": payload}]}})]}],
        "coordinates")


def test_a_location_keeps_its_coordinates_title_and_map_link() -> None:
    (event,) = normalize([{"id": PAGE, "time": T, "messaging": [_item({"message": {"mid": "m_1", "attachments": [
        {"type": "location", "title": "Home", "url": "https://maps.example/x",
         "payload": {"coordinates": {"lat": -33.9, "long": 18.4}}}]}})]}])
    assert event.kind == "location" and event.attachments == []
    assert (event.location.latitude, event.location.longitude, event.location.name, event.location.url) == (
        -33.9, 18.4, "Home", "https://maps.example/x")


def test_an_ig_story_attachment_is_a_story_mention_with_its_media_url() -> None:
    (event,) = normalize([{"id": PAGE, "time": T, "messaging": [_item({"message": {"mid": "m_1", "attachments": [
        {"type": "ig_story", "payload": {"url": "https://cdn.example/story.mp4", "id": 1790}}]}})]}])
    assert event.kind == "story_mention"
    assert (event.story.kind, event.story.id, event.story.url) == ("mention", "1790", "https://cdn.example/story.mp4")


def test_echo_needs_a_recipient_and_unknown_app_is_not_ours() -> None:
    set_aside([{"id": PAGE, "time": T, "messaging": [
        {"sender": {"id": PAGE}, "timestamp": T, "message": {"mid": "m_1", "is_echo": True, "text": "x"}}]}],
        "recipient")
    (event,) = normalize([{"id": PAGE, "time": T, "messaging": [
        _item({"message": {"mid": "m_1", "is_echo": True, "app_id": 99, "metadata": "other", "text": "x"}},
              sender=PAGE, recipient=PSID)]}], app_id="42")
    assert isinstance(event, MessageEvent)
    assert (event.type, event.own_app, event.customer.id) == ("echo", False, PSID)
    (mine,) = normalize([{"id": PAGE, "time": T, "messaging": [
        _item({"message": {"mid": "m_1", "is_echo": True, "app_id": 42, "text": "x"}},
              sender=PAGE, recipient=PSID)]}], app_id="42")
    assert isinstance(mine, MessageEvent) and mine.own_app


def test_status_carries_ids_and_watermark() -> None:
    (event,) = normalize([{"id": PAGE, "time": T, "messaging": [
        _item({"delivery": {"mids": ["m_1", "m_2"], "watermark": T - 5}}, ts=None)]}])
    assert isinstance(event, StatusEvent)
    assert event.message_ids == ["m_1", "m_2"]
    assert event.watermark == datetime(2026, 11, 20, 9, 14, 59, 995000, tzinfo=UTC)


# --- settings and sending ----------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [(True, True), ("true", True), ("ON", True), ("0", False),
                                                 (None, False), ("", False), (False, False)])
def test_setting_flag(value: Any, expected: bool) -> None:
    assert messaging.setting_flag({"x": value}, "x") is expected


def test_setting_flag_refuses_nonsense() -> None:
    with pytest.raises(ConfigError, match="'x'"):
        messaging.setting_flag({"x": "maybe"}, "x")


def test_marker_fits_meta_metadata_limit() -> None:
    assert messaging.own_marker("k-1") == "siu:k-1"
    assert len(messaging.own_marker("k" * 5000)) == messaging.MAX_METADATA_CHARS


def test_text_problem_counts_the_channel_unit() -> None:
    assert messaging.text_problem("ä" * 1000, 1000, "characters", "X") is None
    assert "1001 characters" in (messaging.text_problem("ä" * 1001, 1000, "characters", "X") or "")
    assert "1002 bytes" in (messaging.text_problem("ä" * 501, 1000, "bytes", "X") or "")
    assert messaging.text_problem("  \n", 1000, "bytes", "X") == "the reply is empty"


def _request(**kw: Any) -> ReplyRequest:
    base: dict[str, Any] = {
        "channel": "facebook", "account_id": PAGE, "recipient": {"id": PSID}, "text": "Hello",
        "idempotency_key": "k-1", "last_inbound_at": "2026-11-20T09:00:00Z",
        "requested_at": "2026-11-20T10:00:00Z",
    }
    base.update(kw)
    return ReplyRequest.model_validate(base)


def _send(adapter: ScriptedAdapter, request: ReplyRequest, **settings_: Any) -> Any:
    return messaging.send_text(request, profile=PROFILE, window_policy=WINDOW, url="https://graph.example/v25.0/1/messages",
                        access_token="tok-secret", settings=settings_, session=session_with(adapter))


def test_send_puts_the_token_in_a_header_and_the_marker_in_metadata() -> None:
    adapter = ScriptedAdapter((200, {"Content-Type": "application/json"},
                               b'{"recipient_id":"9988776655","message_id":"m_ok"}'))
    result = _send(adapter, _request())
    assert (result.message_id, result.recipient_id) == ("m_ok", PSID)
    (sent,) = adapter.sent
    assert sent.headers["Authorization"] == "Bearer tok-secret"
    assert "tok-secret" not in (sent.url or "")
    assert json.loads(sent.body or b"") == {
        "recipient": {"id": PSID}, "messaging_type": "RESPONSE", "message": {"text": "Hello", "metadata": "siu:k-1"}}


@pytest.mark.parametrize(
    ("hours", "enabled", "expected"),
    [(23.99, False, "RESPONSE"), (24, True, "MESSAGE_TAG"), (24 * 7 - 0.01, True, "MESSAGE_TAG")],
)
def test_window_edges(hours: float, enabled: bool, expected: str) -> None:
    adapter = ScriptedAdapter((200, {}, b'{"message_id":"m_ok"}'))
    last = datetime(2026, 11, 20, 9, tzinfo=UTC)
    _send(adapter, _request(last_inbound_at=last, requested_at=last + timedelta(hours=hours)),
          human_agent_enabled=enabled)
    assert json.loads(adapter.sent[0].body or b"")["messaging_type"] == expected


@pytest.mark.parametrize(
    ("hours", "enabled", "says"),
    [(24, False, "enabling the HUMAN_AGENT tag"), (24 * 7, True, "customer must write again"),
     (None, True, "no customer message on record")],
)
def test_closed_window_is_refused_before_http(hours: float | None, enabled: bool, says: str) -> None:
    adapter = ScriptedAdapter()
    last = datetime(2026, 11, 20, 9, tzinfo=UTC)
    request = _request(last_inbound_at=None if hours is None else last,
                       requested_at=last + timedelta(hours=hours or 1))
    with pytest.raises(WindowClosed, match=says) as info:
        _send(adapter, request, human_agent_enabled=enabled)
    assert info.value.allowed == ()
    assert adapter.sent == []


def test_accepted_without_message_id_is_not_retried_blindly() -> None:
    with pytest.raises(PermanentSendError, match="no message id"):
        _send(ScriptedAdapter((200, {}, b'{"recipient_id":"1"}')), _request())


def test_timeouts_and_5xx_are_transient_and_throttling_is_rate_limited() -> None:
    with pytest.raises(TransientSendError):
        _send(ScriptedAdapter(requests.ReadTimeout("slow")), _request())
    with pytest.raises(TransientSendError):
        _send(ScriptedAdapter((502, {"Content-Type": "text/html"}, b"<html>bad gateway</html>")), _request())
    with pytest.raises(RateLimited) as info:
        _send(ScriptedAdapter((400, {"Retry-After": "7"}, b'{"error":{"code":4,"message":"(#4) limit"}}')),
              _request())
    assert info.value.retry_after == 7.0


def test_templates_and_empty_text_are_invalid() -> None:
    with pytest.raises(InvalidReply, match="templates"):
        messaging.check_reply(_request(text=None, template={"name": "t", "language": "en"}), PROFILE, WINDOW, {})
    with pytest.raises(InvalidReply, match="empty"):
        messaging.check_reply(_request(text="   "), PROFILE, WINDOW, {})


@pytest.mark.parametrize(
    ("base", "version", "node", "error"),
    [("ftp://x", "v25.0", "1", "http"), ("https://graph.facebook.com", "25", "1", "graph_version"),
     ("https://graph.facebook.com", "v25.0", "a/b", "node")],
)
def test_send_url_checks_its_parts(base: str, version: str, node: str, error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        messaging.send_url(base, version, node)


def test_send_url_and_graph_version() -> None:
    assert messaging.send_url("http://127.0.0.1:8000/platform/facebook/", "v25.0", "me") == (
        "http://127.0.0.1:8000/platform/facebook/v25.0/me/messages")
    assert messaging.graph_version({}) == "v25.0"
    with pytest.raises(ConfigError):
        messaging.graph_version({"graph_version": 25})


# --- media -------------------------------------------------------------------------------------------

GRAPH = "https://graph.facebook.com"
Download = Callable[..., Any]


def _download(adapter: ScriptedAdapter, url: str | None, **kw: Any) -> Any:
    return messaging.download_attachment(Attachment(type="image", url=url), session=session_with(adapter),
                                  access_token="tok-secret", token_origins=[GRAPH, "http://127.0.0.1:8000/platform"],
                                  policy=PROFILE.error_policy, **kw)


def test_cdn_download_sends_no_token() -> None:
    adapter = ScriptedAdapter((200, {"Content-Type": "image/jpeg; charset=binary"}, b"\xff\xd8jpeg"))
    media = _download(adapter, "https://scontent.xx.fbcdn.net/v/t1/123_n.jpg?oh=1&oe=2")
    assert (media.content, media.mime_type, media.filename) == (b"\xff\xd8jpeg", "image/jpeg", "123_n.jpg")
    assert "Authorization" not in adapter.sent[0].headers


def test_graph_hosted_media_gets_the_token_and_local_http_is_allowed() -> None:
    adapter = ScriptedAdapter((200, {}, b"a"), (200, {}, b"b"))
    _download(adapter, "https://graph.facebook.com/v25.0/123/attachment")
    _download(adapter, "http://127.0.0.1:8000/platform/facebook/media/1")
    assert [r.headers.get("Authorization") for r in adapter.sent] == ["Bearer tok-secret"] * 2


def test_media_refusals() -> None:
    assert _download(ScriptedAdapter(), None) is None
    with pytest.raises(PermanentSendError, match="non-https"):
        _download(ScriptedAdapter(), "http://evil.example/x.jpg")
    with pytest.raises(PermanentSendError):
        _download(ScriptedAdapter((404, {}, b'{"error":{"code":100,"message":"gone"}}')), "https://cdn.example/x")
    with pytest.raises(TransientSendError):
        _download(ScriptedAdapter((503, {}, b"")), "https://cdn.example/x")
    with pytest.raises(TransientSendError):
        _download(ScriptedAdapter(requests.ConnectTimeout("x")), "https://cdn.example/x")
    with pytest.raises(PermanentSendError, match="larger"):
        _download(ScriptedAdapter((200, {}, b"x" * 100)), "https://cdn.example/x", max_bytes=10)


# --- sample traffic and the dev stand-in ---------------------------------------------------------------


def test_simulated_webhook_round_trips() -> None:
    at = datetime(2026, 11, 20, 9, 15, 0, 123000, tzinfo=UTC)
    messages = [SimulatedMessage(sender_id=PSID, text="Grüße, see https://x.example/a", message_id="m_a",
                                 timestamp=at),
                SimulatedMessage(sender_id="555", text="second", message_id="m_b", timestamp=at)]
    hook = messaging.simulate_webhook(messages, PAGE, "app-secret", PROFILE)
    hook.body.decode("ascii")
    assert b"\\u00fc" in hook.body and b"\\/" in hook.body
    assert verify_hub_signature(hook.body, hook.headers, "app-secret") is True
    events = [e for e in plain(messaging.normalize_body(hook.body, {}, PROFILE)) if isinstance(e, MessageEvent)]
    assert len(events) == len(messages)
    assert [(e.message_id, e.customer.id, e.text, e.timestamp, e.account_id) for e in events] == [
        (m.message_id, m.sender_id, m.text, m.timestamp, PAGE) for m in messages]


def test_stand_in_answers_like_the_send_api() -> None:
    ok = messaging.stand_in_answer("POST", "/v25.0/1/messages", json.dumps(
        {"recipient": {"id": PSID}, "messaging_type": "RESPONSE", "message": {"text": "hi"}}).encode(), PROFILE)
    assert ok is not None and ok.status == 200
    assert ok.body["recipient_id"] == PSID and ok.body["message_id"].startswith("m_")
    assert messaging.stand_in_answer("GET", "/v25.0/1/messages", b"", PROFILE) is None
    for bad in (b"nope", b"[]", json.dumps({"recipient": {}, "message": {"text": "x"}}).encode(),
                json.dumps({"recipient": {"id": "1"}, "messaging_type": "MESSAGE_TAG",
                            "message": {"text": "x"}}).encode(),
                json.dumps({"recipient": {"id": "1"}, "message": {"text": "x" * 2001}}).encode()):
        answer = messaging.stand_in_answer("POST", "/v25.0/1/messages", bad, PROFILE)
        assert answer is not None and answer.status == 400
        assert answer.body["error"]["code"] == 100


# --- files by URL (contract 1.4) -------------------------------------------------------------------

#: ``AttachmentSupport`` fields, as plain data like the plugins' own (contract 1.4).
FILES = {"kinds": {"image": {"content_types": ["image/png"], "max_bytes": 10},
                   "document": {"content_types": ["application/pdf"], "max_bytes": 10}}}
WITH_FILES = dataclasses.replace(PROFILE, attachments=FILES)
PNG = {"kind": "image", "url": "https://media.example/u/a.png", "content_type": "image/png", "size": 5,
       "filename": "a.png"}


@pytest.mark.parametrize(("item", "sent_type"), [(PNG, "image"), ({**PNG, "kind": "document"}, "file")])
def test_a_file_goes_as_a_send_api_attachment_by_url(item: dict[str, Any], sent_type: str) -> None:
    request = _request(text=None, attachments=[item])
    state = messaging.check_reply(request, WITH_FILES, WINDOW, {})
    payload = messaging.build_send_payload(request, state, WITH_FILES)
    assert payload["message"]["attachment"] == {"type": sent_type, "payload": {"url": PNG["url"],
                                                                             "is_reusable": False}}


@pytest.mark.parametrize(("profile", "kw"), [
    (PROFILE, {"text": None, "attachments": [PNG]}),  # the channel declares no files
    (WITH_FILES, {"text": "and a caption", "attachments": [PNG]}),  # the Send API has no caption
    (WITH_FILES, {"text": None, "attachments": [PNG, PNG]}),
])
def test_files_the_send_api_would_refuse_are_refused_first(profile: messaging.MessagingProfile,
                                                            kw: dict[str, Any]) -> None:
    with pytest.raises(InvalidReply):
        messaging.check_reply(_request(**kw), profile, WINDOW, {})


def test_the_stand_in_takes_an_attachment_by_url_only_where_files_are_declared() -> None:
    body = json.dumps({"recipient": {"id": PSID}, "message": {"attachment": {"type": "image",
                                                                              "payload": {"url": PNG["url"]}}}})
    answer = messaging.stand_in_answer("POST", "/v25.0/1/messages", body.encode(), WITH_FILES)
    assert answer is not None and answer.status == 200
    refused = messaging.stand_in_answer("POST", "/v25.0/1/messages", body.encode(), PROFILE)
    assert refused is not None and refused.status == 400
