"""The connector Lambda: one per channel, behind a Function URL (payload format 2.0).

GET answers the platform's handshake. POST verifies the signature on the raw request (the hooks see
it whole, contract 1.3: :mod:`siu_core.connector.inbound` builds it with its public URL), normalizes
it into events, puts every event on the intake queue and only then answers 200 (or the plugin's
``acknowledge`` answer); a queue that refuses means 500 and the platform delivers again. Nothing
is enqueued for a bad signature (401 missing, 403 wrong), a malformed (400) or oversized (413) body
or a wrong method (405). ``$SIU_CHANNEL`` picks the one plugin loaded; secrets (``/siu/secrets/<channel>``,
one or several accounts) are read once per cold start and re-read once after a failed signature.
Events for an account that is not configured are dropped (200, logged, ``UnknownAccount``); an
unreadable item of a batch is set aside (stored, logged, ``UnreadableItems``). The parts live in
:mod:`siu_core.connector`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from siu_core.connector import queue
from siu_core.connector.bodies import event_ids, queue_body
from siu_core.connector.inbound import PLAIN, acknowledgement, inbound_request
from siu_core.connector.pointer import MAX_INLINE_BYTES, queue_bodies
from siu_core.connector.queue import SQS_BATCH_BYTES, SQS_BATCH_ENTRIES, EnqueueError, chunk_bodies
from siu_core.connector.request import ENQUEUED_HEADER, TooLarge, http_method, query_params, read_body, response
from siu_core.connector.settings import channel_settings_from_env
from siu_core.connector.signature import handshake, served_events, signed_by
from siu_core.connector.unreadable import set_aside_unreadable
from siu_core.errors import ConfigError, MalformedPayload, SiuError
from siu_core.limits import MAX_WEBHOOK_BODY_BYTES as MAX_BODY_BYTES
from siu_core.obs import get_logger, instrument, metric, metrics_line
from siu_core.plugins import Channel, Headers, load_channels
from siu_core.queueing import QueueIds, queue_ids
from siu_core.secrets import SecretStore

__all__ = ["ENQUEUED_HEADER", "MAX_INLINE_BYTES", "SQS_BATCH_BYTES", "SQS_BATCH_ENTRIES", "Connector",
           "EnqueueError", "build_connector", "channel_settings_from_env", "chunk_bodies", "connector", "handler",
           "queue_body", "read_body"]

SERVICE = "connector"
CHANNEL_ENV = "SIU_CHANNEL"
#: Message ids one log line names (a 1000-event delivery logs the first ones and how many more).
LOGGED_IDS = 50

log = get_logger(SERVICE)


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
    #: Whether the plugin reads the whole request (decided on the first webhook; most Meta hooks do not).
    _reads_request: bool | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The channel this connector serves."""
        return self.channel.name

    def handle(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """Answer one Function URL request; never raises (a failure is a 5xx so the platform retries)."""
        method = http_method(event)
        try:
            if method == "POST":
                return self._webhook(event)
            if method == "GET":
                return self._handshake(event)
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

    def _handshake(self, event: Mapping[str, Any]) -> dict[str, Any]:
        given = event.get("headers")
        headers = Headers(given if isinstance(given, Mapping) else {})
        request = inbound_request(event, "GET", headers, b"", self.settings)
        answer = handshake(self.channel, self.secrets, query_params(event), self.settings, request=request)
        log.info("handshake answered", channel=self.name, status=answer.status)
        return response(answer.status, answer.body, content_type=answer.content_type)

    def _webhook(self, event: Mapping[str, Any]) -> dict[str, Any]:
        try:
            body = read_body(event)
        except TooLarge as exc:
            return self._malformed(413, "body too large", size=exc.size, limit=MAX_BODY_BYTES)
        except MalformedPayload as exc:
            return self._malformed(400, "malformed webhook", reason=exc.reason)
        given = event.get("headers")
        headers = Headers(given if isinstance(given, Mapping) else {})
        if self._reads_request is None:
            self._reads_request = self.channel.reads_request()
        request = inbound_request(event, "POST", headers, body, self.settings) if self._reads_request else None
        signed = signed_by(self.channel, self.secrets, body, headers, request=request)
        if isinstance(signed, int):
            return response(signed, "signature missing" if signed == 401 else "signature mismatch")
        try:
            if not body.strip():
                raise MalformedPayload("empty body")
            found = self.channel.normalize(body, headers, self.settings, account_id=signed.account_id,
                                           request=request)
        except MalformedPayload as exc:
            return self._malformed(400, "malformed webhook", reason=exc.reason,
                                   content_type=headers.get("content-type"))
        received_at = self.clock()  # one time for the whole delivery: its unreadable items and its queue bodies
        events = served_events(self.channel, self.secrets, signed, set_aside_unreadable(self.name, found, received_at))
        if events:
            self.enqueue(queue_bodies(self.name, events, received_at), [queue_ids(e) for e in events])
            metric("EventsEnqueued", len(events), channel=self.name)
        ids = event_ids(events)
        # One line per request: the request's metrics (EMF) ride on it.
        log.info("webhook accepted", channel=self.name, events=len(events), message_ids=ids[:LOGGED_IDS],
                 more_ids=max(0, len(ids) - LOGGED_IDS), extra=metrics_line())
        answer = PLAIN if request is None else acknowledgement(self.channel, request, events, self.settings)
        return response(answer.status, answer.body, content_type=answer.content_type,
                        **{ENQUEUED_HEADER: str(len(events))})

    def _malformed(self, status: int, message: str, **keys: Any) -> dict[str, Any]:
        metric("MalformedWebhooks", channel=self.name)
        log.warning(message, channel=self.name, **keys)
        return response(status, "payload too large" if status == 413 else "malformed body")

    def enqueue(self, bodies: Sequence[str], ids: Sequence[QueueIds]) -> None:
        """Put every body on the intake queue or raise EnqueueError (some may be on it: retry is safe)."""
        if bodies:
            self.queue_url = self.queue_url or queue.intake_url(self.sqs)
            queue.send_all(self.sqs, self.queue_url, bodies, ids, channel=self.name, sleep=self.sleep)

    @property
    def sqs(self) -> Any:
        """The SQS client, created on first use (moto and ``AWS_ENDPOINT_URL`` must see it)."""
        with self._lock:
            if self.sqs_client is None:
                self.sqs_client = queue.new_sqs_client()
            return self.sqs_client



def build_connector(channel: str, *, secrets: SecretStore | None = None, settings: Mapping[str, Any] | None = None,
                    sqs_client: Any | None = None, queue_url: str | None = None) -> Connector:
    """Load one channel's plugin (and only it) and wire a connector for it (``siu dev`` calls this too)."""
    try:
        plugin = load_channels([channel], checked=False).get(channel)
    except SiuError as exc:
        raise ConfigError(f"{CHANNEL_ENV}={channel}: {exc}") from None
    return Connector(channel=plugin, secrets=secrets or SecretStore(), settings=dict(settings or {}),
                     sqs_client=sqs_client, queue_url=queue_url)


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
