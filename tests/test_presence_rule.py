"""Presence rules as tables: who shows as viewing or typing, the ETag signature, and the heartbeat budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from siu_core.inbox.presence import EXPIRES_SECONDS, expires_at, others, signature, writes_per_hour

NOW = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


def until(seconds: float) -> str:
    return (NOW + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


CASES: list[tuple[str, dict[str, dict[str, Any]], list[tuple[str, str]]]] = [
    ("nobody", {}, []),
    ("only me", {"ana": {"state": "typing", "until": until(5)}}, []),
    ("a colleague viewing", {"ben": {"state": "viewing", "until": until(20), "name": "Ben"}}, [("ben", "viewing")]),
    ("a colleague typing", {"ben": {"state": "typing", "until": until(3)}}, [("ben", "typing")]),
    ("an expired heartbeat is gone (TTL deletes lazily)", {"ben": {"state": "viewing", "until": until(-1)}}, []),
    ("expiring exactly now is gone", {"ben": {"state": "viewing", "until": until(0)}}, []),
    ("an unknown state is ignored", {"ben": {"state": "dancing", "until": until(20)}}, []),
    ("an unreadable time is ignored", {"ben": {"state": "viewing", "until": "soon"}}, []),
    ("a typing beat just over still shows viewing", {"ben": {"state": "typing", "until": until(-2),
                                                              "at": until(-12)}}, [("ben", "viewing")]),
    ("a typing beat long over is gone", {"ben": {"state": "typing", "until": until(-51), "at": until(-61)}}, []),
    ("sorted by id", {"cho": {"state": "viewing", "until": until(9)}, "ben": {"state": "typing", "until": until(9)},
                      "ana": {"state": "viewing", "until": until(9)}}, [("ben", "typing"), ("cho", "viewing")]),
]


@pytest.mark.parametrize(("case", "entries", "expected"), CASES, ids=[c[0] for c in CASES])
def test_others(case: str, entries: dict[str, dict[str, Any]], expected: list[tuple[str, str]]) -> None:
    assert [(p["id"], p["state"]) for p in others(entries, "ana", NOW)] == expected


def test_a_name_defaults_to_the_id() -> None:
    seen = others({"ben": {"state": "viewing", "until": until(9)}}, "ana", NOW)
    assert seen == [{"id": "ben", "name": "ben", "state": "viewing"}]


def test_the_signature_ignores_expiry_so_a_heartbeat_keeps_polls_at_304() -> None:
    early = others({"ben": {"state": "viewing", "until": until(10)}}, "ana", NOW)
    later = others({"ben": {"state": "viewing", "until": until(25)}}, "ana", NOW)
    typing = others({"ben": {"state": "typing", "until": until(25)}}, "ana", NOW)
    assert signature(early) == signature(later) == "ben=viewing"
    assert signature(typing) != signature(early) and signature([]) == ""


@pytest.mark.parametrize(("state", "seconds"), [("viewing", 60), ("typing", 10)])
def test_expiry(state: Any, seconds: int) -> None:
    assert EXPIRES_SECONDS[state] == seconds and expires_at(state, NOW) == NOW + timedelta(seconds=seconds)


@pytest.mark.parametrize(("typing_share", "writes"), [(0.0, 240.0), (0.25, 360.0), (1.0, 720.0)])
def test_heartbeat_writes_per_open_thread_hour(typing_share: float, writes: float) -> None:
    assert writes_per_hour(typing_share) == writes
