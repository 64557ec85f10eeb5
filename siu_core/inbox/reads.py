"""What the inbox reads: the caller, a queue, a thread with its messages, history and reply window."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from siu_core import sla
from siu_core.errors import UnknownChannel
from siu_core.inbox import authz, channel_display, notes, views
from siu_core.inbox.errors import forbidden, invalid, not_found
from siu_core.store import assignments, ddb, keys, loadcount, messages, roster, threads

if TYPE_CHECKING:
    from siu_core.config import RosterEntry
    from siu_core.inbox.authz import Actor
    from siu_core.inbox.services import InboxServices

DEFAULT_PAGE = 50
MAX_PAGE = 200
#: A queue answer holds at most this many threads (``?limit=``, ``?offset=`` page through the rest), so
#: it stays far below Lambda's 6 MB response limit however long a queue grows.
MAX_QUEUE_PAGE = 200


def me(services: InboxServices, actor: Actor) -> dict[str, Any]:
    """The caller: id, role, roster facts and live open-thread count."""
    entry = actor.entry
    return {
        "id": actor.id,
        "role": actor.role,
        "name": entry.name if entry else None,
        "teams": sorted(actor.teams),
        "status": entry.status if entry else None,
        "on_roster": entry is not None,
        "open_threads": loadcount.get(actor.id).open_threads if entry else 0,
        "time_zone": entry.time_zone if entry else services.config.time_zone,
        # What the UI offers in its pickers (label corrections, the roster editor's teams).
        "topics": services.config.topics,
        "all_teams": sorted(services.config.teams),
        # How each installed channel looks in the inbox (the plugins' display data): see channel_display.
        "channels": channel_display.channels_view(services.channels),
    }


def _shifts(services: InboxServices, entries: list[RosterEntry] | None, team: str | None) -> list[sla.Shift] | None:
    if not services.config.sla.working_hours_only:
        return None
    return sla.team_shifts(services.config, entries if entries is not None else roster.all_entries(), team)


def queue(services: InboxServices, actor: Actor, params: Mapping[str, str]) -> dict[str, Any]:
    """Open threads of one holder, newest customer message first: mine, or (admins) anyone's or a team's queue.

    ``?assignee=ID`` (admins), ``?team=T`` (the team's unassigned queue: admins, or agents of that team).
    """
    assignee, team = params.get("assignee"), params.get("team")
    if assignee and team:
        raise invalid("ask for either assignee or team, not both")
    if team:
        if team not in services.config.teams:
            raise not_found("team", team)
        if not actor.is_admin and team not in actor.teams:
            raise forbidden(f"you are not on team {team}")
        holder, label = keys.queue_assignee(team), {"team": team}
    elif assignee and assignee != actor.id:
        authz.require_admin(actor)
        holder, label = assignee, {"assignee": assignee}
    else:
        holder, label = actor.id, {"assignee": actor.id}
    all_rows = assignments.awake(assignments.open_rows(holder))  # snoozed ones are in GET /api/snoozed
    limit, offset = _queue_page(params)
    # Newest waiting first (the thread's own last message orders the page once read), one page of threads read.
    ordered = sorted(all_rows, key=lambda r: str(r.get("waiting_since") or r.get("assigned_at") or ""), reverse=True)
    rows = ordered[offset:offset + limit]
    found = ddb.batch_get([ddb.GetRequest(threads.table(), [threads.key(str(r["thread_id"])) for r in rows])]) \
        if rows else {}
    by_id = {str(t["thread_id"]): t for t in found.get(threads.table(), [])}
    current = []
    for row in rows:
        thread = by_id.get(str(row["thread_id"]))
        # The index is eventually consistent: trust the thread's own status and assignment sequence.
        if thread is None or thread.get("status") != "open" or int(thread.get("assignment_seq", 0)) != int(row["seq"]):
            continue
        if thread.get("snoozed_at"):  # put aside: listed in GET /api/snoozed until it comes back
            continue
        current.append(thread)
    current.sort(key=lambda t: str(t.get("last_inbound_at") or t.get("opened_at") or ""), reverse=True)
    now = services.clock()
    entries = roster.all_entries() if services.config.sla.working_hours_only else None
    previews = _previews(current)
    items = [views.thread_summary(t, now=now, spec=services.config.sla,
                                  shifts=_shifts(services, entries, authz.thread_team(t)),
                                  preview=previews.get(str(t["thread_id"])), account_name=services.account_name(t))
             for t in current]
    following = offset + limit if offset + limit < len(all_rows) else None
    return {**label, "threads": items, "count": len(items), "total": len(all_rows), "next_offset": following}


def _queue_page(params: Mapping[str, str]) -> tuple[int, int]:
    """``limit`` (1..MAX_QUEUE_PAGE, default all of it) and ``offset`` (>= 0) of a queue read."""
    try:
        limit = int(params.get("limit", MAX_QUEUE_PAGE))
        offset = int(params.get("offset", 0))
    except ValueError:
        raise invalid("limit and offset must be whole numbers") from None
    if not 1 <= limit <= MAX_QUEUE_PAGE or offset < 0:
        raise invalid(f"limit must be between 1 and {MAX_QUEUE_PAGE}, offset 0 or more")
    return limit, offset


def _previews(threads_: list[dict[str, Any]]) -> dict[str, str]:
    """Thread id -> preview of its newest customer message, for a whole page in one batched read."""
    wanted = {key: str(t["thread_id"]) for t in threads_ if (key := views.preview_key(t))}
    if not wanted:
        return {}
    found = ddb.batch_get([ddb.GetRequest(messages.table(), [messages.key(k) for k in wanted])])
    out: dict[str, str] = {}
    for item in found.get(messages.table(), []):
        preview = views.message_preview(item)
        if preview is not None:
            out[wanted[str(item["message_key"])]] = preview
    return out


def _cursor_out(key: ddb.Key | None) -> str | None:
    if not key:
        return None
    plain = ddb.from_ddb(key)
    return base64.urlsafe_b64encode(json.dumps(plain, sort_keys=True).encode()).decode().rstrip("=")


def _cursor_in(text: str | None, thread_id: str) -> ddb.Key | None:
    if not text:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, binascii.Error):
        raise invalid("the before cursor is not one this API issued") from None
    if not isinstance(data, dict) or data.get("thread_id") != thread_id or set(data) != {
            "thread_id", "sort_key", "message_key"}:
        raise invalid("the before cursor is not one this API issued for this thread")
    return {k: ddb.to_ddb(v) for k, v in data.items()}


def _page_size(params: Mapping[str, str]) -> int:
    raw = params.get("limit")
    if raw is None:
        return DEFAULT_PAGE
    try:
        value = int(raw)
    except ValueError:
        raise invalid("limit must be a whole number") from None
    if not 1 <= value <= MAX_PAGE:
        raise invalid(f"limit must be between 1 and {MAX_PAGE}")
    return value


def window_for_thread(services: InboxServices, thread: Mapping[str, Any]) -> dict[str, Any] | None:
    """The reply window of a thread's channel now (None when its plugin is not installed)."""
    try:
        channel = services.channel(str(thread.get("channel")))
    except UnknownChannel:
        return None
    settings = services.channel_settings(channel.name, str(thread.get("account_id") or "") or None)
    state = views.window_state(channel.info.reply_window, settings, sla.parse_time(thread.get("last_inbound_at")),
                               services.clock())
    return views.window_view(state, supports_templates=channel.info.supports_templates, settings=settings)


def attachments_for_thread(services: InboxServices, thread: Mapping[str, Any]) -> dict[str, Any] | None:
    """The files a reply on this thread may carry (the composer's paperclip), or None when its channel sends none."""
    from siu_core.attachments import capability_view

    try:
        channel = services.channel(str(thread.get("channel")))
    except UnknownChannel:
        return None
    return capability_view(channel.info.attachments)


def _history(actor: Actor, history: list[dict[str, Any]], *, exclude: str) -> dict[str, Any]:
    """The customer's other threads the caller may read; the rest only as a count, without text or summary."""
    others = [t for t in history if t.get("thread_id") != exclude]
    visible = [t for t in others if authz.can_view(actor, t)]
    hidden = len(others) - len(visible)
    return {"history": views.history_view(visible, exclude=exclude), "history_hidden": hidden}


def thread_detail(services: InboxServices, actor: Actor, thread_id: str, params: Mapping[str, str]) -> dict[str, Any]:
    """A thread: its messages (latest page, oldest first, ``before`` cursor for more), labels, assignee,
    SLA, the customer's other threads and the reply window."""
    thread = threads.get(thread_id)
    if thread is None:
        raise not_found("thread", thread_id)
    authz.require_view(actor, thread)
    limit = _page_size(params)
    page, more = messages.page(thread_id, limit=limit, start=_cursor_in(params.get("before"), thread_id),
                               newest_first=True)
    history = threads.for_customer(str(thread["customer_key"])) if thread.get("customer_key") else []
    summary = views.thread_summary(thread, now=services.clock(), spec=services.config.sla,
                                   shifts=_shifts(services, None, authz.thread_team(thread)),
                                   account_name=services.account_name(thread))
    if thread.get("status") != "open" and summary["sla"] is None and thread.get("sla_breached_at"):
        summary["sla"] = {"breached_at": thread.get("sla_breached_at"), "breached": True}
    return {
        **summary,
        "messages": [views.message_view(m) for m in reversed(page)],
        "before": _cursor_out(more),
        **_history(actor, history, exclude=thread_id),
        "window": window_for_thread(services, thread),
        "attachments": attachments_for_thread(services, thread),
        "can_act": authz.can_act(actor, thread),
        "notes": notes.for_thread(thread_id),
        "snoozed_until": thread.get("snoozed_until"),  # None unless snoozed (docs/inbox-api.md, snooze)
    }
