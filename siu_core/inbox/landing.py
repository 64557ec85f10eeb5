"""Which queue a teammate lands on, and what an empty queue says about the others. Pure: no I/O.

A teammate with threads assigned lands on their own queue. With nothing assigned they land on the
busiest queue they may see (ties: the order given, their own teams first), so a new admin after four
customer messages sees the four threads, not "nothing assigned to you".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class QueueCount:
    """One queue the teammate may see and how many open threads wait in it."""

    queue: str  # "mine", "team" (a team's unassigned queue) or "teammate" (another teammate's, for admins)
    count: int
    team: str | None = None
    assignee: str | None = None
    #: The UI view that shows it ("queue": my queue and my teams; "all": every team's queue, for admins).
    view: str = "queue"


def landing(counts: Sequence[QueueCount]) -> QueueCount | None:
    """The queue to open first: mine when it holds anything, else the busiest non-empty one, else None."""
    mine = next((c for c in counts if c.queue == "mine"), None)
    if mine is not None and mine.count > 0:
        return mine
    busiest: QueueCount | None = None
    for c in counts:
        if c.count > 0 and (busiest is None or c.count > busiest.count):
            busiest = c
    return busiest

