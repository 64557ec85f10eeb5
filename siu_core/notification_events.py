"""Raising notifications: the store write of a :class:`~siu_core.notification_rules.Notice` and its
optional Slack direct message.

Writers outside a guarded transaction (a reassign after its commit, the SLA sweep) call :func:`raise_once`:
a conditional write, then the inbox's change counter, then the Slack message only when this call wrote
the item (a retry tells nobody twice). The pipeline puts the item inside its own transaction
(:func:`siu_core.store.notifications.put_op`) and calls :func:`tell_on_slack` after the commit.

Slack is opt-in per teammate (their preferences) and needs a Slack id on the roster; the message is a
link to the thread, never a customer's words. A courtesy: it never raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from siu_core import obs
from siu_core.notification_rules import Notice, preferences_of
from siu_core.store import inbox_version
from siu_core.store import notifications as store

if TYPE_CHECKING:
    from siu_core.config import RosterEntry
    from siu_core.notify import Notifier

#: What each kind says on Slack (who and which thread come from the notice; never customer text).
SLACK_TEXT = {
    "assigned": "A thread was assigned to you",
    "answered": "A customer answered in your thread",
    "mention": "You were mentioned in an internal note",
    "sla_soon": "A thread of yours is about to miss its first-response target",
}


def raise_once(notice: Notice, at: datetime, *, entry: RosterEntry | None = None, notifier: Notifier | None = None,
               inbox_url: str | None = None, **fields: Any) -> bool:
    """Write a notification unless it exists; when written, move the change counter and DM on Slack if opted in."""
    if not store.add_once(notice, at, **fields):
        return False
    inbox_version.bump()
    if entry is not None and notifier is not None:
        tell_on_slack(notice, entry, notifier, inbox_url)
    return True


def tell_on_slack(notice: Notice, entry: RosterEntry, notifier: Notifier, inbox_url: str | None = None) -> bool:
    """A Slack direct message about a notice, when the teammate has a Slack id and opted in to this kind."""
    if not entry.slack_user or entry.id != notice.teammate:
        return False
    try:
        prefs = preferences_of(store.state(entry.id).get("prefs"))
    except Exception as exc:  # a courtesy: an unreadable preference never fails the event it is about
        obs.get_logger("notify").warning("preferences unreadable; no Slack message",
                                         extra={"error": type(exc).__name__})
        return False
    if not (prefs.slack and prefs.wants(notice.kind)):
        return False
    where = f"{inbox_url}#/queue/{quote(notice.thread_id)}" if inbox_url else f"thread {notice.thread_id} in the inbox"
    return notifier.post(entry.slack_user, f"{SLACK_TEXT.get(notice.kind, 'Inbox notification')}: {where}",
                         kind=f"dm_{notice.kind}")


def assigned_by_sweep(thread_id: str, assignee: str, at: datetime, *, entries: Mapping[str, RosterEntry],
                      notifier: Notifier | None, by: str) -> bool:
    """Tell a teammate the SLA sweep gave them a thread (a breach re-route or a drained queue); never raises."""
    from siu_core.notification_rules import on_assignment
    from siu_core.store import threads

    try:
        thread = threads.get(thread_id) or {}
        if thread.get("assignee") != assignee:
            return False  # taken again meanwhile: the newer assignment tells its own holder
        notice = on_assignment(thread_id, assignee, seq=int(thread.get("assignment_seq") or 0), by=by)
        return notice is not None and raise_once(notice, at, entry=entries.get(assignee), notifier=notifier)
    except Exception as exc:  # the assignment stands; the sweep carries on
        obs.metric("NotificationFailures", kind="assigned")
        obs.get_logger("notify").error("assignment notification not written",
                                       extra={"thread_id": thread_id, "error": type(exc).__name__})
        return False
