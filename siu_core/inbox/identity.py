"""Who is calling and what they may do: the token proves the person, the roster says what they may do.

Every request verifies the bearer token (:mod:`siu_core.auth`), then reads the caller's roster item
(one strongly consistent GetItem, no cache): role, teams and the active flag come from there, never
from the token, and a token issued at an older session generation than the roster's was revoked
(401). So a demotion, deactivation or "sign out everywhere" applies to that person's very next
request, whichever instance or tool (inbox API, ``siu token revoke``) made it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from siu_core.auth import AuthError
from siu_core.inbox.authz import Actor
from siu_core.inbox.errors import ApiError

if TYPE_CHECKING:
    from siu_core.auth import Session
    from siu_core.store.roster import Member


def actor_from(session: Session, member: Member | None) -> Actor:
    """The caller's rights from their roster item: 401 for a revoked session, 403 when off the roster or inactive."""
    if member is None:
        raise ApiError(403, "not_on_roster", f"{session.user!r} is not on the roster (an admin can add them)")
    if session.generation != member.generation:
        raise AuthError("revoked_token", "this session was signed out; ask for a new token")
    entry = member.entry
    if not entry.active:
        raise ApiError(403, "deactivated",
                       f"{session.user!r} is deactivated on the roster (an admin can reactivate them)")
    return Actor(id=session.user, role=entry.role, teams=frozenset(entry.teams), entry=entry)


def current_actor(session: Session) -> Actor:
    """The caller of a request whose token verified: their roster item read now."""
    from siu_core.store import roster

    return actor_from(session, roster.member(session.user))
