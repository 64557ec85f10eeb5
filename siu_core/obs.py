"""Observability shared by every handler: structured JSON logs and CloudWatch EMF metrics.

Two functions are the whole API the pipeline uses: :func:`get_logger` (a Powertools Logger, JSON,
with correlation ids; for the services in :data:`LIGHT_SERVICES`, a :class:`JsonLogger` writing the
same JSON keys at a fraction of the cost) and :func:`metric` (an EMF metric, buffered and flushed once
per invocation by :func:`instrument`, or by :func:`flush_metrics`). The rule every caller keeps: log ids (channel,
thread id, message id), never message text or secrets at INFO. A logging filter enforces it for
structured keys: any key that can carry text or secrets is redacted above DEBUG.

Cheap to import: Powertools' logger is imported on first :func:`get_logger` of a service that uses
it, and EMF is serialized here (the format is small and fixed), so importing this module costs
almost nothing and the connector never imports Powertools at all.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from siu_core.jsonlog import JsonLogger

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
#: Services whose logger is the light :class:`~siu_core.jsonlog.JsonLogger` (hot paths): the
#: connector answers every webhook and logs one line per request.
LIGHT_SERVICES = frozenset({"connector"})

F = TypeVar("F", bound=Callable[..., Any])


class RedactSensitive(logging.Filter):
    """Blank the values of sensitive structured keys on records above DEBUG: a last line of defence."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place and always keep the record."""
        if record.levelno > logging.DEBUG:
            for key in SENSITIVE_KEYS.intersection(record.__dict__):
                setattr(record, key, REDACTED)
        return True


_loggers: dict[str, Any] = {}
_loggers_lock = threading.Lock()


def get_logger(service: str) -> Logger:
    """One JSON logger per service, shared by the modules of that handler (Powertools' unless light)."""
    with _loggers_lock:
        found: Any = _loggers.get(service)
        if found is None:
            if service in LIGHT_SERVICES:
                found = JsonLogger(service, SENSITIVE_KEYS, REDACTED)
            else:
                from aws_lambda_powertools import Logger

                found = Logger(service=service, utc=True)
                found.addFilter(RedactSensitive())
            _loggers[service] = found
        return cast("Logger", found)  # a JsonLogger answers the same calls siu makes


# --- metrics -------------------------------------------------------------------------------------

_Key = tuple[tuple[str, str], ...]
_buffer: dict[_Key, dict[str, tuple[str, list[float]]]] = {}
_buffer_lock = threading.Lock()


_valid_names: set[str] = set()


def metric(name: str, value: float = 1, unit: str = "Count", **dimensions: str) -> None:
    """Record one metric value for this invocation; EMF lines go out at the next flush."""
    if name not in _valid_names:
        if not _METRIC_NAME.match(name):
            raise ValueError(f"metric name {name!r} must be CamelCase letters and digits")
        _valid_names.add(name)
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


def metrics_disabled() -> bool:
    """Whether EMF lines are kept off stdout (Powertools' rule: ``POWERTOOLS_METRICS_DISABLED``, dev mode)."""
    disabled = os.environ.get("POWERTOOLS_METRICS_DISABLED")
    if disabled is not None:
        return disabled.strip().lower() in _TRUE
    return os.environ.get("POWERTOOLS_DEV", "false").strip().lower() in _TRUE


_TRUE = frozenset({"1", "y", "yes", "t", "true", "on"})


_directives: dict[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]], list[dict[str, Any]]] = {}

#: The metrics CloudWatch keeps, and their dimensions besides ``service``: those an alarm reads, with only
#: the dimensions it reads. Every CloudWatch metric (a name with one set of dimension values) costs $0.30
#: in any month it gets a value, and a small shop's whole budget is a few dollars: every other count
#: (EventsEnqueued, RepliesSent, SlaBreaches, ...) and every other dimension (team, kind) is written in
#: the same EMF line as a plain property, queryable with CloudWatch Logs Insights at no per-metric cost
#: (docs/operations.md has the queries).
METRIC_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "SignatureFailures": ("channel",),  # the signature-failures alarm groups by channel
    "SendFailures": ("channel", "reason"),  # the send-failures alarm's SCHEMA
    "FallbackLabels": ("channel",),  # the fallback-labels alarm groups by channel (MessagesIn: a property)
    "UnknownAccount": ("channel",),  # the unknown-account alarm groups by channel
}


