"""The SLA sweep (every 5 minutes): breached threads re-routed once, a Slack notice per team, queues drained.

0. Bring back the snoozed threads whose time came (:func:`siu_core.pipeline.snooze_wake.wake_due`: one
   Query of the due-time index), to their assignee or, when they are off, to the team's queue.
1. Read the open assignment rows of every teammate, every counter holder and every team queue (the
   ``by-assignee-status`` index: open rows only, never a table scan), then their threads.
2. For each thread past its first-response target, unanswered, and not handled for this opening
   (:func:`siu_core.sla.sla_state`), pick a target (:func:`siu_core.sla.breach_target`) and record the
   breach in one transaction (:func:`siu_core.store.breaches.record_breach`): re-routed, or flagged.
3. Post one Slack notice per team about its breaches (nothing is ever sent to a customer).
4. Drain each team's unassigned queue oldest first (:func:`siu_core.pipeline.router.drain_unassigned`).

Running it twice, or twice at once, handles each breach once: the transaction is conditional on the
breach not being recorded yet for the thread's current opening.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from siu_core import obs, routing, sla
from siu_core.store import breaches, ddb, keys, loadcount, open_threads, roster, threads

if TYPE_CHECKING:
    from siu_core.config import RosterEntry, SiuConfig
    from siu_core.notify import Notifier

SERVICE = "sla-sweeper"
ACTOR = "function:sla-sweeper"
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Breach:
    """One breach the sweep handled."""

    thread_id: str
    team: str | None
    topic: str | None
    urgency: str | None
    due: datetime
    waiting_since: datetime
    previous: str | None
    target: str | None
    reason: str


@dataclass
class SweepReport:
    """What one sweep did."""

    breaches: list[Breach] = field(default_factory=list)
    drained: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    notices: int = 0
    checked: int = 0
    warned: int = 0
    woken: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Counts for the handler's answer and logs (ids only)."""
        return {
            "checked": self.checked,
            "breached": len(self.breaches),
            "rerouted": sum(1 for b in self.breaches if b.target),
            "flagged": sum(1 for b in self.breaches if not b.target),
            "drained": sum(len(v) for v in self.drained.values()),
            "notices": self.notices,
            "warned": self.warned,
            "unsnoozed": len(self.woken),
        }


def _open_threads(config: SiuConfig, entries: list[RosterEntry]) -> list[dict[str, Any]]:
    return open_threads.read(open_threads.holders((e.id for e in entries), config.teams))


def _pool(config: SiuConfig, entries: list[RosterEntry]) -> list[routing.Candidate]:
    loads = {k: (v.open_threads, v.last_assigned_at) for k, v in loadcount.all_loads().items()}
    return routing.candidates(entries, config, loads)


def _handle(thread: Mapping[str, Any], config: SiuConfig, entries: list[RosterEntry], now: datetime,
            pool: list[routing.Candidate]) -> tuple[Breach | None, list[routing.Candidate]]:
    """Record one thread's breach (re-reading it after a lost race); the breach, and the pool after it."""
    by_id = {e.id: e for e in entries}
    current: Mapping[str, Any] | None = thread
    for _ in range(MAX_ATTEMPTS):
        if current is None or current.get("snoozed_at"):  # snoozed: the clock stands still (siu_core.snooze)
            return None, pool
        team = current.get("team") or current.get("queued_team")
        state = sla.sla_state(current, now, config.sla, sla.team_shifts(config, entries, team))
        if state is None or not state.needs_action:
            return None, pool
        assignee = current.get("assignee")
        entry = by_id.get(str(assignee)) if assignee else None
        own = entry.backup if entry is not None else None
        spec = config.teams.get(str(team)) if team else None
        target, reason = sla.breach_target(current, pool, now, assignee_backup=own,
                                           team_backup=spec.backup if spec else None)
        capacity = next((c.capacity for c in pool if c.id == target), None)
        try:
            breaches.record_breach(current, target=target, reason=reason, start=state.start, due=state.due, at=now,
                                   by=ACTOR, capacity=capacity)
        except ddb.TransactionConflict:
            current = threads.get(str(thread["thread_id"]))
            pool = _pool(config, entries)
            continue
        if target is not None:
            pool = routing.with_assignment(pool, target, keys.ts(now))
            if assignee:
                pool = routing.with_assignment(pool, str(assignee), keys.ts(now), delta=-1)
        return Breach(thread_id=str(current["thread_id"]), team=str(team) if team else None,
                      topic=current.get("topic"), urgency=current.get("urgency"), due=state.due,
                      waiting_since=state.start, previous=str(assignee) if assignee else None, target=target,
                      reason=reason), pool
    return None, pool


