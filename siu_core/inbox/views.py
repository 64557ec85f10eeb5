"""The JSON shapes the API answers with, built from stored items. Pure: no I/O, no clock.

Timestamps are RFC 3339 UTC strings (the stored fixed-width form). A message the customer deleted
shows ``deleted: true`` and no text. Labels' ``summary`` is for staff only and never sent to a customer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from siu_core import sla
from siu_core.models import ReplyWindowPolicy, rfc3339
from siu_core.window import WindowState, reply_window

if TYPE_CHECKING:
    from siu_core.config import RosterEntry, SlaSpec


def _when(value: datetime | None) -> str | None:
    return None if value is None else rfc3339(value)


def labels_view(thread: Mapping[str, Any]) -> dict[str, Any]:
    """The thread's labels, and whether a teammate corrected them."""
    return {
        "topic": thread.get("topic"),
        "urgency": thread.get("urgency"),
        "language": thread.get("language"),
        "summary": thread.get("summary"),
        "labeler": thread.get("labeler"),
        "fallback": bool(thread.get("fallback", False)),
        "corrected": bool(thread.get("labels_corrected_at")),
    }


def sla_view(state: sla.SlaState | None) -> dict[str, Any] | None:
    """The first-response target: when the clock started, when it is due, and whether it broke."""
    if state is None:
        return None
    return {
        "started_at": _when(state.start),
        "due_at": _when(state.due),
        "answered": state.answered,
        "breached": state.breached or state.handled,
        "breached_at": _when(state.breached_at),
    }


def _customer(thread: Mapping[str, Any]) -> dict[str, Any]:
    """Who the customer is: id and name, and their phone and username when the platform gave them."""
    out = {"id": thread.get("customer_id"), "name": thread.get("customer_name")}
    for field in ("phone", "username"):
        if thread.get(f"customer_{field}"):
            out[field] = thread[f"customer_{field}"]
    return out


def thread_summary(thread: Mapping[str, Any], *, now: datetime | None = None, spec: SlaSpec | None = None,
                   shifts: Sequence[sla.Shift] | None = None, preview: str | None = None,
                   account_name: str | None = None) -> dict[str, Any]:
    """One thread as a queue row or history entry (the SLA only when a clock and config are given)."""
    state = sla.sla_state(thread, now, spec, shifts) if now is not None and spec is not None else None
    return {
        "id": thread.get("thread_id"),
        "channel": thread.get("channel"),
        "account": {"id": thread.get("account_id"), "name": account_name},
        "customer": _customer(thread),
        "status": thread.get("status"),
        "team": thread.get("team") or thread.get("queued_team"),
        "assignee": thread.get("assignee"),
        "labels": labels_view(thread),
        "opened_at": thread.get("opened_at"),
        "closed_at": thread.get("closed_at"),
        "last_inbound_at": thread.get("last_inbound_at"),
        "last_outbound_at": thread.get("last_outbound_at"),
        "message_count": int(thread.get("message_count", 0) or 0),
        "preview": preview,
        "sla": sla_view(state),
        "flagged": bool(thread.get("sla_flagged", False)),
    }


#: How much of the newest customer message a queue row carries (the row shows its first line).
PREVIEW_CHARS = 160


def preview_key(thread: Mapping[str, Any]) -> str | None:
    """The message a queue row previews: the customer's newest, else the thread's first (the business's own)."""
    found = thread.get("last_inbound_key") or thread.get("first_message_key")
    return str(found) if found else None


def message_preview(item: Mapping[str, Any] | None) -> str | None:
    """What a queue row says of a message, so a teammate can triage without opening the thread."""
    if not item:
        return None
    if item.get("deleted"):
        return "(message deleted)"
    text = str(item.get("text") or "").strip()
    if text:
        return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1].rstrip() + "…"
    count = len(item.get("attachments") or [])
    kind = str(item.get("kind") or "attachment")
    return f"[{count} attachments]" if count > 1 else f"[{kind}]"


def _status(item: Mapping[str, Any]) -> dict[str, Any] | None:
    if not item.get("status"):
        return None
    return {"status": item.get("status"), "at": item.get("status_at"), "error": item.get("status_error")}


