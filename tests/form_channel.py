"""A contract 1.3 test channel shaped like Twilio: form-encoded webhooks signed over the public URL.

``X-Formfake-Signature`` is base64 HMAC-SHA1, keyed by ``auth_token``, of the full URL followed by
every form parameter's name and value, sorted by name (Twilio's scheme). The hooks read the whole
:class:`~siu_core.models.InboundRequest`; ``acknowledge`` answers an empty TwiML document as XML.
It remembers the URLs it was shown, so a test can say which URL the core gave it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from siu_core.errors import MalformedPayload, MissingSignature, SignatureError, TransientSendError
from siu_core.hookspecs import CONTRACT_VERSION, hookimpl
from siu_core.models import (
    Acknowledgement,
    ChannelInfo,
    Event,
    HandshakeResponse,
    InboundRequest,
    MessageEvent,
    Participant,
    ReplyRequest,
    SendResult,
    SimulatedMessage,
    StandInResponse,
    WebhookRequest,
)
from siu_core.plugins import ChannelRegistry, new_plugin_manager

NAME = "formfake"
AUTH_TOKEN = "formfake-auth-token-0123456789"
ACCOUNT_SID = "AC0123456789"
SIGNATURE_HEADER = "x-formfake-signature"
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def signature(url: str, form: Sequence[tuple[str, str]], token: str = AUTH_TOKEN) -> str:
    """The signature of a form POST to this URL (what the platform would send)."""
    data = url + "".join(k + v for k, v in sorted(form, key=lambda kv: kv[0]))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def form_body(form: Sequence[tuple[str, str]]) -> bytes:
    """The form-encoded body of these parameters, in order."""
    return urlencode(list(form)).encode()


def message_form(sid: str = "SM1", text: str = "Where is my order? 1+1=2 ünïcode", sender: str = "+6591234567",
                 account: str = ACCOUNT_SID) -> list[tuple[str, str]]:
    """The parameters of one inbound message, as the platform posts them."""
    return [("MessageSid", sid), ("AccountSid", account), ("From", sender), ("To", "+6580000000"),
            ("Body", text), ("NumMedia", "0")]


class FormChannel:
    """The plugin: every hook takes ``request`` (contract 1.3)."""

    def __init__(self) -> None:
        self.seen_urls: list[str] = []
        self.ack_fails = False

    @hookimpl
    def channel_info(self) -> ChannelInfo:
        return ChannelInfo(name=NAME, display_name="Form fake", version="0.0.1", contract_version=CONTRACT_VERSION,
                           secret_fields=["account_sid", "auth_token"], signing_secret_fields=["auth_token"],
                           account_secret_field="account_sid",
                           settings={"api_base_url": "https://api.formfake.invalid", "timeout_seconds": 10.0})

    @hookimpl
    def handshake(self, request: InboundRequest) -> HandshakeResponse:
        self.seen_urls.append(request.url)
        return HandshakeResponse.unsupported("formfake has no GET verification")

    @hookimpl
    def verify_signature(self, request: InboundRequest, secrets: Mapping[str, str]) -> bool:
        self.seen_urls.append(request.url)
        given = request.headers.get(SIGNATURE_HEADER)
        if not given:
            raise MissingSignature(f"no {SIGNATURE_HEADER} header")
        token = secrets.get("auth_token") or ""
        expected = signature(request.url, request.form or (), token)
        if not token or not hmac.compare_digest(given.encode(), expected.encode()):
            raise SignatureError("signature does not match the URL and form")
        return True

    @hookimpl
    def normalize(self, request: InboundRequest, account_id: str | None) -> list[Event]:
        if request.form is None:
            raise MalformedPayload("not a form-encoded body")
        sid, sender = request.form_value("MessageSid"), request.form_value("From")
        if not sid or not sender:
            raise MalformedPayload("MessageSid and From are required")
        # Like Twilio's, the form carries no time: the message is as recent as its delivery.
        return [MessageEvent(type="message", channel=NAME, account_id=account_id or ACCOUNT_SID,
                             customer=Participant(id=sender), timestamp=datetime.now(UTC),
                             message_id=sid, kind="text", text=request.form_value("Body"))]

    @hookimpl
    def acknowledge(self, events: Sequence[Event]) -> Acknowledgement:
        if self.ack_fails:
            raise RuntimeError("acknowledge broke")
        return Acknowledgement(status=200, body=TWIML, content_type="text/xml")

    @hookimpl
    def send_reply(self, request: ReplyRequest, secrets: Mapping[str, str], settings: Mapping[str, Any],
                   session: Any) -> SendResult:
        sid = secrets.get("account_sid", "")
        resp = session.post(f"{settings['api_base_url']}/Accounts/{sid}/Messages.json",
                            data={"To": request.recipient.id, "Body": request.text},
                            auth=(sid, secrets.get("auth_token", "")), timeout=settings["timeout_seconds"])
        if resp.status_code != 201:
            raise TransientSendError(f"the platform answered {resp.status_code}")
        return SendResult(message_id=str(resp.json()["sid"]))

    @hookimpl
    def simulate_webhook(self, messages: Sequence[SimulatedMessage], account_id: str, secrets: Mapping[str, str],
                         url: str) -> list[WebhookRequest]:
        """One form POST per message, signed over the URL it will be posted to."""
        out: list[WebhookRequest] = []
        for m in messages:
            form = message_form(m.message_id, m.text, m.sender_id, account_id)
            out.append(WebhookRequest(body=form_body(form), headers={
                "Content-Type": "application/x-www-form-urlencoded",
                SIGNATURE_HEADER: signature(url, form, secrets.get("auth_token", ""))}))
        return out

    @hookimpl
    def stand_in_response(self, method: str, path: str) -> StandInResponse | None:
        if method == "POST" and path.endswith("/Messages.json"):
            return StandInResponse(status=201, body={"sid": f"SMout-{uuid.uuid4().hex[:12]}"})
        return None


#: The plugin object an entry point names (``formfake = form_channel:PLUGIN``).
PLUGIN = FormChannel()


def form_registry(plugin: FormChannel | None = None) -> ChannelRegistry:
    """A registry holding only the form channel (what ``load_channels(['formfake'])`` would return)."""
    registry = ChannelRegistry(pm=new_plugin_manager())
    registry.register(plugin or FormChannel(), NAME)
    return registry


def url_event(url_host: str, body: bytes, headers: Mapping[str, str], *, raw_path: str = "/",
              raw_query: str = "", method: str = "POST") -> dict[str, Any]:
    """A Function URL event as AWS hands it over (``x-forwarded-proto`` set by the Function URL)."""
    hdrs = {"content-type": "application/x-www-form-urlencoded", "x-forwarded-proto": "https",
            **{k.lower(): v for k, v in headers.items()}}
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": raw_path, "rawQueryString": raw_query,
        "headers": hdrs, "isBase64Encoded": False, "body": body.decode("utf-8"),
        "requestContext": {"domainName": url_host, "requestId": "req-1",
                           "http": {"method": method, "path": raw_path, "sourceIp": "203.0.113.9"}},
    }
