"""The Messenger and Instagram user-profile APIs: who wrote, when the webhook says only an id.

``GET /{version}/{PSID}?fields=first_name,last_name,profile_pic`` (Messenger, with the Page token)
and ``GET /{version}/{IGSID}?fields=name,username,profile_pic`` (Instagram) answer what the person
lets the business see. Any failure (a refusal, a person who blocked the business, a timeout, an
unreadable answer) is ``None``: the inbox then shows the id, and asks again later.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from siu_core.plugin import SiuError
from siu_meta.graph import GraphErrorPolicy, graph_get

if TYPE_CHECKING:
    from siu_core.plugin import CustomerProfile, StandInResponse

LOG = logging.getLogger(__name__)
#: Seconds the profile call may take: a teammate is waiting for the customer panel.
PROFILE_TIMEOUT = 3.0
#: Fields each channel's user-profile API offers (the ones siu asks for).
MESSENGER_FIELDS = ("first_name", "last_name", "profile_pic")
INSTAGRAM_FIELDS = ("name", "username", "profile_pic")
_KNOWN_FIELDS = frozenset(MESSENGER_FIELDS + INSTAGRAM_FIELDS)
#: What the ``siu dev`` stand-in calls its customers (picked from the id, so the same id is the same person).
_STAND_IN_FIRST = ("Alex", "Sam", "Robin", "Kim", "Jordan", "Noa", "Yuki", "Maria")
_STAND_IN_LAST = ("Rivera", "Chen", "Okafor", "Novak", "Sato", "Haddad", "Lindqvist", "Costa")


def profile_url(base_url: str, version: str, person_id: str, fields: tuple[str, ...]) -> str | None:
    """``{base}/{version}/{id}?fields=...``, or None for an id that is not a Graph node (nothing to ask)."""
    if not person_id or not person_id.replace("_", "").isalnum():
        return None
    if urlsplit(base_url).scheme not in ("https", "http"):
        return None
    return f"{base_url.rstrip('/')}/{version}/{person_id}?{urlencode({'fields': ','.join(fields)})}"


def _text(payload: Mapping[str, Any], key: str) -> str | None:
    value = payload.get(key)
    return value.strip()[:200] or None if isinstance(value, str) else None


def read_profile(payload: Any) -> CustomerProfile | None:
    """The profile in a user-profile answer (either channel's fields), or None when it names nobody."""
    from siu_core.plugin import CustomerProfile  # asked by the inbox, never by the connector (cold start: no models)

    if not isinstance(payload, Mapping) or "error" in payload:
        return None
    name = _text(payload, "name") or " ".join(
        part for part in (_text(payload, "first_name"), _text(payload, "last_name")) if part) or None
    picture = payload.get("profile_pic")
    picture_url = picture if isinstance(picture, str) and picture.startswith("https://") and len(picture) <= 2048 \
        else None
    profile = CustomerProfile(name=name, username=_text(payload, "username"), picture_url=picture_url)
    return profile if (profile.name or profile.username or profile.picture_url) else None


def fetch_user_profile(session: Any, url: str | None, *, access_token: str | None, policy: GraphErrorPolicy,
                       channel: str) -> CustomerProfile | None:
    """Ask the user-profile API once; None (logged by error class only, no id or name) when it cannot answer."""
    if url is None or not access_token:
        return None
    import requests  # here, like graph_get: connectors never fetch profiles

    try:
        answer = graph_get(session, url, access_token=access_token, policy=policy, timeout=PROFILE_TIMEOUT)
        payload = answer.json()
    except (SiuError, ValueError, requests.RequestException) as exc:
        LOG.info("no customer profile", extra={"channel": channel, "error": type(exc).__name__})
        return None
    return read_profile(payload)


def stand_in_profile(person_id: str, fields: str, *, channel: str) -> StandInResponse:
    """A deterministic profile for ``siu dev``: the same id always gets the same made-up person."""
    from siu_core.plugin import StandInResponse  # siu dev's stand-in only

    digest = hashlib.sha256(f"{channel}:{person_id}".encode()).digest()
    first, last = _STAND_IN_FIRST[digest[0] % len(_STAND_IN_FIRST)], _STAND_IN_LAST[digest[1] % len(_STAND_IN_LAST)]
    everything = {
        "first_name": first,
        "last_name": last,
        "name": f"{first} {last}",
        "username": f"{first}.{last}".lower(),
        # Meta answers null for a person with no picture; the stand-in has no picture to serve (and the
        # inbox's CSP would refuse a made-up host).
        "profile_pic": None,
    }
    asked = [f for f in fields.split(",") if f in _KNOWN_FIELDS] or ["name"]
    return StandInResponse(body={**{f: everything[f] for f in asked}, "id": person_id})
