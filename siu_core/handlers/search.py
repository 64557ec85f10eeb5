"""The Search Lambda (in the VPC, the index file on EFS): one query of the index for the inbox API.

The inbox has checked the caller's token and read their rights from the roster; it passes them in
``scope`` and checks every hit on the stored thread again, so this function never decides access alone.
"""

from __future__ import annotations

from typing import Any

from siu_core import obs

SERVICE = "search"


@obs.instrument(SERVICE)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one search from the index file (``SIU_SEARCH_INDEX``); ``{"error": ...}`` for a bad request."""
    from siu_core.search import location, query, wire
    from siu_core.search.engine import IndexMissing
    from siu_core.search.scope import visible

    try:
        # Read-only: the function's EFS mount has no ClientWrite; the Indexer alone writes the file.
        index = location.shared(read_only=True)
    except IndexMissing:
        return {"error": "index_missing"}  # the inbox answers 503 search_unavailable, never an empty page
    if index is None:
        raise RuntimeError("SIU_SEARCH_INDEX is not set: the Search function has no index file")
    try:
        q = str(event.get("q") or "")
        scope = event["scope"]
        limit, offset = int(event.get("limit", 20)), int(event.get("offset", 0))
        if len(q) > query.MAX_QUERY or not 1 <= limit <= 50 or not 0 <= offset <= 1000:
            raise ValueError("q, limit or offset out of bounds")
        where = visible(admin=bool(scope["admin"]), user=str(scope["user"]), teams=[str(t) for t in scope["teams"]])
        filters = wire.filters_of(event)
    except (KeyError, TypeError, ValueError) as exc:
        return {"error": f"bad search request: {type(exc).__name__}"}
    return wire.answer(index.search(q, filters=filters, scope=where, limit=limit, offset=offset))
