"""Fake channel plugins for testing the contract suite: one that keeps the contract, and broken ones.

``GoodChannel`` is a small but complete channel for an imaginary Graph-like platform ("fakechat"),
written only against siu_core's public plugin API. Each broken subclass breaks exactly one rule,
and the suite's own tests assert that exactly the matching check fails.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import requests
from siu_meta.graph import (
    GraphErrorPolicy,
    graph_get,
    graph_post,
    hub_handshake,
    load_json_body,
    parse_timestamp,
    sign_body,
    verify_hub_signature,
)

from siu_core.errors import InvalidReply, PermanentSendError, SignatureError, WindowClosed
from siu_core.hookspecs import CONTRACT_VERSION, hookimpl
from siu_core.models import (
    Acknowledgement,
    Attachment,
    ChannelInfo,
    CustomerProfile,
    Event,
    HandshakeResponse,
    MediaContent,
    MessageEvent,
    Participant,
    ReplyRequest,
    ReplyWindowPolicy,
    SendResult,
    SimulatedMessage,
    StatusEvent,
    Unreadable,
    WebhookRequest,
)
from siu_core.window import reply_window

POLICY = GraphErrorPolicy(window_closed=frozenset({(10, 2018278)}), window_closed_allowed=())
MAX_TEXT = 2000


class GoodChannel:
    """Keeps every rule of the contract."""

    version = "0.1.0"

    def __init__(self, name: str = "fakechat") -> None:
        self.name = name

    # --- description -------------------------------------------------------------------------

    @hookimpl
    def channel_info(self) -> ChannelInfo:
        """Describe the fake platform the way a real plugin describes its own."""
        return ChannelInfo(
            name=self.name,
            display_name="Fake Chat",
            version=self.version,
            contract_version=CONTRACT_VERSION,
            secret_fields=["app_secret", "verify_token", "access_token", "page_id"],
            signing_secret_fields=["app_secret"],
            settings={"base_url": "https://graph.fakechat.test", "graph_version": "v1.0"},
            reply_window=ReplyWindowPolicy(standard_hours=24),
            max_text_length=MAX_TEXT,
        )

    # --- inbound -----------------------------------------------------------------------------

    @hookimpl
    def handshake(self, query: Mapping[str, str], secrets: Mapping[str, str]) -> HandshakeResponse:
        """Answer the GET verification."""
        return hub_handshake(query, secrets.get("verify_token"))

    @hookimpl
    def verify_signature(self, body: bytes, headers: Mapping[str, str], secrets: Mapping[str, str]) -> bool:
        """Decide whether the body is authentic."""
        return verify_hub_signature(body, headers, secrets.get("app_secret"))

    @hookimpl
    def normalize(self, body: bytes) -> list[Event | Unreadable]:
        """Turn a webhook body into events (a message item that is not an object is set aside)."""
        data = load_json_body(body, "fakechat")
        events: list[Event | Unreadable] = []
        for n, entry in enumerate(data["entry"]):
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
                continue
            for i, item in enumerate(entry.get("messages") or []):
                if not isinstance(item, dict):
                    events.append(Unreadable(channel=self.name, path=f"entry[{n}].messages[{i}]",
                                             reason="not an object", raw=item))
                    continue
                event = self._message(entry["id"], item)
                if event is not None:
                    events.append(event)
            for item in entry.get("statuses") or []:
                status = self._status(entry["id"], item)
                if status is not None:
                    events.append(status)
        return events

    def _message(self, account: str, item: Any) -> MessageEvent | None:
        if not isinstance(item, dict):
            return None
        sender = item.get("from")
        mid, ts, text = item.get("mid"), parse_timestamp(item.get("ts")), item.get("text")
        if not isinstance(sender, dict) or not isinstance(sender.get("id"), str) or not sender["id"]:
            return None
        if not isinstance(mid, str) or not mid or ts is None:
            return None
        name = sender.get("name") if isinstance(sender.get("name"), str) else None
        return MessageEvent(
            type="message",
            channel=self.name,
            account_id=account,
            customer=Participant(id=sender["id"], name=name),
            timestamp=ts,
            message_id=mid,
            kind="text" if isinstance(text, str) else "unsupported",
            text=text if isinstance(text, str) else None,
        )

    def _status(self, account: str, item: Any) -> StatusEvent | None:
        if not isinstance(item, dict) or item.get("status") not in ("sent", "delivered", "read"):
            return None
        mid, ts, to = item.get("mid"), parse_timestamp(item.get("ts")), item.get("to")
        if not isinstance(mid, str) or not mid or ts is None or not isinstance(to, str) or not to:
            return None
        return StatusEvent(
            type="status",
            channel=self.name,
            account_id=account,
            customer=Participant(id=to),
            timestamp=ts,
            status=item["status"],
            message_ids=[mid],
        )

    @hookimpl
    def simulate_webhook(
        self, messages: Sequence[SimulatedMessage], account_id: str, secrets: Mapping[str, str]
    ) -> WebhookRequest:
        """Build a signed webhook carrying these messages."""
        entry = {
            "id": account_id,
            "messages": [
                {
                    "mid": m.message_id,
                    "from": {"id": m.sender_id, "name": m.sender_name},
                    "text": m.text,
                    "ts": int(m.timestamp.timestamp()),
                }
                for m in messages
            ],
        }
        body = json.dumps({"object": "fakechat", "entry": [entry]}).encode("utf-8")
        return WebhookRequest(
            body=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign_body(body, secrets["app_secret"])},
        )

    # --- outbound ----------------------------------------------------------------------------

    def _url(self, settings: Mapping[str, Any], *parts: str) -> str:
        return "/".join([settings["base_url"], settings["graph_version"], *parts])

    @hookimpl
    def send_reply(
        self, request: ReplyRequest, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
    ) -> SendResult:
        """Send a reply through the fake Graph API."""
        if request.text is None or not request.text.strip():
            raise InvalidReply("fakechat sends text only")
        if len(request.text) > MAX_TEXT:
            raise InvalidReply(f"text is longer than {MAX_TEXT} characters")
        if request.last_inbound_at is not None:
            now = request.requested_at or datetime.now(UTC)
            state = reply_window(self.channel_info().reply_window, request.last_inbound_at, now)
            if not state.can_send_text:
                raise WindowClosed(state.explanation, allowed=state.allowed)
        payload = self._payload(request)
        body = graph_post(
            session,
            self._url(settings, secrets["page_id"], "messages"),
            payload,
            access_token=secrets["access_token"],
            policy=POLICY,
        )
        return SendResult(message_id=str(body["message_id"]), recipient_id=body.get("recipient_id"))

    def _payload(self, request: ReplyRequest) -> dict[str, Any]:
        return {"recipient": {"id": request.recipient.id}, "message": {"text": request.text}}

    @hookimpl
    def download_media(
        self, attachment: Attachment, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
    ) -> MediaContent | None:
        """Fetch an attachment through the fake Graph API."""
        if attachment.media_id is None:
            return None
        token = secrets["access_token"]
        meta = graph_get(session, self._url(settings, attachment.media_id), access_token=token, policy=POLICY).json()
        blob = graph_get(session, meta["url"], access_token=token, policy=POLICY)
        return MediaContent(content=blob.content, mime_type=meta.get("mime_type"))


# --- broken channels: each breaks one rule --------------------------------------------------------


class AcceptsTamperedChannel(GoodChannel):
    """Only checks that the header looks right: tampered bodies and wrong secrets pass."""

    @hookimpl
    def verify_signature(self, body: bytes, headers: Mapping[str, str], secrets: Mapping[str, str]) -> bool:
        """Decide whether the body is authentic."""
        return (headers.get("x-hub-signature-256") or "").startswith("sha256=")


class ReserializingChannel(GoodChannel):
    """Verifies the re-serialized JSON instead of the raw bytes (the classic escaped-unicode bug)."""

    @hookimpl
    def verify_signature(self, body: bytes, headers: Mapping[str, str], secrets: Mapping[str, str]) -> bool:
        """Decide whether the body is authentic."""
        try:
            text = json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":")).encode()
        except ValueError:
            raise SignatureError("not JSON") from None
        return verify_hub_signature(text, headers, secrets.get("app_secret"))


class NonSchemaEventsChannel(GoodChannel):
    """Returns events that bypass validation and break the event schema."""

    @hookimpl
    def normalize(self, body: bytes) -> list[Event]:
        """Turn a webhook body into events."""
        events = GoodChannel.normalize(self, body)
        return [e.model_construct(**{**dict(e), "kind": "banana"}) if isinstance(e, MessageEvent) else e
                for e in events]


class MappingEventsChannel(GoodChannel):
    """Returns its messages as plain event mappings (contract 1.4), exactly as the models dump them."""

    @hookimpl
    def normalize(self, body: bytes) -> list[Any]:
        """Turn a webhook body into events, messages as mappings."""
        return [e.model_dump(mode="json", exclude_none=True) if isinstance(e, MessageEvent) else e
                for e in GoodChannel.normalize(self, body)]


class NonSchemaMappingsChannel(GoodChannel):
    """Returns message mappings (contract 1.4) that break the event schema: nothing validates them in the plugin."""

    @hookimpl
    def normalize(self, body: bytes) -> list[Any]:
        """Turn a webhook body into events, messages as mappings of an unknown kind."""
        return [{**e.model_dump(mode="json", exclude_none=True), "kind": "banana"} if isinstance(e, MessageEvent)
                else e for e in GoodChannel.normalize(self, body)]


class DropsUnreadableChannel(GoodChannel):
    """Drops an item it cannot read without a trace (nothing for the core to keep)."""

    @hookimpl
    def normalize(self, body: bytes) -> list[Event | Unreadable]:
        """Turn a webhook body into events."""
        return [e for e in GoodChannel.normalize(self, body) if not isinstance(e, Unreadable)]


class HidesUnknownKindsChannel(GoodChannel):
    """Drops messages of kinds it does not know instead of showing them as unsupported."""

    @hookimpl
    def normalize(self, body: bytes) -> list[Event | Unreadable]:
        """Turn a webhook body into events."""
        return [e for e in GoodChannel.normalize(self, body)
                if not (isinstance(e, MessageEvent) and e.kind == "unsupported")]


class CrashesOnUnknownChannel(GoodChannel):
    """Assumes every entry has messages: unknown event kinds raise KeyError."""

    @hookimpl
    def normalize(self, body: bytes) -> list[Event]:
        """Turn a webhook body into events."""
        data = load_json_body(body, "fakechat")
        for entry in data["entry"]:
            entry["messages"]
        return GoodChannel.normalize(self, body)


class DifferentBodyChannel(GoodChannel):
    """Sends a different body than the one recorded (an extra field)."""

    def _payload(self, request: ReplyRequest) -> dict[str, Any]:
        return {**GoodChannel._payload(self, request), "messaging_type": "UPDATE"}


class MisclassifiesErrorsChannel(GoodChannel):
    """Reports every platform refusal as InvalidReply (a permanent error must not look like bad input)."""

    @hookimpl
    def send_reply(
        self, request: ReplyRequest, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
    ) -> SendResult:
        """Send a reply through the fake Graph API."""
        try:
            return GoodChannel.send_reply(self, request, secrets, settings, session)
        except InvalidReply:
            raise
        except PermanentSendError as exc:
            raise InvalidReply(str(exc)) from exc


class GlobalClientChannel(GoodChannel):
    """Ignores the session it is given and posts with the module-level requests API."""

    @hookimpl
    def send_reply(
        self, request: ReplyRequest, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
    ) -> SendResult:
        """Send a reply through the fake Graph API."""
        return GoodChannel.send_reply(self, request, secrets, settings, requests.Session())


class LeaksSecretChannel(GoodChannel):
    """Embeds the access token it was tested with into every message text."""

    @hookimpl
    def normalize(self, body: bytes) -> list[Event]:
        """Turn a webhook body into events."""
        return [
            e.model_copy(update={"text": f"{e.text} [fake-access-token-abcdef]"}) if isinstance(e, MessageEvent) else e
            for e in GoodChannel.normalize(self, body)
        ]


class EchoesAnyTokenChannel(GoodChannel):
    """Echoes the challenge without comparing the verify token."""

    @hookimpl
    def handshake(self, query: Mapping[str, str], secrets: Mapping[str, str]) -> HandshakeResponse:
        """Answer the GET verification."""
        if query.get("hub.mode") == "subscribe" and "hub.challenge" in query:
            return HandshakeResponse(status=200, body=query["hub.challenge"])
        return HandshakeResponse(status=403, body="refused")


class Contract12Channel(GoodChannel):
    """A plugin written against contract 1.2, before shapes and partial batches were checked."""

    @hookimpl
    def channel_info(self) -> ChannelInfo:
        """The good channel's description, declaring contract 1.2."""
        return GoodChannel.channel_info(self).model_copy(update={"contract_version": "1.2"})