def declared_dimensions(name: str, dimensions: Mapping[str, str]) -> tuple[str, ...]:
    """The dimension names a metric is published under (``service`` and what its alarm reads)."""
    kept = METRIC_DIMENSIONS.get(name, ())
    return tuple(k for k in dimensions if k == "service" or k in kept)


def emf_blob(namespace: str, dimensions: Mapping[str, str], metrics: Mapping[str, tuple[str, list[float]]],
             timestamp_ms: int) -> dict[str, Any]:
    """One CloudWatch Embedded Metric Format object: one set of values, its metrics, each under its dimensions."""
    shape = (namespace, tuple(dimensions), tuple((name, unit) for name, (unit, _) in metrics.items()))
    directive = _directives.get(shape)
    if directive is None:  # the same few shapes recur every invocation: built once each
        by_dims: dict[tuple[str, ...], list[dict[str, str]]] = {}
        for name, unit in shape[2]:
            if name in METRIC_DIMENSIONS:  # the others stay properties of the line (see METRIC_DIMENSIONS)
                by_dims.setdefault(declared_dimensions(name, dimensions), []).append({"Name": name, "Unit": unit})
        directive = [{"Namespace": namespace, "Dimensions": [list(dims)], "Metrics": named}
                     for dims, named in by_dims.items()]
        _directives[shape] = directive
    blob: dict[str, Any] = {"_aws": {"Timestamp": timestamp_ms, "CloudWatchMetrics": directive}}
    blob.update(dimensions)
    for name, (_, values) in metrics.items():
        blob[name] = list(values)
    return blob


def flush_metrics(*, service: str | None = None) -> list[dict[str, Any]]:
    """Write every buffered metric as EMF (one JSON line per dimension set) and return the blobs.

    The ``service`` dimension is the one given, else the instrumented handler's, else
    ``$POWERTOOLS_SERVICE_NAME``.
    """
    with _buffer_lock:
        if not _buffer:
            return []
        groups = dict(_buffer)
        _buffer.clear()
    service = service or _current_service or os.environ.get("POWERTOOLS_SERVICE_NAME") or None
    namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_NAMESPACE
    now_ms = int(time.time() * 1000)
    blobs: list[dict[str, Any]] = []
    for key, metrics in groups.items():
        dimensions = dict(key)
        if service:
            dimensions["service"] = service
        blobs.append(emf_blob(namespace, dimensions, metrics, now_ms))
    if not metrics_disabled():
        for blob in blobs:
            print(json.dumps(blob, separators=(",", ":")), flush=True)  # EMF: CloudWatch reads stdout
    return blobs


def metrics_line() -> dict[str, Any]:
    """The buffered metrics as keys of the request's one log line (an EMF object is itself a log line).

    Taken from the buffer when they share one set of dimensions and metrics are on (else ``{}``, and
    :func:`flush_metrics` writes them as usual), so a handler that logs one line per request writes
    one line, with one ``json.dumps``, instead of two.
    """
    with _buffer_lock:
        if len(_buffer) != 1 or metrics_disabled():
            return {}
        ((key, metrics),) = _buffer.items()
        _buffer.clear()
    dimensions = dict(key)
    service = _current_service or os.environ.get("POWERTOOLS_SERVICE_NAME") or None
    if service:
        dimensions["service"] = service
    namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_NAMESPACE
    return emf_blob(namespace, dimensions, metrics, int(time.time() * 1000))


def discard_metrics() -> None:
    """Drop buffered metrics without writing them (tests start clean)."""
    with _buffer_lock:
        _buffer.clear()


# --- the handler boundary ------------------------------------------------------------------------


def _lookup(data: Any, path: str | tuple[str, ...]) -> str | None:
    """The string at a dotted path of the event (``requestContext.requestId``), or None."""
    for part in path.split(".") if isinstance(path, str) else path:
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
    parts = tuple(correlation_id_path.split(".")) if correlation_id_path else ()

    def decorate(handler: F) -> F:
        def correlated(event: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
            # Set after Powertools cleared the previous invocation's keys.
            logger.set_correlation_id(_lookup(event, parts) if parts else None)
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
