"""Reply idempotency records and the reply's commit transaction.

A record lives in the dedupe table under ``reply#<hash of thread, teammate, Idempotency-Key>``
(never a content fingerprint: those are bare hex), with the table's TTL attribute ``expires_at``.

Life of a record: :func:`begin` creates it ``pending`` with a conditional put *before* the platform
is called, so of two racing requests exactly one goes on to send. The outcome is then stored:
``sent`` (in the same transaction as the outbound message, the thread's counters and the ``replied``
audit row: :func:`commit_sent`), ``failed`` (a refusal worth replaying: permanent platform error,
invalid reply, closed window) or ``unknown`` (the platform did not answer). Outcomes that certainly
sent nothing and may succeed later (rate limited, a 5xx answer) :func:`release` the key instead.
A ``pending`` record whose lease has run out belonged to a process that died between calling the
platform and storing the outcome: it is never sent again under that key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from siu_core.aws import clients
from siu_core.store import audit, ddb, dedupe, keys, messages, threads

State = Literal["pending", "sent", "failed", "unknown"]
PREFIX = "reply#"
#: A sender holds a pending record this long (longer than the Lambda's 15-second timeout).
LEASE = timedelta(seconds=30)
#: How long a key is remembered (clients retry within minutes; a day of margin).
RETENTION = timedelta(days=2)


@dataclass(frozen=True)
class ReplyRecord:
    """A stored idempotency record."""

    key: str
    state: State
    request_hash: str
    owner: str
    thread_id: str
    started_at: str
    lease_until: str
    expires_at: int
    status: int | None = None
    body: dict[str, Any] | None = None
    headers: dict[str, str] | None = None

    def lease_expired(self, now: datetime) -> bool:
        """A pending record past its lease: its sender died without storing the outcome."""
        return self.state == "pending" and keys.ts(now) >= self.lease_until


def record_key(thread_id: str, user: str, idempotency_key: str) -> str:
    """The record's item key: scoped to the thread and the teammate, hashed (keys may hold any text)."""
    digest = hashlib.sha256(f"{thread_id}\x00{user}\x00{idempotency_key}".encode()).hexdigest()[:40]
    return PREFIX + digest


