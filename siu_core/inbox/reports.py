"""``GET /api/reports/{name}``: a report's figures as JSON or CSV, for whom the roster lets see them.

Admins see every team and teammate. An agent sees their own figures and their teams': a request
naming another teammate or another team is a 403; one naming neither is narrowed to the agent
themself; and the per-teammate report shows an agent only their own row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from siu_core import figures
from siu_core.inbox.errors import forbidden, invalid, not_found
from siu_core.store import rollups

if TYPE_CHECKING:
    from siu_core.inbox.authz import Actor
    from siu_core.inbox.services import InboxServices

FORMATS = ("json", "csv")


def scope(actor: Actor, params: Mapping[str, str]) -> figures.Filters:
    """The filters a caller asked for, checked against what their role lets them see."""
    team = params.get("team") or None
    teammate = params.get("teammate") or None
    channel = params.get("channel") or None
    if not actor.is_admin:
        if teammate is not None and teammate != actor.id:
            raise forbidden("agents see their own figures and their teams'; ask an admin for another teammate's")
        if team is not None and team not in actor.teams:
            raise forbidden(f"you are not on team {team}")
        if team is None and teammate is None:
            teammate = actor.id
    return figures.Filters(team=team, teammate=teammate, channel=channel)


def report(services: InboxServices, actor: Actor, name: str,
           params: Mapping[str, str]) -> tuple[str, dict[str, Any] | str]:
    """The report ``name`` for the caller: ("json", body) or ("csv", text)."""
    if name not in figures.REPORT_NAMES:
        raise not_found("report", name)
    fmt = params.get("format") or "json"
    if fmt not in FORMATS:
        raise invalid(f"format is one of {', '.join(FORMATS)}")
    filters = scope(actor, params)
    config = services.config
    try:
        first, last = figures.parse_range(params.get("from"), params.get("to"),
                                          figures.local_day(services.clock(), config.time_zone))
    except figures.RangeError as exc:
        raise invalid(str(exc)) from None
    built = rollups.build_report(config, first, last, filters, with_threads=name == "threads")
    columns, rows = figures.table(built, name)
    if name == "teammates" and not actor.is_admin:
        rows = [r for r in rows if r["teammate"] == actor.id]
    if fmt == "csv":
        return "csv", figures.to_csv(columns, rows)
    return "json", figures.document(built, name, columns, rows)


def filename(name: str, params: Mapping[str, str]) -> str:
    """The download's file name: the report and its range (only safe characters)."""
    parts = [name, params.get("from") or "", params.get("to") or ""]
    text = "_".join(p for p in parts if p)
    return "siu-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in text) + ".csv"
