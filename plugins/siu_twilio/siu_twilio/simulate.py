"""Build the webhook POSTs Twilio would send for customer text messages: one form per message, signed over the URL.

A simulated message id that is not a Message SID becomes a stable one (``SM`` + 32 hex digits of its
hash), and the request's ``message_ids`` says which. Twilio's webhooks carry no time, so each
request gets a ``Date`` header with the message's time (normalize reads it).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from email.utils import format_datetime
from urllib.parse import urlencode

from siu_core.plugin import ConfigError, SimulatedMessage, WebhookRequest, require_secret
from siu_twilio import addresses
from siu_twilio.config import API_VERSION, CHANNEL
from siu_twilio.signature import SIGNATURE_HEADER, compute

_SID_RE = re.compile(r"^SM[0-9a-fA-F]{32}$")
FORM_TYPE = "application/x-www-form-urlencoded"
#: Placeholder account SID when a deployment has none configured yet (the signature does not cover it).
DEV_ACCOUNT_SID = "AC" + "0" * 32


def message_sid(simulated_id: str) -> str:
    """A Message SID for a simulated id: kept when it is one, else a stable hash of it."""
    if _SID_RE.match(simulated_id):
        return simulated_id
    return "SM" + hashlib.sha256(simulated_id.encode("utf-8")).hexdigest()[:32]


def inbound_form(msg: SimulatedMessage, account_id: str, account_sid: str) -> list[tuple[str, str]]:
    """The parameters of an incoming-message webhook for one text, in the order Twilio sends them."""
    sender = addresses.to_address(msg.sender_id)
    business = addresses.to_address(addresses.number_of(account_id))
    if sender is None or business is None:
        raise ConfigError(f"a Twilio address is a phone number or channel address, not {msg.sender_id!r} "
                          f"or {account_id!r}")
    transport = addresses.prefix_of(msg.sender_id)
    to = f"{transport}:{business}" if transport else business
    sid = message_sid(msg.message_id)
    form = [("SmsMessageSid", sid), ("NumMedia", "0")]
    if msg.sender_name:
        form.append(("ProfileName", msg.sender_name))
    if transport == addresses.WHATSAPP:
        form += [("MessageType", "text"), ("WaId", addresses.number_of(msg.sender_id))]
    form += [("SmsSid", sid), ("SmsStatus", "received"), ("Body", msg.text), ("To", to), ("NumSegments", "1"),
             ("MessageSid", sid), ("AccountSid", account_sid), ("From", sender), ("ApiVersion", API_VERSION)]
    return form


def simulate_webhook(
    messages: Sequence[SimulatedMessage],
    account_id: str,
    secrets: Mapping[str, str],
    url: str | None,
) -> list[WebhookRequest]:
    """One signed POST per message; each verifies at ``url`` and normalizes back to its message."""
    if not url:
        raise ConfigError("Twilio signs the URL a webhook is POSTed to: simulate_webhook needs it (contract 1.3)")
    token = require_secret(secrets, "auth_token", CHANNEL)
    account_sid = secrets.get("account_sid") or DEV_ACCOUNT_SID
    posts: list[WebhookRequest] = []
    for msg in messages:
        form = inbound_form(msg, account_id, account_sid)
        sid = message_sid(msg.message_id)
        posts.append(WebhookRequest(
            body=urlencode(form).encode("ascii"),
            headers={"Content-Type": FORM_TYPE, "Date": format_datetime(msg.timestamp, usegmt=True),
                     "User-Agent": "TwilioProxy/1.1", SIGNATURE_HEADER: compute(token, url, form)},
            message_ids={msg.message_id: sid} if sid != msg.message_id else {},
        ))
    return posts
