"""Conditional reads for the inbox's polling: an ETag from one small read, ``304`` when nothing changed.

A tab polls its queue (and the open thread) every few seconds. The ETag of an answer names the inbox's
change counter (:mod:`siu_core.store.inbox_version`), who asks (id, role, teams: what they may see), what
they asked for, and a time bucket of :data:`FRESH_SECONDS`. When the tab's ``If-None-Match`` still matches,
the API answers ``304`` after that one read, skipping the queue's index query and batched reads. The
time bucket bounds how long an answer computed from the clock (a reply window that closed, an SLA that
came due on its own) can stay in a tab unchanged: five minutes, and the UI counts due times down itself.
Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime

#: How long an unchanged answer may be reused, at most (seconds).
FRESH_SECONDS = 300


def etag(version: int, *, who: str, role: str, teams: list[str], what: str, params: Mapping[str, str],
         now: datetime) -> str:
    """The weak ETag of one answer (the same inputs, the same tag)."""
    bucket = int(now.timestamp()) // FRESH_SECONDS
    asked = "&".join(f"{k}={params[k]}" for k in sorted(params))
    digest = hashlib.sha256("\x1f".join([who, role, ",".join(sorted(teams)), what, asked, str(bucket)])
                            .encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return f'W/"{version}-{digest}"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """``If-None-Match`` against our tag, with HTTP's weak comparison (``W/`` ignored; a list; ``*``)."""
    if not if_none_match:
        return False
    mine = tag.removeprefix("W/")
    wanted = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in wanted or mine in wanted
