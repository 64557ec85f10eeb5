"""The local stand-in for the platforms' APIs: answers like them (through each plugin) and records every call."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from siu_core.models import StandInResponse
from siu_core.plugins import ChannelRegistry

#: URL prefix under the dev server where channel ``X``'s API lives: ``/platform/X/...``.
PREFIX = "/platform/"
#: A header whose name holds one of these is redacted in the outbox, whatever the platform calls it.
_SECRET_HEADER_WORDS = ("authorization", "cookie", "secret", "token", "api-key", "apikey", "signature")


def _secret_header(name: str) -> bool:
    """Whether a header may carry a credential (so the outbox shows it redacted)."""
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_HEADER_WORDS)


@dataclass
class InjectedFailure:
    """An error answer a test or a user asked for: the next ``remaining`` calls to ``channel`` get it."""

    channel: str
    status: int
    body: Any
    remaining: int = 1


@dataclass
class StandIn:
    """Records every call and answers through the channel plugin's ``stand_in_response`` hook."""

    channels: ChannelRegistry
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: Each channel's accounts' secrets, only to redact them from the outbox (some platforms put a token in the path).
    secrets: Mapping[str, Sequence[Mapping[str, str]]] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    failures: list[InjectedFailure] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def base_url(self, origin: str, channel: str) -> str:
        """The ``api_base_url`` setting that points a channel at this stand-in."""
        return f"{origin}{PREFIX}{channel}"

    def inject(self, channel: str, status: int, body: Any, count: int = 1) -> None:
        """Make the next ``count`` calls to ``channel`` fail with this answer."""
        with self._lock:
            self.failures.append(InjectedFailure(channel, status, body, count))

    def handle(self, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str],
               body: bytes) -> StandInResponse:
        """Answer one call under ``/platform/<channel>/...`` and record it."""
        rest = path[len(PREFIX):]
        channel, _, sub = rest.partition("/")
        sub = "/" + sub
        with self._lock:
            failure = next((f for f in self.failures if f.channel == channel and f.remaining > 0), None)
            if failure is not None:
                failure.remaining -= 1
        if failure is not None:
            answer = StandInResponse(status=failure.status, body=failure.body)
        elif channel not in self.channels.channels:
            answer = StandInResponse(status=404, body={"error": {"message": f"no channel {channel!r}"}})
        else:
            ch = self.channels.get(channel)
            answer = ch.stand_in_response(method, sub, query, body, self.settings.get(channel)) or StandInResponse(
                status=404, body={"error": {"message": f"the {channel} stand-in does not know {method} {sub}"}}
            )
        self._record(channel, method, sub, query, headers, body, answer)
        return answer

    def _record(self, channel: str, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str],
                body: bytes, answer: StandInResponse) -> None:
        try:
            parsed: Any = json.loads(body) if body else None
        except ValueError:
            parsed = body.decode("utf-8", "replace")
        for fields in self.secrets.get(channel, ()):
            for name, value in fields.items():
                if len(value) >= 8 and not name.endswith("_id"):
                    path = path.replace(value, f"<{name}>")
        entry = {
            "at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "channel": channel,
            "method": method,
            "path": path,
            "query": {k: v for k, v in query.items() if "token" not in k.lower()},
            "headers": {k: ("<redacted>" if _secret_header(k) else v) for k, v in headers.items()},
            "body": parsed,
            "status": answer.status,
            "response": answer.body,
        }
        with self._lock:
            self.calls.append(entry)

    def outbox(self) -> list[dict[str, Any]]:
        """Every call received so far, oldest first (``GET /dev/outbox``)."""
        with self._lock:
            return list(self.calls)
