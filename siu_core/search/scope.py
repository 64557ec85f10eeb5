"""What a teammate may find, as an SQL condition over the index's ``threads`` table: pure, no I/O.

The same rule as the queue and thread routes (:func:`siu_core.inbox.authz.can_view`): admins see
every thread; agents their own, their teams' (assigned to anyone on the team, or waiting in its
queue) and threads whose notes @mention them. The API checks each hit again on the stored thread
(the index may lag a reassignment by a moment), so the index narrows and the store decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Where:
    """An SQL condition (with ``?`` placeholders) and its parameters."""

    sql: str
    params: tuple[str, ...]


ALL = Where("1", ())


def visible(*, admin: bool, user: str, teams: Iterable[str], alias: str = "t") -> Where:
    """The threads a caller may see, for a query that names the index's threads table ``alias``."""
    if admin:
        return ALL
    team_list = sorted(set(teams))
    parts = [f"{alias}.assignee = ?",
             f"EXISTS (SELECT 1 FROM mentions m WHERE m.thread_id = {alias}.thread_id AND m.user = ?)"]
    params: list[str] = [user, user]
    if team_list:
        parts.append(f"{alias}.team IN ({', '.join('?' for _ in team_list)})")
        params += team_list
    return Where("(" + " OR ".join(parts) + ")", tuple(params))
