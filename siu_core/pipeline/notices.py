"""Notices to the team when a thread waits in its unassigned queue.

Today a notice is a WARNING log line (ids only) and an ``UnassignedThreads`` metric. The Slack issue
adds a sender by appending to :data:`NOTIFIERS`; a notifier must not raise (a failed notice must
never fail the message it is about), and it is called only after the thread's transaction committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from siu_core import obs


@dataclass(frozen=True)
class UnassignedNotice:
    """A thread nobody could take: which team's queue it waits in, and why."""

    thread_id: str
    team: str
    urgency: str
    channel: str


#: Extra senders (Slack, later). Each gets every notice; exceptions are logged and swallowed.
NOTIFIERS: list[Callable[[UnassignedNotice], None]] = []


def notify_unassigned(notice: UnassignedNotice, *, service: str = "labeler") -> None:
    """Tell the team a thread waits in its queue (log + metric now, Slack through NOTIFIERS later)."""
    log = obs.get_logger(service)
    log.warning("thread waits in the team's unassigned queue: nobody eligible",
                extra={"thread_id": notice.thread_id, "team": notice.team, "urgency": notice.urgency,
                       "channel": notice.channel})
    obs.metric("UnassignedThreads", team=notice.team)
    for notifier in list(NOTIFIERS):
        try:
            notifier(notice)
        except Exception as exc:
            log.error("unassigned notice failed", extra={"thread_id": notice.thread_id,
                                                          "error": type(exc).__name__})
