"""Observability shared by every handler: structured JSON logs and CloudWatch EMF metrics.

Two functions are the whole API the pipeline uses: :func:`get_logger` (a Powertools Logger, JSON,
with correlation ids) and :func:`metric` (an EMF metric, buffered and flushed once per invocation
by :func:`instrument`, or by :func:`flush_metrics`). The rule every caller keeps: log ids (channel,
thread id, message id), never message text or secrets at INFO. A logging filter enforces it for
structured keys: any key that can carry text or secrets is redacted above DEBUG.

Cheap to import: Powertools' logger is imported on first :func:`get_logger`, its EMF serializer on
first flush, so importing this module costs almost nothing.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger

#: The metrics alarms and dashboards are built on (dimension sets: ``service`` plus what callers pass).
KNOWN_METRICS = frozenset(
    {
        "SignatureFailures",
        "MalformedWebhooks",
        "EventsEnqueued",
        "LabelerErrors",
        "FallbackLabels",
        "DlqBound",
        "SendFailures",
        "MessagesIn",
        "Duplicates",
    }
)
DEFAULT_NAMESPACE = "siu"
_METRIC_NAME = re.compile(r"^[A-Z][A-Za-z0-9]{1,254}$")
#: Structured log keys whose values may hold customer text or secrets: redacted above DEBUG.
SENSITIVE_KEYS = frozenset(
    {
        "text",
        "body",
        "raw_body",
        "caption",
        "summary",
        "secret",
        "secrets",
        "app_secret",
        "access_token",
        "verify_token",
        "token",
        "password",
        "authorization",
        "payload",
    }
)
REDACTED = "[redacted]"
#: Flush early once a metric holds this many values: EMF allows 100 per metric, and Powertools
#: would print (outside our flush) a set that reaches 100.
_MAX_VALUES = 90

F = TypeVar("F", bound=Callable[..., Any])


class RedactSensitive(logging.Filter):
    """Blank the values of sensitive structured keys on records above DEBUG: a last line of defence."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place and always keep the record."""
        if record.levelno > logging.DEBUG:
            for key in SENSITIVE_KEYS.intersection(record.__dict__):
                setattr(record, key, REDACTED)
        return True


_loggers: dict[str, Logger] = {}
_loggers_lock = threading.Lock()


def get_logger(service: str) -> Logger:
    """One JSON Powertools Logger per service, shared by the modules of that handler."""
    with _loggers_lock:
        found = _loggers.get(service)
        if found is None:
            from aws_lambda_powertools import Logger

            found = Logger(service=service, utc=True)
            found.addFilter(RedactSensitive())
            _loggers[service] = found
        return found


# --- metrics -------------------------------------------------------------------------------------

_Key = tuple[tuple[str, str], ...]
_buffer: dict[_Key, dict[str, tuple[str, list[float]]]] = {}
_buffer_lock = threading.Lock()


def metric(name: str, value: float = 1, unit: str = "Count", **dimensions: str) -> None:
    """Record one metric value for this invocation; EMF lines go out at the next flush."""
    if not _METRIC_NAME.match(name):
        raise ValueError(f"metric name {name!r} must be CamelCase letters and digits")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"metric {name}: value must be a number, not {type(value).__name__}")
    key: _Key = tuple(sorted((k, str(v)) for k, v in dimensions.items()))
    full = False
    with _buffer_lock:
        group = _buffer.setdefault(key, {})
        known_unit, values = group.setdefault(name, (unit, []))
        if known_unit != unit:
            raise ValueError(f"metric {name} was recorded as {known_unit}, now as {unit}")
        values.append(float(value))
        full = len(values) >= _MAX_VALUES
    if full:
        flush_metrics()


def pending_metrics() -> dict[str, float]:
    """Totals of buffered metric values by name (not yet flushed): for tests and local runs."""
    totals: dict[str, float] = {}
    with _buffer_lock:
        for group in _buffer.values():
            for name, (_, values) in group.items():
                totals[name] = totals.get(name, 0.0) + sum(values)
    return totals


_current_service: str | None = None
_providers: dict[tuple[str, str | None, _Key], Any] = {}


def flush_metrics(*, service: str | None = None) -> list[dict[str, Any]]:
    """Write every buffered metric as EMF (one JSON line per dimension set) and return the blobs.

    The ``service`` dimension is the one given, else the instrumented handler's, else
    ``$POWERTOOLS_SERVICE_NAME``.
    """
    service = service or _current_service
    with _buffer_lock:
        groups = dict(_buffer)
        _buffer.clear()
    if not groups:
        return []
    from aws_lambda_powertools.metrics.functions import is_metrics_disabled
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

    namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_NAMESPACE
    blobs: list[dict[str, Any]] = []
    for key, metrics in groups.items():
        # Providers are reused per dimension set: building one costs more than the flush itself.
        slot = (namespace, service, key)
        provider = _providers.get(slot)
        if provider is None:
            provider = AmazonCloudWatchEMFProvider(namespace=namespace, service=service, default_dimensions=dict(key))
            _providers[slot] = provider
        try:
            for name, (unit, values) in metrics.items():
                for value in values:
                    provider.add_metric(name=name, unit=unit, value=value)
            blob: dict[str, Any] = dict(provider.serialize_metric_set())
        finally:
            provider.clear_metrics()
        blobs.append(blob)
    if not is_metrics_disabled():
        for blob in blobs:
            print(json.dumps(blob, separators=(",", ":")), flush=True)  # EMF: CloudWatch reads stdout
    return blobs


def discard_metrics() -> None:
    """Drop buffered metrics without writing them (tests start clean)."""
    with _buffer_lock:
        _buffer.clear()


# --- the handler boundary ------------------------------------------------------------------------


def _lookup(data: Any, path: str) -> str | None:
    """The string at a dotted path of the event (``requestContext.requestId``), or None."""
    for part in path.split("."):
        if not isinstance(data, Mapping):
            return None
        data = data.get(part)
    return data if isinstance(data, str) else None


def instrument(service: str, *, correlation_id_path: str | None = None) -> Callable[[F], F]:
    """Wrap a Lambda handler: Lambda context and correlation id in every log line, metrics flushed after.

    ``correlation_id_path`` is a dotted path into the event (``requestContext.requestId``). Works
    with a real Lambda context and without one (``siu dev`` calls handlers with ``None``).
    """
    logger = get_logger(service)

    def decorate(handler: F) -> F:
        def correlated(event: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
            # Set after Powertools cleared the previous invocation's keys.
            logger.set_correlation_id(_lookup(event, correlation_id_path) if correlation_id_path else None)
            return handler(event, context, *args, **kwargs)

        injected = logger.inject_lambda_context(clear_state=True)(correlated)

        @functools.wraps(handler)
        def run(event: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
            global _current_service
            _current_service = service
            try:
                if hasattr(context, "aws_request_id"):
                    return injected(event, context, *args, **kwargs)
                logger.clear_state()
                return correlated(event, context, *args, **kwargs)
            finally:
                flush_metrics()

        return run  # type: ignore[return-value]

    return decorate
