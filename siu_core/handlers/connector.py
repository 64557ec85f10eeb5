"""The connector Lambda: one per channel, behind a Function URL (payload format 2.0).

GET answers the platform's verification handshake. POST verifies the signature on the raw body
bytes, normalizes the payload into events and puts every event on the intake queue
(``SendMessageBatch``, 10 per call), then answers 200. The answer is 200 only once every event
is on the queue: if the queue refuses, the answer is 500 and the platform delivers again (the
labeler drops the re-delivered duplicates). Nothing is enqueued for a bad signature (401 missing,
403 wrong), a malformed body (400), an oversized body (413) or a wrong method (405).

``$SIU_CHANNEL`` picks the plugin; only that plugin is loaded. ``$SIU_CHANNEL_SETTINGS`` (a JSON
object, optional) overrides the plugin's settings. Secrets come from ``siu/<channel>`` in Secrets
Manager, read once per cold start and re-read once when a signature fails, so a rotated platform
secret needs no redeploy. This module imports only what a connector needs: no requests, no
jsonschema, no labeling code, and only the SQS and Secrets Manager clients.

An event whose queue body would exceed :data:`MAX_INLINE_BYTES` (SQS takes 256 KiB) is stored in the
snapshot bucket under ``queue/`` and the queue carries a small pointer instead (key, sha256, size:
:class:`~siu_core.models.QueuePointerMessage`, the SQS extended-client pattern); the labeler reads it
back. Only then are the snapshot store and the S3 client imported, so nothing is refused or lost for
its size and an ordinary delivery pays nothing for it.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from siu_core.aws.names import QUEUE_URL_ENV, resource_names
from siu_core.errors import ConfigError, MalformedPayload, MissingSignature, SignatureError, SiuError
from siu_core.limits import MAX_WEBHOOK_BODY_BYTES as MAX_BODY_BYTES
from siu_core.models import Event, MessageEvent, QueueMessage, QueuePointerMessage
from siu_core.obs import get_logger, instrument, metric
from siu_core.plugins import Channel, Headers, load_channels
from siu_core.secrets import SecretStore

SERVICE = "connector"
CHANNEL_ENV = "SIU_CHANNEL"
SETTINGS_ENV = "SIU_CHANNEL_SETTINGS"
#: SQS takes at most 10 entries and 256 KiB per SendMessageBatch call (and 256 KiB per message: the
#: template pins the queue's MaximumMessageSize there, so 10 messages fit one Lambda invocation).
SQS_BATCH_ENTRIES = 10
SQS_BATCH_BYTES = 256 * 1024
#: A queue body longer than this goes to the snapshot bucket and the queue carries a pointer to it.
#: The 32 KiB below the SQS limit leave room for message attributes and any framing SQS counts.
MAX_INLINE_BYTES = 224 * 1024
#: Calls per chunk before giving up on entries the queue keeps refusing (botocore also retries errors).
SEND_ATTEMPTS = 4
#: Parallel SendMessageBatch calls for a large delivery (Meta batches up to 1000 updates per POST).
SEND_WORKERS = 8
#: How many message ids one log line names (a 1000-event delivery logs the count and the first ones).
LOGGED_IDS = 50

log = get_logger(SERVICE)


#: Response header saying how many events one delivery put on the queue (for siu simulate and the demo).
ENQUEUED_HEADER = "x-siu-enqueued"


class EnqueueError(SiuError):
    """The queue did not take every event: the platform must deliver again (answer 500)."""


def response(status: int, body: str = "", *, content_type: str = "text/plain", **headers: str) -> dict[str, Any]:
    """A Function URL response; the body is never more than a short status word or the challenge."""
    return {
        "statusCode": status,
        "headers": {"content-type": content_type, **headers},
        "body": body,
        "isBase64Encoded": False,
    }


def read_body(event: Mapping[str, Any], limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw request bytes exactly as the platform signed them (base64-decoded when flagged)."""
    raw = event.get("body") or ""
    if not isinstance(raw, str):
        raise MalformedPayload("body is not a string")
    if event.get("isBase64Encoded"):
        if len(raw) > (limit // 3 + 1) * 4:
            raise _TooLarge(len(raw) * 3 // 4)
        try:
            body = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedPayload("body is flagged base64 but is not valid base64") from None
    else:
        if len(raw) > limit:
            raise _TooLarge(len(raw))
        try:
            body = raw.encode("utf-8")
        except UnicodeEncodeError:
            raise MalformedPayload("body is not valid UTF-8 text") from None
    if len(body) > limit:
        raise _TooLarge(len(body))
    return body


class _TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def query_params(event: Mapping[str, Any]) -> dict[str, str]:
    """Query parameters decoded from the raw query string (first value wins), as platforms sent them."""
    raw = event.get("rawQueryString")
    if isinstance(raw, str):
        params: dict[str, str] = {}
        for key, value in parse_qsl(raw, keep_blank_values=True):
            params.setdefault(key, value)
        return params
    given = event.get("queryStringParameters") or {}
    return {str(k): str(v) for k, v in given.items()} if isinstance(given, Mapping) else {}


def queue_body(message: QueueMessage) -> str:
    """The SQS body of one event: JSON, ASCII-escaped so any customer text is a legal SQS body."""
    try:
        return message.model_dump_json(exclude_none=True, ensure_ascii=True)
    except ValueError:
        # Lone UTF-16 surrogates (a platform cut an emoji in half) cannot be encoded: replace them.
        data = _scrub(message.model_dump(mode="json", exclude_none=True))
        return QueueMessage.model_validate(data).model_dump_json(exclude_none=True, ensure_ascii=True)


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def chunk_bodies(
    bodies: Sequence[str], max_entries: int = SQS_BATCH_ENTRIES, max_bytes: int = SQS_BATCH_BYTES
) -> Iterator[list[str]]:
    """Split bodies into SendMessageBatch calls within SQS's entry and size limits, in order."""
    chunk: list[str] = []
    size = 0
    for body in bodies:
        length = len(body.encode("utf-8"))
        if length > max_bytes:
            raise EnqueueError(f"a queue body of {length} bytes exceeds the {max_bytes}-byte batch limit")
        if chunk and (len(chunk) == max_entries or size + length > max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append(body)
        size += length
    if chunk:
        yield chunk


def _method(event: Any) -> str:
    """The HTTP method of a Function URL event, or "" for anything that is not one."""
    context = event.get("requestContext") if isinstance(event, Mapping) else None
    http = context.get("http") if isinstance(context, Mapping) else None
    method = http.get("method") if isinstance(http, Mapping) else None
    return method.upper() if isinstance(method, str) else ""


def _event_ids(events: Sequence[Event]) -> list[str]:
    ids: list[str] = []
    for event in events:
        if isinstance(event, MessageEvent):
            ids.append(event.message_id)
        else:
            target = getattr(event, "target_message_id", None)
            ids.append(f"{event.type}:{target}" if target else event.type)
    return ids


@dataclass
class Connector:
    """One channel's webhook endpoint: its plugin, secrets, settings and queue."""

    channel: Channel
    secrets: SecretStore
    settings: dict[str, Any] = field(default_factory=dict)
    sqs_client: Any | None = None
    queue_url: str | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    sleep: Callable[[float], None] = time.sleep
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def name(self) -> str:
        """The channel this connector serves."""
        return self.channel.name

    @property
    def sqs(self) -> Any:
        """The SQS client, created on first use (moto and ``AWS_ENDPOINT_URL`` must see it)."""
        with self._lock:
            if self.sqs_client is None:
                import boto3
                from botocore.config import Config

                self.sqs_client = boto3.client(
                    "sqs",
                    config=Config(connect_timeout=2, read_timeout=3, retries={"mode": "standard", "max_attempts": 3}),
                )
            return self.sqs_client

    def _queue_url(self) -> str:
        if self.queue_url is None:
            self.queue_url = os.environ.get(QUEUE_URL_ENV, "").strip() or self.sqs.get_queue_url(
                QueueName=resource_names().queue
            )["QueueUrl"]
        return self.queue_url

    # --- the request ---------------------------------------------------------------------------

    def handle(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """Answer one Function URL request; never raises (a failure is a 5xx so the platform retries)."""
        method = _method(event)
        try:
            if method == "GET":
                return self._handshake(event)
            if method == "POST":
                return self._webhook(event)
        except ConfigError as exc:
            log.error("connector misconfigured", channel=self.name, problem=str(exc))
            return response(500, "misconfigured")
        except EnqueueError as exc:
            log.error("events not enqueued; the platform will deliver again", channel=self.name, problem=str(exc))
            return response(500, "not enqueued")
        except Exception as exc:
            log.exception("connector failure", channel=self.name, error=type(exc).__name__)
            return response(500, "error")
        return response(405, "method not allowed", allow="GET, POST")

    def _secrets(self) -> Mapping[str, str]:
        return self.secrets.get(self.name, required=self.channel.info.secret_fields)

    def _account_id(self) -> str | None:
        """The business account this endpoint serves, for platforms whose bodies do not name it."""
        field_name = self.channel.info.account_secret_field
        return (self._secrets().get(field_name) or None) if field_name else None

    def _fresh_secrets(self, old: Mapping[str, str]) -> Mapping[str, str] | None:
        """The secret re-read after a failure, or None when it was read too recently or is unchanged."""
        fresh = self.secrets.refresh_if_stale(self.name, required=self.channel.info.secret_fields)
        if fresh is None or dict(fresh) == dict(old):
            return None
        log.info("channel secret changed since it was read; using the new one", channel=self.name)
        return fresh

    def _handshake(self, event: Mapping[str, Any]) -> dict[str, Any]:
        query = query_params(event)
        secrets = self._secrets()
        answer = self.channel.handshake(query, secrets, self.settings)
        if answer.status == 403:
            fresh = self._fresh_secrets(secrets)
            if fresh is not None:
                answer = self.channel.handshake(query, fresh, self.settings)
        log.info("handshake answered", channel=self.name, status=answer.status)
        return response(answer.status, answer.body, content_type=answer.content_type)

    def _verify(self, body: bytes, headers: Headers) -> int | None:
        """None when the signature is good, else the HTTP status to refuse with."""
        secrets = self._secrets()
        try:
            self.channel.verify_signature(body, headers, secrets)
            return None
        except MissingSignature as exc:
            reason, status = exc.reason, 401
        except SignatureError as exc:
            reason, status = exc.reason, 403
            fresh = self._fresh_secrets(secrets)
            if fresh is not None:
                try:
                    self.channel.verify_signature(body, headers, fresh)
                    return None
                except SignatureError as again:
                    reason = again.reason
        metric("SignatureFailures", channel=self.name)
        log.warning("signature refused", channel=self.name, reason=reason, status=status)
        return status

    def _webhook(self, event: Mapping[str, Any]) -> dict[str, Any]:
        try:
            body = read_body(event)
        except _TooLarge as exc:
            metric("MalformedWebhooks", channel=self.name)
            log.warning("body too large", channel=self.name, size=exc.size, limit=MAX_BODY_BYTES)
            return response(413, "payload too large")
        except MalformedPayload as exc:
            metric("MalformedWebhooks", channel=self.name)
            log.warning("malformed webhook", channel=self.name, reason=exc.reason)
            return response(400, "malformed body")
        given = event.get("headers")
        headers = Headers(given if isinstance(given, Mapping) else {})
        refused = self._verify(body, headers)
        if refused is not None:
            return response(refused, "signature missing" if refused == 401 else "signature mismatch")
        try:
            if not body.strip():
                raise MalformedPayload("empty body")
            events = self.channel.normalize(body, headers, self.settings, account_id=self._account_id())
        except MalformedPayload as exc:
            metric("MalformedWebhooks", channel=self.name)
            log.warning(
                "malformed webhook", channel=self.name, reason=exc.reason, content_type=headers.get("content-type")
            )
            return response(400, "malformed body")
        received_at = self.clock()
        bodies = self.queue_bodies([QueueMessage(event=e, received_at=received_at) for e in events])
        self.enqueue(bodies)
        if events:
            metric("EventsEnqueued", len(events), channel=self.name)
        ids = _event_ids(events)
        log.info(
            "webhook accepted",
            channel=self.name,
            events=len(events),
            message_ids=ids[:LOGGED_IDS],
            more_ids=max(0, len(ids) - LOGGED_IDS),
        )
        return response(200, "EVENT_RECEIVED", **{ENQUEUED_HEADER: str(len(events))})

    # --- the queue -----------------------------------------------------------------------------

    def queue_bodies(self, messages: Sequence[QueueMessage]) -> list[str]:
        """One queue body per event: the event itself when it fits, else a pointer to its stored copy."""
        bodies = [queue_body(m) for m in messages]
        big = [i for i, body in enumerate(bodies) if len(body.encode("utf-8")) > MAX_INLINE_BYTES]
        if len(big) == 1:
            bodies[big[0]] = self._pointer_body(messages[big[0]], bodies[big[0]])
        elif big:
            stored = [_pool().submit(self._pointer_body, messages[i], bodies[i]) for i in big]
            for i, done in zip(big, stored, strict=True):
                bodies[i] = done.result()
        return bodies

    def _pointer_body(self, message: QueueMessage, body: str) -> str:
        """Store one oversized event in the snapshot bucket; the queue body that points at it."""
        from siu_core.store import snapshots  # only here: most deliveries never need S3

        data = json.dumps(json.loads(body)["event"], ensure_ascii=True, separators=(",", ":")).encode("ascii")
        ref = _event_ids([message.event])[0][:512]
        try:
            pointer = snapshots.put_pointed(self.name, data)
        except Exception as exc:
            raise EnqueueError(f"an event too big for the queue could not be stored ({type(exc).__name__})") from exc
        metric("QueuePointers", channel=self.name)
        log.info("event too big for one queue message: stored, the queue carries a pointer", channel=self.name,
                 message_id=ref, size=len(data), key=pointer.key)
        customer = getattr(message.event, "customer", None)
        return QueuePointerMessage(
            channel=self.name, ref=ref, pointer=pointer, received_at=message.received_at,
            account_id=message.event.account_id, customer_id=customer.id if customer is not None else None,
        ).model_dump_json(exclude_none=True)

    def enqueue(self, bodies: Sequence[str]) -> None:
        """Put every body on the intake queue or raise EnqueueError (some may be on it: retry is safe)."""
        if not bodies:
            return
        chunks = list(chunk_bodies(bodies))
        url = self._queue_url()
        if len(chunks) == 1:
            self._send_chunk(url, chunks[0])
            return
        for done in [_pool().submit(self._send_chunk, url, chunk) for chunk in chunks]:
            done.result()

    def _send_chunk(self, url: str, chunk: list[str]) -> None:
        pending = {str(i): body for i, body in enumerate(chunk)}
        codes: set[str] = set()
        for attempt in range(SEND_ATTEMPTS):
            if attempt:
                self.sleep(0.05 * 2**attempt)
            resp = self.sqs.send_message_batch(
                QueueUrl=url, Entries=[{"Id": key, "MessageBody": body} for key, body in pending.items()]
            )
            for ok in resp.get("Successful", []):
                pending.pop(ok["Id"], None)
            if not pending:
                return
            codes = {str(f.get("Code")) for f in resp.get("Failed", [])}
            log.warning("queue refused entries; retrying", channel=self.name, refused=len(pending), codes=sorted(codes))
        raise EnqueueError(f"{len(pending)} event(s) refused by the queue ({', '.join(sorted(codes))})")


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """Worker threads for parallel SendMessageBatch calls, started once and kept warm between requests."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=SEND_WORKERS, thread_name_prefix="siu-enqueue")
        return _executor


def channel_settings_from_env() -> dict[str, Any]:
    """The deployment's settings overrides for this channel, from ``$SIU_CHANNEL_SETTINGS`` (JSON)."""
    raw = os.environ.get(SETTINGS_ENV, "").strip()
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise ConfigError(f"{SETTINGS_ENV} is not valid JSON") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{SETTINGS_ENV} must be a JSON object")
    return value


def build_connector(
    channel: str,
    *,
    secrets: SecretStore | None = None,
    settings: Mapping[str, Any] | None = None,
    sqs_client: Any | None = None,
    queue_url: str | None = None,
) -> Connector:
    """Load one channel's plugin (and only it) and wire a connector for it (``siu dev`` calls this too)."""
    registry = load_channels([channel])
    try:
        plugin = registry.get(channel)
    except SiuError as exc:
        raise ConfigError(f"{CHANNEL_ENV}={channel}: {exc}") from None
    return Connector(
        channel=plugin,
        secrets=secrets or SecretStore(),
        settings=dict(settings or {}),
        sqs_client=sqs_client,
        queue_url=queue_url,
    )


_connector: Connector | None = None
_connector_lock = threading.Lock()


def connector() -> Connector:
    """This process's connector, built on the first request (cold start) from the environment."""
    global _connector
    with _connector_lock:
        if _connector is None:
            name = os.environ.get(CHANNEL_ENV, "").strip()
            if not name:
                raise ConfigError(f"{CHANNEL_ENV} is not set: it names the channel this connector serves")
            _connector = build_connector(name, settings=channel_settings_from_env())
        return _connector


def reset() -> None:
    """Forget the cold-start state (tests; ``siu dev`` after changing the environment)."""
    global _connector
    with _connector_lock:
        _connector = None


@instrument(SERVICE, correlation_id_path="requestContext.requestId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point: a Function URL request in, an HTTP answer out."""
    try:
        conn = connector()
    except ConfigError as exc:
        log.error("connector misconfigured", problem=str(exc))
        return response(500, "misconfigured")
    return conn.handle(event)
