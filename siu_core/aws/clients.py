"""Lazily created, cached boto3 clients (never at import time, so moto and endpoint overrides apply).

A client is cached per service and per the environment that shapes it (region, endpoint URLs), so a
test that starts moto or ``siu dev`` that points ``AWS_ENDPOINT_URL`` at a local emulator gets fresh
clients after calling :func:`reset_clients`. Call observers (the benchmark's call counter, the crash
test's fault injector) see every API call of every client made here.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from siu_core.aws import names

#: A botocore ``before-call`` handler: ``fn(model=..., params=..., context=..., **kwargs)``.
CallObserver = Callable[..., Any]

_lock = threading.Lock()
_session: Any | None = None
_clients: dict[tuple[str, ...], Any] = {}
_observers: list[tuple[str, CallObserver]] = []
_queue_urls: dict[tuple[str, ...], str] = {}


def _env_key(service: str) -> tuple[str, ...]:
    suffix = service.upper().replace("-", "_")
    return (
        service,
        os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "",
        os.environ.get("AWS_ENDPOINT_URL", ""),
        os.environ.get(f"AWS_ENDPOINT_URL_{suffix}", ""),
    )


def _config() -> Any:
    from botocore.config import Config

    # Standard retry mode retries throttling and 5xx a bounded number of times; the short timeouts
    # keep a stuck call from eating the whole Lambda timeout (the queue redelivers instead).
    return Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)


def client(service: str) -> Any:
    """The shared client for ``service`` (created on first use, thread-safe)."""
    key = _env_key(service)
    found = _clients.get(key)
    if found is not None:
        return found
    with _lock:
        found = _clients.get(key)
        if found is None:
            global _session
            if _session is None:
                import boto3

                _session = boto3.session.Session()
            found = _session.client(service, config=_config())
            for event, observer in _observers:
                found.meta.events.register(event, observer)
            _clients[key] = found
        return found


def dynamodb() -> Any:
    """The DynamoDB client."""
    return client("dynamodb")


def s3() -> Any:
    """The S3 client."""
    return client("s3")


def sqs() -> Any:
    """The SQS client."""
    return client("sqs")


def queue_url(name: str | None = None) -> str:
    """The intake queue's URL: ``$SIU_QUEUE_URL``, else looked up by name once per process."""
    if name is None:
        explicit = os.environ.get(names.QUEUE_URL_ENV, "").strip()
        if explicit:
            return explicit
        name = names.resource_names().queue
    key = (*_env_key("sqs"), name)
    url = _queue_urls.get(key)
    if url is None:
        url = str(sqs().get_queue_url(QueueName=name)["QueueUrl"])
        _queue_urls[key] = url
    return url


def observe_calls(observer: CallObserver, event: str = "before-call.*.*") -> Callable[[], None]:
    """Register a botocore event handler on every current and future client; returns an undo."""
    with _lock:
        _observers.append((event, observer))
        for made in _clients.values():
            made.meta.events.register(event, observer)

    def undo() -> None:
        with _lock:
            if (event, observer) in _observers:
                _observers.remove((event, observer))
            for made in _clients.values():
                made.meta.events.unregister(event, observer)

    return undo


def reset_clients(*, session: bool = False) -> None:
    """Forget every client and cached queue URL (tests between moto sessions, ``siu dev`` restarts).

    The boto3 session (and the service models it has parsed, the costly part of making a client) is
    kept unless ``session`` is true, e.g. after credentials changed.
    """
    global _session
    with _lock:
        _clients.clear()
        _queue_urls.clear()
        if session:
            _session = None
