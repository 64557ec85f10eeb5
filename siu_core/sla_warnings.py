"""The SLA sweep's early warning: the assignee of a thread about to miss its first-response target is
notified :attr:`siu_core.config.SlaSpec.warn_minutes` before the due time, once per thread per due time.

The rule is :func:`siu_core.notification_rules.sla_warning`; the notification's id and date come from
the due time, so the sweep running every five minutes (or twice at once) writes it once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from siu_core import notification_rules, obs, sla
from siu_core.notification_events import raise_once

if TYPE_CHECKING:
    from siu_core.config import RosterEntry, SiuConfig
    from siu_core.notify import Notifier


def warn(config: SiuConfig, entries: Sequence[RosterEntry], candidates: Sequence[Mapping[str, Any]], now: datetime,
         notifier: Notifier | None = None) -> int:
    """Notify the assignees of threads due within the lead time; how many notifications this call wrote."""
    lead = timedelta(minutes=config.sla.warn_minutes)
    if lead <= timedelta(0):
        return 0
    by_id = {e.id: e for e in entries}
    written = 0
    for thread in candidates:
        team = thread.get("team") or thread.get("queued_team")
        state = sla.sla_state(thread, now, config.sla, sla.team_shifts(config, list(entries), team))
        if state is None:
            continue
        holder = thread.get("assignee")
        found = notification_rules.sla_warning(str(thread["thread_id"]), holder, due=state.due,
                                               answered=state.answered, breached=state.breached, now=now, lead=lead)
        if found is None:
            continue
        notice, warn_at = found
        if raise_once(notice, warn_at, entry=by_id.get(str(holder)), notifier=notifier,
                      due_at=state.due.isoformat()):
            written += 1
            obs.metric("SlaWarnings", team=str(team or "none"))
    return written