def notice_text(team: str, found: list[Breach], time_zone: str) -> str:
    """The Slack notice of a team's breaches: ids, labels and who has them now; never customer text."""
    return "\n".join(_notice_lines(team, found, time_zone))


def notice_texts(team: str, found: list[Breach], time_zone: str) -> list[str]:
    """The notice as one or more Slack posts, each under Slack's text limit (hundreds of breaches split)."""
    from siu_core.slack_limits import split_text

    header, *lines = _notice_lines(team, found, time_zone)
    return split_text(header, lines)


def _notice_lines(team: str, found: list[Breach], time_zone: str) -> list[str]:
    zone = ZoneInfo(time_zone)
    lines = [f":warning: {len(found)} thread(s) of team *{team}* missed their first-response target:"]
    for b in found:
        due = b.due.astimezone(zone).strftime("%a %H:%M")
        since = b.waiting_since.astimezone(zone).strftime("%a %H:%M")
        what = f"`{b.thread_id}` ({b.topic or 'no topic'}, {b.urgency or 'normal'}): waiting since {since}, due {due}"
        if b.target:
            how = {"backup": f"{b.previous}'s backup", "team_backup": "the team's backup",
                   "least_loaded": "the least-loaded teammate"}.get(b.reason, b.reason)
            moved = f"moved from {b.previous or 'the unassigned queue'} to *{b.target}* ({how})"
        else:
            moved = (f"stays with {b.previous}" if b.previous else "stays unassigned") + \
                " and is flagged: nobody eligible can take it now"
        lines.append(f"• {what}; {moved}")
    return lines


def sweep(config: SiuConfig, now: datetime, notifier: Notifier | None = None) -> SweepReport:
    """One sweep at ``now`` (see the module docstring)."""
    from siu_core.pipeline.router import Router, drain_unassigned
    from siu_core.pipeline.snooze_wake import wake_due

    log = obs.get_logger(SERVICE)
    report = SweepReport()
    report.woken = wake_due(now, by=ACTOR)  # snoozes whose time came are back before the breach check
    entries = roster.all_entries()
    candidates = _open_threads(config, entries)
    report.checked = len(candidates)
    pool = _pool(config, entries)
    from siu_core.sla_warnings import warn

    report.warned = warn(config, entries, candidates, now, notifier)
    for thread in sorted(candidates, key=lambda t: str(t.get("sla_due") or t.get("opened_at") or "")):
        breach, pool = _handle(thread, config, entries, now, pool)
        if breach is not None:
            report.breaches.append(breach)
            obs.metric("SlaBreaches", team=breach.team or "none")
            if breach.target:
                obs.metric("Rerouted", team=breach.team or "none")
            log.info("SLA breach handled", extra={"thread_id": breach.thread_id, "team": breach.team,
                                                  "from": breach.previous, "to": breach.target,
                                                  "reason": breach.reason})
    from siu_core.notification_events import assigned_by_sweep

    by_id = {e.id: e for e in entries}
    for b in report.breaches:
        if b.target:
            assigned_by_sweep(b.thread_id, b.target, now, entries=by_id, notifier=notifier, by=ACTOR)
    by_team: dict[str, list[Breach]] = {}
    for b in report.breaches:
        by_team.setdefault(b.team or config.default_team, []).append(b)
    if notifier is not None:
        for team, found in sorted(by_team.items()):
            spec = config.teams.get(team)
            for text in notice_texts(team, found, config.time_zone):
                if notifier.post(spec.slack_channel if spec else None, text, kind="sla_breach"):
                    report.notices += 1
    router = Router(config)
    for team in sorted(config.teams):
        handed = drain_unassigned(team, config=config, now=now, router=router)
        if handed:
            report.drained[team] = handed
            for thread_id, assignee in handed:
                assigned_by_sweep(thread_id, assignee, now, entries=by_id, notifier=notifier, by=ACTOR)
    log.info("SLA sweep done", extra=report.summary())
    return report