def request_hash(body: Mapping[str, Any]) -> str:
    """A canonical hash of what was asked, so a key reused for a different reply is refused."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _from_item(data: Mapping[str, Any] | None, now: datetime) -> ReplyRecord | None:
    if not data or int(data.get("expires_at", 0)) <= int(now.timestamp()):
        return None  # absent, or past retention (TTL deletes lazily)
    return ReplyRecord(
        key=str(data["fingerprint"]), state=data["state"], request_hash=str(data["request_hash"]),
        owner=str(data["owner"]), thread_id=str(data["thread_id"]), started_at=str(data["started_at"]),
        lease_until=str(data["lease_until"]), expires_at=int(data["expires_at"]),
        status=int(data["status"]) if data.get("status") is not None else None,
        body=json.loads(data["body"]) if isinstance(data.get("body"), str) else None,
        headers=data.get("headers"),
    )


def get(key: str, now: datetime) -> ReplyRecord | None:
    """The record under ``key`` (strongly consistent), None when absent or expired."""
    return _from_item(ddb.get(dedupe.table(), dedupe.key(key)), now)


def begin(key: str, *, thread_id: str, user: str, idempotency_key: str, request_hash: str, owner: str,
          now: datetime) -> ReplyRecord | None:
    """Claim the key before sending: None when this caller now owns it, else the record that exists."""
    data = {
        "fingerprint": key,
        "kind": "reply",
        "state": "pending",
        "thread_id": thread_id,
        "user": user,
        "idempotency_key": idempotency_key,
        "request_hash": request_hash,
        "owner": owner,
        "started_at": keys.ts(now),
        "lease_until": keys.ts(now + LEASE),
        "expires_at": int((now + RETENTION).timestamp()),
    }
    condition = ddb.Cond.missing("fingerprint") | ddb.Cond.le("expires_at", int(now.timestamp()))
    try:
        ddb.run(ddb.put_op(dedupe.table(), data, condition))
        return None
    except ddb.ConditionFailed:
        existing = get(key, now)
        if existing is None:  # expired between the put and the read: try once more
            ddb.run(ddb.put_op(dedupe.table(), data, condition))
            return None
        return existing


def finish_op(key: str, owner: str, *, state: State, status: int, body: Mapping[str, Any],
              headers: Mapping[str, str] | None = None, at: datetime) -> ddb.TxItem:
    """Store the outcome; only the owner of a still-pending record may."""
    return ddb.update_op(
        dedupe.table(), dedupe.key(key),
        set_={"state": state, "status": status, "headers": dict(headers or {}) or None,
              # JSON text, not a map: a replay must return the first answer byte for byte (nulls included).
              "body": json.dumps(body, ensure_ascii=False, separators=(",", ":")),
              "finished_at": keys.ts(at)},
        condition=ddb.Cond.eq("owner", owner) & ddb.Cond.eq("state", "pending"),
    )


def finish(key: str, owner: str, *, state: State, status: int, body: Mapping[str, Any],
           headers: Mapping[str, str] | None = None, at: datetime,
           audit_row: ddb.TxItem | None = None) -> bool:
    """Store an outcome (with its audit row, in one transaction); False if the record is not ours any more."""
    ops = [finish_op(key, owner, state=state, status=status, body=body, headers=headers, at=at)]
    if audit_row is not None:
        ops.append(audit_row)
    try:
        ddb.transact(ops)
    except ddb.TransactionConflict:
        return False
    return True


def release(key: str, owner: str) -> bool:
    """Forget a pending record of ours (nothing was sent): the same key may be used again."""
    expr = ddb.Expr()
    condition = (ddb.Cond.eq("owner", owner) & ddb.Cond.eq("state", "pending")).render(expr)
    client = clients.dynamodb()
    request: dict[str, Any] = {
        "TableName": dedupe.table(),
        "Key": {k: ddb.to_ddb(v) for k, v in dedupe.key(key).items()},
        "ConditionExpression": condition,
        "ExpressionAttributeNames": expr.names,
        "ExpressionAttributeValues": expr.vals,
    }
    try:
        client.delete_item(**request)
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def outbound_item(*, thread: Mapping[str, Any], message_id: str, at: datetime, text: str | None,
                  template: Mapping[str, Any] | None, user: str, idempotency_key: str,
                  platform_status: str, attachments: Sequence[Mapping[str, Any]] = (),
                  expires_at: int | None = None) -> dict[str, Any]:
    """The stored form of a reply the inbox sent (keyed by the platform's id, like every message)."""
    channel, account = str(thread["channel"]), str(thread["account_id"])
    kind = "template" if template is not None else str(attachments[0]["type"]) if attachments else "text"
    return {
        "message_key": keys.message_key(channel, account, message_id),
        "message_id": message_id,
        "thread_id": thread["thread_id"],
        "sort_key": keys.sort_key(at, message_id),
        "channel": channel,
        "account_id": account,
        "customer_key": thread.get("customer_key"),
        "direction": "out",
        "type": "reply",
        "kind": kind,
        "timestamp": keys.ts(at),
        "received_at": keys.ts(at),
        "text": text,
        "template": dict(template) if template is not None else None,
        "sent_by": f"user:{user}",
        "idempotency_key": idempotency_key,
        # Status 0 ("accepted"): every later delivery status from the platform moves it forward.
        "status": platform_status or "accepted",
        "status_rank": 0,
        "status_at": keys.ts(at),
        **({"attachments": [dict(a) for a in attachments]} if attachments else {}),
        # the messages table's TTL (config retention.messages_days; None: kept until erased)
        "expires_at": expires_at,
    }


def commit_sent(*, key: str, owner: str, item: Mapping[str, Any], by: str, at: datetime,
                response_body: Mapping[str, Any], window_state: str) -> None:
    """One transaction after a successful send: the message, the thread, the audit row, the outcome."""
    thread_id = str(item["thread_id"])
    when = keys.ts(at)
    ops = [
        messages.put_outbound_op(item),
        threads.change_op(thread_id, set_={"last_outbound_at": when, "last_reply_at": when, "last_reply_by": by},
                          add={"message_count": 1, "outbound_count": 1}),
        audit.row_op(thread_id, "replied", by=by, at=at, ref=str(item["message_id"]),
                     after={"message_key": item["message_key"], "kind": item["kind"], "window": window_state,
                            "idempotency_key": item["idempotency_key"],
                            **({"attachments": [{k: a.get(k) for k in ("upload_id", "filename", "mime_type",
                                                                         "media_size")}
                                                for a in item["attachments"]]} if item.get("attachments") else {})}),
        finish_op(key, owner, state="sent", status=200, body=response_body, at=at),
    ]
    ddb.transact(ops)