class WrongVersionChannel(GoodChannel):
    """Reports a version that is not its distribution's."""

    version = "9.9.9"


class PaleAccentChannel(GoodChannel):
    """Declares an accent colour too light to see on the inbox's white rows (2.3:1)."""

    @hookimpl
    def channel_info(self) -> ChannelInfo:
        """The good channel's description with a pale green icon."""
        return ChannelInfo.model_validate(
            {**GoodChannel.channel_info(self).model_dump(), "accent_color": "#06c755", "icon": ["M4 5h16v11H9l-5 4z"]}
        )


class MisspelledHookChannel(GoodChannel):
    """Carries a hook implementation that matches no hook specification."""

    @hookimpl
    def normalise(self, body: bytes) -> list[Event]:
        """A misspelling of normalize: pluggy must reject it at load time."""
        return []


class NoHandshakeChannel(GoodChannel):
    """A platform without a GET handshake: says so with 405."""

    @hookimpl
    def handshake(self, query: Mapping[str, str], secrets: Mapping[str, str]) -> HandshakeResponse:
        """Answer the GET verification."""
        return HandshakeResponse.unsupported("fakechat has no handshake")


class TemplatesChannel(GoodChannel):
    """Lists the account's message templates (the optional hook of contract 1.2)."""

    @hookimpl
    def message_templates(
        self, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
    ) -> list[dict[str, Any]] | None:
        """Read the fake Graph API's template list."""
        url = self._url(settings, secrets["page_id"], "message_templates")
        data = graph_get(session, url, access_token=secrets["access_token"], policy=POLICY).json()["data"]
        return [{"name": t["name"], "language": t["language"], "status": t["status"].upper(),
                 "category": t.get("category"), "param_count": int(t.get("params", 0))} for t in data]