def _reactions(item: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for side in ("customer", "business"):
        reaction = item.get(f"reaction_{side}")
        if isinstance(reaction, Mapping) and not reaction.get("removed"):
            out[side] = reaction.get("emoji")
    return out


def media_url(thread_id: str, message_id: str, index: int) -> str:
    """Where the inbox UI fetches a stored attachment (``GET /api/threads/{id}/media``)."""
    return (f"/api/threads/{quote(thread_id, safe='')}/media?message={quote(message_id, safe='')}"
            f"&index={index}")


def _attachments(item: Mapping[str, Any]) -> list[Any]:
    out: list[Any] = []
    for index, att in enumerate(item.get("attachments") or []):
        if isinstance(att, Mapping) and att.get("media_key") and item.get("thread_id") and item.get("message_id"):
            att = {**att, "media_url": media_url(str(item["thread_id"]), str(item["message_id"]), index)}
        out.append(att)
    return out


#: What a message carries beyond its text, shown as it came (a place, a story, a tap or form, the
#: platform's error for a kind it could not deliver): copied from the stored event.
_SHAPE_FIELDS = ("location", "story", "interaction", "errors")


def _shape(item: Mapping[str, Any], deleted: bool) -> dict[str, Any]:
    event = item.get("event")
    if deleted or not isinstance(event, Mapping):
        return {}
    return {name: event[name] for name in _SHAPE_FIELDS if event.get(name)}


def _edits(item: Mapping[str, Any], deleted: bool) -> list[dict[str, Any]]:
    """The texts an edited message had before, oldest first (none once the customer deleted it)."""
    if deleted:
        return []
    return [dict(e) for e in item.get("edits") or [] if isinstance(e, Mapping) and isinstance(e.get("text"), str)]


def message_view(item: Mapping[str, Any]) -> dict[str, Any]:
    """One message of a thread: who sent it, what, when, and (outbound) its delivery status."""
    deleted = bool(item.get("deleted"))
    return {
        "id": item.get("message_id"),
        "direction": item.get("direction"),
        "type": item.get("type"),
        "kind": item.get("kind"),
        "text": None if deleted else item.get("text"),
        "template": item.get("template"),
        "attachments": _attachments(item),
        "timestamp": item.get("timestamp"),
        "sent_by": item.get("sent_by"),
        "delivery": _status(item),
        "reactions": _reactions(item),
        "edited_at": item.get("edited_at"),
        "edits": _edits(item, deleted),
        "deleted": deleted,
        "reply_to": (item.get("event") or {}).get("reply_to") if isinstance(item.get("event"), Mapping) else None,
        **_shape(item, deleted),
    }


def approved_templates(settings: Mapping[str, Any], supports: bool) -> list[dict[str, Any]]:
    """The templates the deployment configured for a channel (empty when it has none)."""
    if not supports:
        return []
    out = []
    for t in settings.get("templates") or []:
        if isinstance(t, Mapping) and t.get("name") and t.get("language"):
            out.append({"name": t["name"], "language": t["language"], "param_count": int(t.get("param_count", 0))})
    return out


def human_agent_enabled(settings: Mapping[str, Any]) -> bool:
    """Whether the deployment turned on Meta's HUMAN_AGENT tag for this channel (text or bool setting)."""
    value = settings.get("human_agent_enabled", False)
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def window_state(policy: ReplyWindowPolicy, settings: Mapping[str, Any], last_inbound_at: datetime | None,
                 now: datetime) -> WindowState:
    """The channel's reply window for a thread at ``now`` (the same rule the plugins apply)."""
    return reply_window(policy, last_inbound_at, now, human_agent_enabled=human_agent_enabled(settings))


def window_view(state: WindowState, *, supports_templates: bool, settings: Mapping[str, Any]) -> dict[str, Any]:
    """What a teammate may send now: open until when, the human-agent tag, template-only, templates."""
    return {
        "state": state.state,
        "open_until": _when(state.open_until),
        "human_agent": {"applies": state.needs_human_agent_tag, "until": _when(state.human_agent_until)},
        "template_only": state.state == "template_only",
        "allowed": list(state.allowed) + (["template"] if supports_templates and "template" not in state.allowed
                                          else []),
        "explanation": state.explanation,
        "templates": approved_templates(settings, supports_templates),
    }


def roster_view(entry: RosterEntry, open_threads: int = 0) -> dict[str, Any]:
    """A teammate as the admin screen shows them, with their live open-thread count."""
    data = entry.model_dump(mode="json")
    data["open_threads"] = open_threads
    return data


def audit_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """One audit row: what happened, who did it, before and after."""
    return {
        "at": row.get("at"),
        "action": row.get("action"),
        "by": row.get("by"),
        "ref": row.get("ref"),
        "before": row.get("before"),
        "after": row.get("after"),
        "notes": row.get("notes"),
    }


def history_view(threads: Iterable[Mapping[str, Any]], exclude: str, limit: int = 20) -> list[dict[str, Any]]:
    """The customer's other threads, newest first."""
    out = [thread_summary(t) for t in threads if t.get("thread_id") != exclude]
    return out[:limit]
