"""Admin endpoints: the roster (with live loads) and the audit trail."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from siu_core.inbox import authz, views
from siu_core.inbox.bodies import RosterBody
from siu_core.inbox.errors import ApiError, conflict, invalid, not_found
from siu_core.store import audit, ddb, loadcount, roster, roster_edits

if TYPE_CHECKING:
    from siu_core.config import RosterEntry
    from siu_core.inbox.authz import Actor
    from siu_core.inbox.services import InboxServices


def list_roster(services: InboxServices, actor: Actor) -> dict[str, Any]:
    """Every teammate with their open-thread count."""
    authz.require_admin(actor)
    loads = loadcount.all_loads()
    entries = roster.all_entries()
    return {"roster": [views.roster_view(e, loads[e.id].open_threads if e.id in loads else 0) for e in entries]}


def _merged(teammate: str, before: RosterEntry | None, body: RosterBody, default_zone: str) -> RosterEntry:
    from siu_core.config import RosterEntry

    given = body.model_dump(exclude_unset=True, mode="json")
    # A new teammate works in the deployment's time zone unless told otherwise (as in the config seed).
    base = before.model_dump(mode="json") if before is not None else {"time_zone": default_zone}
    data = {**base, **given, "id": teammate}
    if before is None:
        missing = [f for f in ("name", "teams") if f not in given]
        if missing:
            raise invalid(f"a new teammate needs {' and '.join(missing)}")
    try:
        return RosterEntry.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise ApiError(422, "invalid_body", f"{where}: {first['msg'].removeprefix('Value error, ')}") from None


def put_teammate(services: InboxServices, actor: Actor, teammate: str, body: RosterBody) -> dict[str, Any]:
    """Create or change a teammate: teams, working hours (with time zone), status, backup, capacity, role."""
    authz.require_admin(actor)
    before = roster.get(teammate)
    entry = _merged(teammate, before, body, services.config.time_zone)
    unknown = [t for t in entry.teams if t not in services.config.teams]
    if unknown:
        raise invalid(f"unknown team(s): {', '.join(unknown)}", teams=sorted(services.config.teams))
    if entry.backup is not None:
        if entry.backup == entry.id:
            raise invalid("a teammate cannot be their own backup")
        if roster.get(entry.backup) is None:
            raise invalid(f"backup {entry.backup!r} is not on the roster")
    other_admin = _other_active_admin(entry) if roster_edits.is_active_admin(before) \
        and not roster_edits.is_active_admin(entry) else None
    try:
        changed = roster_edits.put_entry(entry, before=before, by=actor.by, at=services.clock(),
                                         other_admin=other_admin)
    except ddb.TransactionConflict:
        raise conflict("roster_changed", "the roster changed meanwhile (a teammate was created, removed, or "
                                         "another admin demoted); reload and retry") from None
    return {"changed": changed, "teammate": views.roster_view(entry, loadcount.get(entry.id).open_threads)}


def _other_active_admin(entry: RosterEntry) -> str:
    """Another active admin who keeps the roster administrable, or 409 when ``entry`` is the last one."""
    others = [e.id for e in roster.all_entries() if e.id != entry.id and roster_edits.is_active_admin(e)]
    if not others:
        raise conflict("last_admin", f"{entry.id} is the last active admin; make someone else an admin first")
    return others[0]


def sign_out_everywhere(services: InboxServices, actor: Actor, teammate: str) -> dict[str, Any]:
    """End every session a teammate holds (an admin for anyone, anyone for themself): their tokens get 401."""
    if teammate != actor.id:
        authz.require_admin(actor)
    try:
        generation = roster.revoke_sessions(teammate, by=actor.by, at=services.clock())
    except KeyError:
        raise not_found("teammate", teammate) from None
    return {"teammate": teammate, "signed_out": True, "session_generation": generation}


def audit_trail(services: InboxServices, actor: Actor, params: Mapping[str, str]) -> dict[str, Any]:
    """The audit rows of a thread (``?thread=ID``) or of a teammate's roster entry (``?teammate=ID``)."""
    authz.require_admin(actor)
    thread, teammate = params.get("thread"), params.get("teammate")
    if bool(thread) == bool(teammate):
        raise invalid("ask for exactly one of ?thread=ID or ?teammate=ID")
    scope = thread if thread else audit.roster_scope(str(teammate))
    rows = audit.for_scope(str(scope))
    return {"scope": scope, "rows": [views.audit_view(r) for r in rows]}