class LowercaseTemplatesChannel(TemplatesChannel):
    """Passes the platform's status through as it comes, not upper-cased as the contract says."""

    @hookimpl
    def message_templates(
        self, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
    ) -> list[dict[str, Any]] | None:
        """Read the fake Graph API's template list."""
        listed = TemplatesChannel.message_templates(self, secrets, settings, session) or []
        return [{**t, "status": t["status"].lower()} for t in listed]


class AcknowledgingChannel(GoodChannel):
    """Answers every queued webhook with its own body and content type (the optional hook of contract 1.3)."""

    @hookimpl
    def acknowledge(self, events: Sequence[Event]) -> Acknowledgement:
        """Answer the way an XML-expecting platform wants."""
        return Acknowledgement(body="<Response/>", content_type="text/xml")


class EchoingAckChannel(GoodChannel):
    """Repeats the customer's words in the acknowledgement."""

    @hookimpl
    def acknowledge(self, events: Sequence[Event]) -> Acknowledgement:
        """Answer with the first message's text."""
        texts = [e.text for e in events if isinstance(e, MessageEvent) and e.text]
        return Acknowledgement(body=texts[0] if texts else "")


class ProfileChannel(GoodChannel):
    """Asks its platform's user API who a customer is (the optional hook of contract 1.4), None on failure."""

    @hookimpl
    def fetch_profile(self, customer_id: str, settings: Mapping[str, Any], session: Any) -> CustomerProfile | None:
        """One GET; anything but a 200 with a name is None."""
        try:
            answer = session.get(f"{settings.get('api_base_url')}/users/{customer_id}", timeout=3)
        except requests.RequestException:
            return None
        if answer.status_code != 200:
            return None
        return CustomerProfile(name=answer.json().get("name"))


class RaisingProfileChannel(GoodChannel):
    """Lets the platform's failure escape into the core."""

    @hookimpl
    def fetch_profile(self, customer_id: str, settings: Mapping[str, Any], session: Any) -> CustomerProfile | None:
        """Raise on any error status (what the contract forbids)."""
        answer = session.get(f"{settings.get('api_base_url')}/users/{customer_id}", timeout=3)
        answer.raise_for_status()
        return CustomerProfile(name=answer.json().get("name"))
