"""Saved replies: answers teammates wrote once and reuse, personal, per team or for everyone.

Who sees a reply follows the threads' rule: a personal reply is its owner's; a team reply is seen and
edited by that team's teammates (and admins); an everyone reply is seen by all and edited by admins.
A reply whose text uses an unknown variable is refused when saved; with ``?thread=ID`` the list comes
filled for that thread, or says which variable has no value there (nothing half-filled is offered).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from siu_core.composer import variables
from siu_core.inbox import authz
from siu_core.inbox.errors import ApiError, conflict, forbidden, invalid, not_found
from siu_core.store import saved_replies, threads

if TYPE_CHECKING:
    from siu_core.inbox.authz import Actor
    from siu_core.inbox.bodies import SavedReplyBody
    from siu_core.inbox.services import InboxServices

#: Saved replies one deployment keeps at most (the list is read whole; a shop needs far fewer).
MAX_REPLIES = 500


def can_see(actor: Actor, item: Mapping[str, Any]) -> bool:
    """Personal replies are their owner's; team replies the team's (and admins'); everyone's are all's."""
    scope = item.get("scope")
    if scope == "everyone":
        return True
    if scope == "team":
        return actor.is_admin or item.get("team") in actor.teams
    return item.get("owner") == actor.id


def can_edit(actor: Actor, scope: str, team: str | None, owner: str | None) -> bool:
    """Owners edit personal replies; a team's teammates and admins its replies; admins everyone's."""
    if scope == "personal":
        return owner == actor.id
    if scope == "team":
        return actor.is_admin or team in actor.teams
    return actor.is_admin


def view(actor: Actor, item: Mapping[str, Any]) -> dict[str, Any]:
    """A saved reply as the API shows it."""
    return {
        "id": item.get("sk"),
        "name": item.get("name"),
        "text": item.get("text"),
        "scope": item.get("scope"),
        "team": item.get("team"),
        "owner": item.get("owner"),
        "version": item.get("version"),
        "updated_at": item.get("updated_at"),
        "variables": variables.used(str(item.get("text") or "")),
        "can_edit": can_edit(actor, str(item.get("scope")), item.get("team"), item.get("owner")),
    }


def _facts(actor: Actor, thread: Mapping[str, Any]) -> variables.Facts:
    return variables.Facts(customer_name=thread.get("customer_name"),
                           teammate_name=actor.entry.name if actor.entry else None,
                           thread_id=thread.get("thread_id"), channel=thread.get("channel"),
                           team=authz.thread_team(thread))


def list_replies(services: InboxServices, actor: Actor, params: Mapping[str, str]) -> dict[str, Any]:
    """The replies the caller may use, by name; with ``thread``, each filled for that thread (or its problem)."""
    thread: dict[str, Any] | None = None
    if params.get("thread"):
        thread = threads.get(params["thread"])
        if thread is None:
            raise not_found("thread", params["thread"])
        authz.require_view(actor, thread)
    items = sorted((i for i in saved_replies.all_replies() if can_see(actor, i)),
                   key=lambda i: (str(i.get("name", "")).casefold(), str(i.get("sk"))))
    out = []
    for item in items:
        shown = view(actor, item)
        if thread is not None:
            try:
                shown["filled"] = variables.fill(str(item.get("text") or ""), _facts(actor, thread))
            except variables.VariableError as exc:
                shown["filled"], shown["problem"] = None, str(exc)
        out.append(shown)
    return {"saved_replies": out, "variables": dict(variables.KNOWN)}


def _check(services: InboxServices, actor: Actor, body: SavedReplyBody) -> tuple[str | None, str | None]:
    unknown = variables.unknown_in(body.text)
    if unknown:
        raise invalid(f"unknown variable(s) {', '.join('{{' + v + '}}' for v in unknown)}; "
                      f"known: {', '.join(variables.KNOWN)}", unknown=unknown, known=list(variables.KNOWN))
    if body.team is not None and body.team not in services.config.teams:
        raise invalid(f"unknown team {body.team!r}", teams=sorted(services.config.teams))
    owner = actor.id if body.scope == "personal" else None
    if not can_edit(actor, body.scope, body.team, owner):
        raise forbidden("only an admin may keep replies for everyone" if body.scope == "everyone"
                        else f"only team {body.team}'s teammates (or an admin) may keep its replies")
    return body.team, owner


def create(services: InboxServices, actor: Actor, body: SavedReplyBody) -> dict[str, Any]:
    """Save a new reply (201): the caller must be allowed to keep replies in that scope."""
    if body.version is not None:
        raise invalid("a new saved reply has no version; send version only when editing")
    team, owner = _check(services, actor, body)
    if len(saved_replies.all_replies()) >= MAX_REPLIES:
        raise conflict("too_many_saved_replies", f"this inbox keeps at most {MAX_REPLIES} saved replies; delete some")
    data = {"name": body.name, "text": body.text, "scope": body.scope, "team": team, "owner": owner}
    item = saved_replies.create(uuid.uuid4().hex[:16], data, by=actor.by, at=services.clock())
    return view(actor, item)


def _editable(actor: Actor, reply_id: str) -> dict[str, Any]:
    item = saved_replies.get(reply_id)
    if item is None or not can_see(actor, item):
        raise not_found("saved reply", reply_id)
    if not can_edit(actor, str(item.get("scope")), item.get("team"), item.get("owner")):
        raise forbidden("you may use this saved reply but not change it")
    return item


def _stale(reply_id: str) -> ApiError:
    return conflict("saved_reply_changed", "the saved reply changed since you opened it; reload it and edit again",
                    id=reply_id)


def update(services: InboxServices, actor: Actor, reply_id: str, body: SavedReplyBody) -> dict[str, Any]:
    """Replace a reply (name, text, scope); ``version`` must be the one the editor saw."""
    before = _editable(actor, reply_id)
    team, owner = _check(services, actor, body)
    if body.scope == "personal" and before.get("scope") == "personal":
        owner = before.get("owner")
    if body.version is not None and body.version != before.get("version"):
        raise _stale(reply_id)
    data = {"name": body.name, "text": body.text, "scope": body.scope, "team": team, "owner": owner}
    try:
        item = saved_replies.replace(before, data, by=actor.by, at=services.clock())
    except saved_replies.VersionConflict:
        raise _stale(reply_id) from None
    return view(actor, item)


def delete(services: InboxServices, actor: Actor, reply_id: str, params: Mapping[str, str]) -> dict[str, Any]:
    """Delete a reply (``?version=`` guards against deleting an edit you have not seen)."""
    before = _editable(actor, reply_id)
    wanted = params.get("version")
    if wanted is not None and wanted != str(before.get("version")):
        raise _stale(reply_id)
    try:
        saved_replies.delete(before, by=actor.by, at=services.clock())
    except saved_replies.VersionConflict:
        raise _stale(reply_id) from None
    return {"deleted": reply_id}
