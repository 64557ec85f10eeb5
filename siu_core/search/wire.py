"""The Search function's request and answer as JSON (the inbox invokes it on AWS): pure, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from siu_core.search.engine import MessageHit, Page, ThreadHit
from siu_core.search.filters import Filters


def request(q: str, filters: Filters, *, admin: bool, user: str, teams: frozenset[str] | set[str], limit: int,
            offset: int) -> dict[str, Any]:
    """What the inbox sends: the words, the filters, who asks (the inbox read their rights from the roster)."""
    return {"q": q, "filters": {k: v for k, v in asdict(filters).items() if v is not None},
            "scope": {"admin": admin, "user": user, "teams": sorted(teams)}, "limit": limit, "offset": offset}


def filters_of(data: Mapping[str, Any]) -> Filters:
    """The filters of a request (unknown keys are refused: a typo must not widen a search)."""
    given = dict(data.get("filters") or {})
    known = set(Filters.__dataclass_fields__)
    if set(given) - known:
        raise ValueError(f"unknown filters {sorted(set(given) - known)}")
    return Filters(**{k: str(v) for k, v in given.items()})


def answer(page: Page) -> dict[str, Any]:
    """A page of hits as the Search function returns it."""
    return {"threads": [t.thread_id for t in page.threads], "messages": [asdict(m) for m in page.messages],
            "more": page.more}


def page_of(data: Mapping[str, Any]) -> Page:
    """The page the Search function answered."""
    return Page(threads=[ThreadHit(str(t)) for t in data.get("threads") or []],
                messages=[MessageHit(**m) for m in data.get("messages") or []], more=bool(data.get("more")))
