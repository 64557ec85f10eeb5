"""``GET /api/search``: customers, threads and messages a teammate may see, from the search index.

The index (:mod:`siu_core.search`) narrows by the words, the filters and the caller's teams; every
hit is then checked on the stored thread with :func:`siu_core.inbox.authz.can_view`, the rule the
queue and thread routes apply, so a thread reassigned a moment ago never leaks through the index's
lag. Parsing the query string is pure (:func:`parse`) and answers 422 with a code for bad input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from siu_core.inbox import authz, views
from siu_core.inbox.errors import ApiError, invalid
from siu_core.search import query
from siu_core.search.filters import Filters
from siu_core.store import ddb, keys, threads

if TYPE_CHECKING:
    from siu_core.inbox.authz import Actor
    from siu_core.inbox.services import InboxServices
    from siu_core.search.engine import Page

DEFAULT_LIMIT = 20
MAX_LIMIT = 50
#: Paging stops here: past a few hundred hits, a narrower search is the answer, not another page.
MAX_OFFSET = 1000
STATUSES = ("open", "closed")
#: Every query parameter the route reads (others are a 422, so a typo never silently widens a search).
PARAMS = ("q", "topic", "urgency", "status", "assignee", "channel", "account", "since", "until", "limit", "offset")
_MAX_VALUE = 200


@dataclass(frozen=True)
class SearchRequest:
    """A parsed search: the words, the filters and the page."""

    q: str
    filters: Filters
    limit: int
    offset: int


def _when(name: str, raw: str, *, end: bool) -> str:
    """An ISO date or date-time as the stored UTC form; a bare date's ``until`` includes that whole day."""
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(f"{name} must be an ISO 8601 date or date-time", field=name) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if end and len(raw) == 10:
        value += timedelta(days=1)
    return keys.ts(value)


def _whole(name: str, raw: str | None, default: int, low: int, high: int) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(f"{name} must be a whole number", field=name) from None
    if not low <= value <= high:
        raise invalid(f"{name} must be between {low} and {high}", field=name)
    return value


def parse(params: Mapping[str, str]) -> SearchRequest:
    """The search a query string asks for; 422 ``invalid_request`` (with ``field``) when it is not one."""
    unknown = sorted(set(params) - set(PARAMS))
    if unknown:
        raise invalid(f"unknown search parameter {unknown[0]!r}; known: {', '.join(PARAMS)}", field=unknown[0])
    for name, value in params.items():
        if len(value) > (query.MAX_QUERY if name == "q" else _MAX_VALUE):
            raise invalid(f"{name} is too long", field=name)
    q = (params.get("q") or "").strip()
    status = params.get("status") or None
    if status is not None and status not in STATUSES:
        raise invalid(f"status must be one of {', '.join(STATUSES)}", field="status")
    since = _when("since", params["since"], end=False) if params.get("since") else None
    until = _when("until", params["until"], end=True) if params.get("until") else None
    if since and until and since >= until:
        raise invalid("since must be before until", field="since")
    filters = Filters(topic=params.get("topic") or None, urgency=params.get("urgency") or None, status=status,
                      assignee=params.get("assignee") or None, channel=params.get("channel") or None,
                      account=params.get("account") or None, since=since, until=until)
    return SearchRequest(q=q, filters=filters, limit=_whole("limit", params.get("limit"), DEFAULT_LIMIT, 1, MAX_LIMIT),
                         offset=_whole("offset", params.get("offset"), 0, 0, MAX_OFFSET))


def search(services: InboxServices, actor: Actor, params: Mapping[str, str]) -> dict[str, Any]:
    """The caller's search: matching customers' threads and messages, newest first, one page of each."""
    wanted = parse(params)
    page = _page(wanted, actor)
    ids = list(dict.fromkeys([t.thread_id for t in page.threads] + [m.thread_id for m in page.messages]))
    stored = _threads(ids)
    seen = {i: t for i, t in stored.items() if authz.can_view(actor, t)}

    def summary(thread_id: str) -> dict[str, Any]:
        item = seen[thread_id]
        return views.thread_summary(item, account_name=services.account_name(item))

    return {
        "q": wanted.q,
        "threads": [summary(t.thread_id) for t in page.threads if t.thread_id in seen],
        "messages": [{"thread": summary(m.thread_id),
                      "message": {"key": m.message_key, "at": m.at, "direction": m.direction, "snippet": m.snippet}}
                     for m in page.messages if m.thread_id in seen],
        "next_offset": wanted.offset + wanted.limit if page.more else None,
    }


def _page(wanted: SearchRequest, actor: Actor) -> Page:
    """One page of hits: from the Search function when the deployment has one, else the local index file."""
    from siu_core.search import location, remote, wire
    from siu_core.search.scope import visible

    function = remote.function_name()
    if function is not None:
        request = wire.request(wanted.q, wanted.filters, admin=actor.is_admin, user=actor.id, teams=actor.teams,
                               limit=wanted.limit, offset=wanted.offset)
        try:
            return remote.search(request, function=function)
        except remote.SearchFailed:
            raise ApiError(503, "search_unavailable", "the search index did not answer; try again shortly",
                           headers={"Retry-After": "5"}) from None
    index = location.shared()
    if index is None:
        raise ApiError(503, "search_unavailable", "this deployment has no search index (docs/search.md)")
    scope = visible(admin=actor.is_admin, user=actor.id, teams=actor.teams)
    return index.search(wanted.q, filters=wanted.filters, scope=scope, limit=wanted.limit, offset=wanted.offset)


def _threads(ids: list[str]) -> dict[str, dict[str, Any]]:
    """The stored threads of a page's hits, in batched reads (at most 2 x MAX_LIMIT ids)."""
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 100):
        chunk = ids[start:start + 100]
        found = ddb.batch_get([ddb.GetRequest(threads.table(), [threads.key(i) for i in chunk])])
        out.update({str(t["thread_id"]): t for t in found.get(threads.table(), [])})
    return out
