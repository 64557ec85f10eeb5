"""The least a connector doing siu's work could cost: a second baseline for ``bench.connector``.

Not siu's connector and not used by it: a bare handler that does, for a WhatsApp text webhook, only
what every delivery needs to reach the intake queue as siu queues it, with none of the checks:

- the signature (HMAC-SHA256, constant-time compare) and ``json.loads`` of the body (the floor);
- per text message: the event mapping (RFC 3339 time, customer with name), its queue body (one
  ``json`` encoding inside the queue message frame) and both FIFO ids (two SHA-256 digests);
- the ``SendMessageBatch`` entries, 10 to a call, and one JSON log line with the request's metric.

Left out on purpose, all of which siu's connector does: several accounts and unknown ones, every
other event kind and every malformed shape, unreadable items, oversized events, the queue's refusals,
redaction, the plugin dispatch. Its time over the floor says how close to the floor any connector
that queues one event per message can get, so ``connector_over_minimal`` says how much of siu's
overhead is its own.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_encode_ascii = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def minimal_handler(app_secret: str, sqs: Any, sink: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A handler for one channel and one account that queues every text message of a signed webhook."""
    key = app_secret.encode()

    def handle(event: dict[str, Any]) -> dict[str, Any]:
        body = event["body"].encode()
        signature = event["headers"].get("x-hub-signature-256", "")
        expected = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature, expected):
            return {"statusCode": 403, "body": "signature mismatch"}
        data = json.loads(body)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        entries: list[dict[str, str]] = []
        logged: list[str] = []
        for entry in data.get("entry") or ():
            for change in entry.get("changes") or ():
                value = change.get("value") or {}
                account = (value.get("metadata") or {}).get("phone_number_id", "")
                names = {c.get("wa_id"): (c.get("profile") or {}).get("name") for c in value.get("contacts") or ()}
                for message in value.get("messages") or ():
                    if message.get("type") != "text":
                        continue
                    sender = message["from"]
                    mapping = {
                        "type": "message", "channel": "whatsapp", "account_id": account,
                        "customer": {"id": sender, "name": names.get(sender)},
                        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(message["timestamp"]))),
                        "message_id": message["id"], "kind": "text", "text": message["text"]["body"],
                    }
                    inner = _encode(mapping)
                    if not inner.isascii():
                        inner = _encode_ascii(mapping)
                    logged.append(message["id"])
                    entries.append({
                        "Id": str(len(entries)),
                        "MessageBody": f'{{"schema_version":"1","event":{inner},"received_at":"{stamp}"}}',
                        "MessageGroupId": _digest("whatsapp", account, sender),
                        "MessageDeduplicationId": _digest("message", "whatsapp", account, message["id"]),
                    })
        for start in range(0, len(entries), 10):
            sqs.send_message_batch(QueueUrl="stub", Entries=entries[start:start + 10])
        sink.write(_encode({
            "level": "INFO", "message": "webhook accepted", "timestamp": stamp, "service": "connector",
            "channel": "whatsapp", "events": len(entries), "message_ids": logged[:50],
            "_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": []},
            "EventsEnqueued": [float(len(entries))],
        }) + "\n")
        return {"statusCode": 200, "body": "EVENT_RECEIVED", "headers": {"content-type": "text/plain"}}

    return handle
