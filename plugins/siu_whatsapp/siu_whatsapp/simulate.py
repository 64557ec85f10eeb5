"""Build the webhook Meta would POST for customer text messages, byte-faithful and signed.

Used by ``siu simulate`` / ``siu demo`` and the contract suite's round trip. Meta sends compact,
ASCII-escaped JSON with ``/`` written as ``\\/``; the signature covers exactly those bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from siu_meta.graph import SIGNATURE_HEADER, sign_body

from siu_core.plugin import SimulatedMessage, WebhookRequest, require_secret
from siu_whatsapp.config import CHANNEL
from siu_whatsapp.normalize import FIELD_MESSAGES, OBJECT

_PHONE_RE = re.compile(r"^\d{6,20}$")


def meta_json(payload: Any) -> bytes:
    """Serialize the way Meta's webhook sender does: compact, ``\\uXXXX`` escapes, escaped slashes."""
    text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
    return text.replace("/", "\\/").encode("ascii")


def webhook_payload(
    messages: Sequence[SimulatedMessage], account_id: str, settings: Mapping[str, Any]
) -> dict[str, Any]:
    """One entry per message, as Meta batches them: contacts, string-second timestamps, metadata."""
    metadata: dict[str, str] = {}
    display = settings.get("display_phone_number")
    if isinstance(display, str) and display:
        metadata["display_phone_number"] = display
    metadata["phone_number_id"] = account_id
    waba = settings.get("business_account_id")
    entry_id = waba if isinstance(waba, str) and waba else account_id
    entries = []
    for msg in messages:
        contact: dict[str, Any] = {"profile": {"name": msg.sender_name}} if msg.sender_name else {}
        item: dict[str, Any]
        if _PHONE_RE.match(msg.sender_id):
            contact["wa_id"] = msg.sender_id
            item = {"from": msg.sender_id}
        else:  # a business-scoped user id: a username user without a visible phone number
            contact["user_id"] = msg.sender_id
            item = {"from_user_id": msg.sender_id}
        item.update(
            id=msg.message_id,
            timestamp=str(int(msg.timestamp.timestamp())),
            type="text",
            text={"body": msg.text},
        )
        value = {
            "messaging_product": "whatsapp",
            "metadata": dict(metadata),
            "contacts": [contact],
            "messages": [item],
        }
        entries.append({"id": entry_id, "changes": [{"value": value, "field": FIELD_MESSAGES}]})
    return {"object": OBJECT, "entry": entries}


def simulate_webhook(
    messages: Sequence[SimulatedMessage],
    account_id: str,
    secrets: Mapping[str, str],
    settings: Mapping[str, Any],
) -> WebhookRequest:
    """A signed POST carrying these messages; it verifies and normalizes back to them."""
    app_secret = require_secret(secrets, "app_secret", CHANNEL)
    body = meta_json(webhook_payload(messages, account_id, settings))
    return WebhookRequest(
        body=body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": "facebookexternalua",
            SIGNATURE_HEADER: sign_body(body, app_secret),
        },
    )
