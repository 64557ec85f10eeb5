"""A small structured JSON logger for hot paths: Powertools' log keys at a fraction of the cost.

The connector answers every webhook and logs one line per request. Powertools' Logger formats a
line through stdlib logging, a LogRecord, its formatter's key extraction and a JSON encoder, and
importing it costs more than the connector's own code. This logger writes the same keys (``level``,
``location``, ``message``, ``timestamp``, ``service``, the Lambda context keys, ``correlation_id``,
then the caller's keys; ``exception``/``exception_name`` for :meth:`JsonLogger.exception`) with one
``json.dumps`` per line. Values of sensitive keys are redacted above DEBUG, as
:class:`siu_core.obs.RedactSensitive` does for Powertools loggers.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
_encode = json.JSONEncoder(default=str, separators=(",", ":"), ensure_ascii=False).encode
_LEVELS = {"DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARNING": logging.WARNING, "ERROR": logging.ERROR,
           "CRITICAL": logging.CRITICAL}


def _level_from_env() -> int:
    name = (os.environ.get("POWERTOOLS_LOG_LEVEL") or os.environ.get("LOG_LEVEL") or "INFO").strip().upper()
    return _LEVELS.get(name, logging.INFO)


class JsonLogger:
    """One service's JSON log lines on a stream handler (``registered_handler``, as Powertools names it)."""

    def __init__(self, service: str, sensitive: Iterable[str] = (), redacted: str = "[redacted]") -> None:
        self.service = service
        self.sensitive = frozenset(sensitive)
        self.redacted = redacted
        self.level = _level_from_env()
        self.registered_handler = logging.StreamHandler(sys.stdout)
        self._keys: dict[str, Any] = {}
        self._cold_start = True
        self._stamp_second = -1
        self._stamp_prefix = ""

    # --- the Powertools Logger surface siu uses -------------------------------------------------

    def setLevel(self, level: int | str) -> None:
        """Log at this level and above."""
        self.level = level if isinstance(level, int) else _LEVELS.get(level.upper(), logging.INFO)

    def append_keys(self, **keys: Any) -> None:
        """Keys every following line carries (until :meth:`clear_state`)."""
        self._keys.update(keys)

    def set_correlation_id(self, value: str | None) -> None:
        """The request id every following line carries as ``correlation_id``."""
        if value is None:
            self._keys.pop("correlation_id", None)
        else:
            self._keys["correlation_id"] = value

    def clear_state(self) -> None:
        """Forget the previous invocation's keys."""
        self._keys.clear()

    def inject_lambda_context(self, clear_state: bool = False) -> Callable[[F], F]:
        """Decorate a handler so each line carries the Lambda context keys (cold start, function, request)."""

        def decorate(handler: F) -> F:
            @functools.wraps(handler)
            def run(event: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
                if clear_state:
                    self._keys.clear()
                self._keys.update(
                    cold_start=self._cold_start,
                    function_name=getattr(context, "function_name", None),
                    function_memory_size=getattr(context, "memory_limit_in_mb", None),
                    function_arn=getattr(context, "invoked_function_arn", None),
                    function_request_id=getattr(context, "aws_request_id", None),
                )
                self._cold_start = False
                return handler(event, context, *args, **kwargs)

            return run  # type: ignore[return-value]

        return decorate

    def debug(self, msg: str, *, extra: Mapping[str, Any] | None = None, **keys: Any) -> None:
        """A DEBUG line (sensitive keys are kept: debugging may need them)."""
        if self.level <= logging.DEBUG:
            self._write(logging.DEBUG, "DEBUG", msg, extra, keys)

    def info(self, msg: str, *, extra: Mapping[str, Any] | None = None, **keys: Any) -> None:
        """An INFO line."""
        if self.level <= logging.INFO:
            self._write(logging.INFO, "INFO", msg, extra, keys)

    def warning(self, msg: str, *, extra: Mapping[str, Any] | None = None, **keys: Any) -> None:
        """A WARNING line."""
        if self.level <= logging.WARNING:
            self._write(logging.WARNING, "WARNING", msg, extra, keys)

    def error(self, msg: str, *, extra: Mapping[str, Any] | None = None, **keys: Any) -> None:
        """An ERROR line."""
        if self.level <= logging.ERROR:
            self._write(logging.ERROR, "ERROR", msg, extra, keys)

    def exception(self, msg: str, *, extra: Mapping[str, Any] | None = None, **keys: Any) -> None:
        """An ERROR line with the exception being handled (its traceback and type name)."""
        exc = sys.exc_info()[1]
        if exc is not None:
            import traceback  # only an exception line pays for it

            keys["exception"] = "".join(traceback.format_exception(exc)).rstrip()
            keys["exception_name"] = type(exc).__name__
        self._write(logging.ERROR, "ERROR", msg, extra, keys)

    # --- writing --------------------------------------------------------------------------------

    def _timestamp(self) -> str:
        now = time.time()
        second = int(now)
        if second != self._stamp_second:
            self._stamp_second = second
            self._stamp_prefix = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(second))
        return f"{self._stamp_prefix},{int((now - second) * 1000):03d}+0000"

    def _write(self, level: int, name: str, msg: str, extra: Mapping[str, Any] | None, keys: dict[str, Any]) -> None:
        frame = sys._getframe(2)
        line: dict[str, Any] = {
            "level": name,
            "location": f"{frame.f_code.co_name}:{frame.f_lineno}",
            "message": msg,
            "timestamp": self._timestamp(),
            "service": self.service,
        }
        line.update(self._keys)
        if extra:
            line.update(extra)
        line.update(keys)
        if level > logging.DEBUG and not self.sensitive.isdisjoint(line):
            for key in self.sensitive.intersection(line):
                line[key] = self.redacted
        text = _encode(line) + "\n"
        handler = self.registered_handler
        with handler.lock or _NoLock():
            handler.stream.write(text)
            handler.stream.flush()


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_exc: object) -> None:
        return None
