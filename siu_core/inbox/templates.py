"""Which message templates a teammate may send: the platform's approved list, cached, and the checks on a reply.

A channel plugin with the ``message_templates`` hook (contract 1.2) reports every template of the
account with its review status. The inbox keeps that list per channel for :data:`TTL` seconds; a
template reply is checked against it before anything is sent (unknown or not approved, or the wrong
number of parameters: 422 with what is possible). A deployment's ``templates`` setting, when it
lists any, narrows what the inbox offers to those of them the platform approved.

Without the hook (or when the plugin says the deployment cannot ask), the ``templates`` setting is
the list, as before contract 1.2. When the platform cannot be asked, the last list it gave is used
(however old); with none, the setting is used if it lists any; otherwise the reply is refused with a
503, since an unchecked name would only fail at the platform.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from siu_core import obs
from siu_core.inbox.errors import ApiError

SERVICE = "inbox"
#: How long a platform's template list is trusted before it is asked again.
TTL = 300.0
#: The shortest gap between two refreshes of one channel's list (an unknown name asks again, at most this often).
MIN_REFRESH = 30.0
APPROVED = "APPROVED"

Source = Literal["platform", "config", "stale"]


class TemplateInfo(BaseModel):
    """One template as a plugin reports it (unknown extra fields are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str = Field(min_length=1, max_length=512)
    language: str = Field(min_length=1, max_length=20)
    status: str = APPROVED
    category: str | None = None
    param_count: int = Field(default=0, ge=0, le=100)
    #: The body text with its ``{{1}}`` placeholders, when the plugin reports it (the composer's preview).
    body: str | None = Field(default=None, max_length=1024)

    def view(self) -> dict[str, Any]:
        """The JSON shape the API and the UI use."""
        shown: dict[str, Any] = {"name": self.name, "language": self.language, "param_count": self.param_count,
                                 "status": self.status, "category": self.category}
        if self.body is not None:
            shown["body"] = self.body
        return shown


def read_reported(raw: Sequence[Any]) -> list[TemplateInfo]:
    """The plugin's entries that make sense (a malformed one is skipped and logged, never fatal)."""
    out = []
    for i, item in enumerate(raw):
        try:
            info = TemplateInfo.model_validate(item)
        except ValidationError:
            obs.get_logger(SERVICE).warning("skipping a malformed template entry", extra={"index": i})
            continue
        out.append(info.model_copy(update={"status": info.status.upper()}))
    return out


def configured(settings: Mapping[str, Any]) -> list[TemplateInfo]:
    """The templates a deployment's ``templates`` setting lists (assumed approved)."""
    out = []
    for t in settings.get("templates") or []:
        if isinstance(t, Mapping) and t.get("name") and t.get("language"):
            try:
                out.append(TemplateInfo(name=str(t["name"]), language=str(t["language"]),
                                        param_count=int(t.get("param_count", 0) or 0)))
            except (ValidationError, TypeError, ValueError):
                continue
    return out


def offered(platform: Sequence[TemplateInfo], config: Sequence[TemplateInfo]) -> list[TemplateInfo]:
    """What teammates may send: the platform's approved templates, narrowed to the setting's when it lists any."""
    approved = [t for t in platform if t.status == APPROVED]
    if not config:
        return approved
    wanted = {(t.name, t.language) for t in config}
    return [t for t in approved if (t.name, t.language) in wanted]


@dataclass(frozen=True)
class Catalog:
    """A channel's templates as the inbox knows them now: everything reported, and what may be sent."""

    reported: tuple[TemplateInfo, ...]
    sendable: tuple[TemplateInfo, ...]
    source: Source

    def views(self) -> list[dict[str, Any]]:
        """The sendable templates as JSON (the 422 bodies and the thread's window carry this)."""
        return [t.view() for t in self.sendable]


def check_template(name: str, language: str, params: Sequence[str], catalog: Catalog) -> None:
    """422 unless this template is known, approved and given the number of parameters it takes."""
    found = next((t for t in catalog.sendable if (t.name, t.language) == (name, language)), None)
    if found is None:
        other = next((t for t in catalog.reported if (t.name, t.language) == (name, language)), None)
        if other is not None and other.status != APPROVED:
            why = f"template {name!r} ({language}) is {other.status.lower()} on the platform, not approved"
        elif other is not None:
            why = f"template {name!r} ({language}) is not among the templates this inbox offers"
        else:
            why = f"template {name!r} ({language}) is not an approved template of this account"
        raise ApiError(422, "unknown_template", why, templates=catalog.views())
    if len(params) != found.param_count:
        raise ApiError(422, "template_params",
                       f"template {name!r} ({language}) takes {found.param_count} parameter(s); "
                       f"this reply has {len(params)}", expected=found.param_count, given=len(params))


@dataclass
class _Entry:
    templates: list[TemplateInfo] | None
    fetched_at: float


class TemplatesUnavailable(Exception):
    """The platform's list could not be read a moment ago, and there is no earlier list to fall back on."""


@dataclass
class TemplateCache:
    """Per-channel platform template lists, each trusted for ``ttl`` seconds; thread-safe.

    A failed ask is remembered for ``min_refresh`` seconds: while the platform is down, reads (every
    thread view) get the last list, or fail at once, instead of each waiting for a timeout.
    """

    ttl: float = TTL
    min_refresh: float = MIN_REFRESH
    _entries: dict[str, _Entry] = field(default_factory=dict)
    _failed: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, channel: str, fetch: Callable[[], list[TemplateInfo] | None], now: float, *,
            refresh: bool = False) -> tuple[list[TemplateInfo] | None, bool]:
        """The channel's list (None: the platform cannot be asked) and whether it is fresh.

        Asks the platform when there is no entry, when it is older than ``ttl``, or when ``refresh``
        is asked for and the last ask is at least ``min_refresh`` old, unless an ask failed less than
        ``min_refresh`` ago. A failed ask keeps the last list and says it is stale; with no list to
        keep, the error propagates (:class:`TemplatesUnavailable` while the failure is remembered).
        """
        with self._lock:
            entry = self._entries.get(channel)
            failed_at = self._failed.get(channel)
        age = None if entry is None else now - entry.fetched_at
        if entry is not None and age is not None and age < self.ttl and not (refresh and age >= self.min_refresh):
            return entry.templates, True
        if failed_at is not None and now - failed_at < self.min_refresh:
            if entry is not None and entry.templates is not None:
                return entry.templates, False
            raise TemplatesUnavailable(f"the platform's template list failed {now - failed_at:.0f} s ago")
        try:
            fetched = fetch()
        except Exception:
            with self._lock:
                self._failed[channel] = now
            if entry is None or entry.templates is None:
                raise
            obs.get_logger(SERVICE).warning("template list refresh failed; using the last one",
                                            extra={"channel": channel}, exc_info=True)
            return entry.templates, False
        with self._lock:
            self._entries[channel] = _Entry(fetched, now)
            self._failed.pop(channel, None)
        return fetched, True

    def clear(self, channel: str | None = None) -> None:
        """Forget one channel's list (or all), so the next read asks the platform."""
        with self._lock:
            if channel is None:
                self._entries.clear()
                self._failed.clear()
            else:
                self._entries.pop(channel, None)
                self._failed.pop(channel, None)
