"""Routing against the live roster: the pure policy of :mod:`siu_core.routing` plus the I/O it needs.

A :class:`Router` reads the roster and the load counters once (per batch, or per sweep) and keeps
its view current as it assigns, so ten messages of one batch spread like ten separate deliveries
would. :func:`drain_unassigned` is what the SLA sweeper calls to hand queued threads out, oldest
first, as teammates become eligible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from siu_core import routing, sla
from siu_core.store import assignments, customers, ddb, keys, lifecycle, loadcount, roster, threads

if TYPE_CHECKING:
    from siu_core.config import RosterEntry, SiuConfig

PIPELINE_ACTOR = "function:labeler"
SWEEPER_ACTOR = "function:sla-sweeper"


@dataclass
class Router:
    """The routing view of one batch: roster and loads read on first need, updated as it assigns."""

    config: SiuConfig
    _pool: list[routing.Candidate] | None = None
    _roster: list[RosterEntry] | None = None

    def pool(self) -> list[routing.Candidate]:
        """Teammates with their live loads (two reads, the first time only)."""
        if self._pool is None:
            loads = {k: (v.open_threads, v.last_assigned_at) for k, v in loadcount.all_loads().items()}
            self._roster = roster.all_entries()
            self._pool = routing.candidates(self._roster, self.config, loads)
        return self._pool

    def entries(self) -> list[RosterEntry]:
        """The roster the batch routes with (read with the pool, the first time only)."""
        self.pool()
        return list(self._roster or [])

    def refresh(self) -> None:
        """Forget the view (after a lost race on a counter): the next decision re-reads."""
        self._pool = None
        self._roster = None

    def decide(self, team: str, urgency: str, now: datetime, *, previous: str | None) -> routing.Decision:
        """Who gets a thread of ``team`` now."""
        spec = self.config.teams.get(team)
        return routing.choose(team, urgency, self.pool(), now, previous=previous,
                              backup=spec.backup if spec else None)

    def first_response_due(self, urgency: str, team: str, waiting_since: datetime) -> datetime:
        """When a thread of ``team`` is due, by the same rule (and team hours) the SLA sweeper enforces."""
        self.pool()
        shifts = sla.team_shifts(self.config, self._roster or [], team)
        return sla.first_response_due(urgency, waiting_since, self.config.sla, shifts)

    def capacity(self, assignee: str) -> int | None:
        """A teammate's capacity (the counter's guard), None when not in the roster."""
        return next((c.capacity for c in self.pool() if c.id == assignee), None)

    def assigned(self, assignee: str, at: datetime, delta: int = 1) -> None:
        """Record a committed assignment so the next decision of the batch sees it."""
        if self._pool is not None:
            self._pool = routing.with_assignment(self._pool, assignee, keys.ts(at), delta)


def drain_unassigned(team: str, *, config: SiuConfig, now: datetime, by: str = SWEEPER_ACTOR,
                     router: Router | None = None) -> list[tuple[str, str]]:
    """Give a team's queued threads, oldest first, to whoever is eligible now; stops when nobody is.

    Returns (thread id, assignee) pairs. Safe to run concurrently and to repeat: each hand-out is
    guarded by the thread's assignment sequence, so a thread claimed meanwhile is skipped.
    """
    router = router or Router(config)
    handed: list[tuple[str, str]] = []
    for row in assignments.unassigned(team):
        thread_id, seq = str(row["thread_id"]), int(row["seq"])
        thread = threads.get(thread_id)
        if (thread is None or thread.get("status") != "open" or thread.get("assignee")
                or int(thread.get("assignment_seq", 0)) != seq):
            continue
        urgency = str(thread.get("urgency") or "normal")
        decision = router.decide(team, urgency, now, previous=None)
        if decision.assignee is None:
            break
        head = customers.get(str(thread["customer_key"]))
        change = lifecycle.change_assignment(
            thread_id, current_seq=seq, current_assignee=keys.queue_assignee(team), current_open=True,
            assignee=decision.assignee, team=team, reason=f"drained:{decision.reason}", urgency=urgency,
            at=now, sla_due=keys.parse_ts(thread["sla_due"]) if thread.get("sla_due") else None, by=by,
            capacity=router.capacity(decision.assignee),
            waiting_since=keys.parse_ts(row["waiting_since"]) if row.get("waiting_since") else None,
        )
        ops = [threads.change_op(thread_id, set_=change.thread_fields,
                                 expect=ddb.Cond.eq("status", "open") & ddb.Cond.missing("assignee")
                                 & ddb.Cond.eq("assignment_seq", seq))]
        if head is not None and head.thread_id == thread_id:
            ops.append(customers.put_op(head.evolve(**change.head_fields), head.version))
        ops += change.ops
        try:
            ddb.transact(ops)
        except ddb.TransactionConflict:
            router.refresh()
            continue
        router.assigned(decision.assignee, now)
        handed.append((thread_id, decision.assignee))
    return handed
