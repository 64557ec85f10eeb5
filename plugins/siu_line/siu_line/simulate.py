"""Build the webhook POST LINE would send for customer text messages: one signed body, every message an event.

LINE batches events, so several messages make one request. Ids are carried verbatim (LINE's message
ids are strings), so no simulated id is renamed. Each event gets a reply token and a webhook event id
derived from its message id, so the same simulation always produces the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from siu_core.plugin import SimulatedMessage, WebhookRequest, require_secret
from siu_line.auth import SIGNATURE_HEADER, sign
from siu_line.config import CHANNEL

#: Crockford's base32, the alphabet of LINE's ULID webhook event ids.
_ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _derived(seed: str, size: int, alphabet: str) -> str:
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:size])


def event_payload(msg: SimulatedMessage) -> dict[str, Any]:
    """The message event LINE sends for one text from a user in a one-to-one chat."""
    return {
        "type": "message",
        "message": {"type": "text", "id": msg.message_id,
                    "quoteToken": _derived(f"quote:{msg.message_id}", 32, "abcdefghijklmnopqrstuvwxyz0123456789"),
                    "text": msg.text},
        "webhookEventId": _derived(f"event:{msg.message_id}", 26, _ULID_ALPHABET),
        "deliveryContext": {"isRedelivery": False},
        "timestamp": int(msg.timestamp.timestamp() * 1000),
        "source": {"type": "user", "userId": msg.sender_id},
        "replyToken": _derived(f"reply:{msg.message_id}", 32, "0123456789abcdef"),
        "mode": "active",
    }


def simulate_webhook(
    messages: Sequence[SimulatedMessage],
    account_id: str,
    secrets: Mapping[str, str],
) -> WebhookRequest:
    """One POST carrying every message, signed with the channel secret; it verifies and normalizes back."""
    secret = require_secret(secrets, "channel_secret", CHANNEL)
    payload = {"destination": account_id, "events": [event_payload(m) for m in messages]}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return WebhookRequest(body=body, headers={"Content-Type": "application/json; charset=utf-8",
                                              SIGNATURE_HEADER: sign(body, secret)})
