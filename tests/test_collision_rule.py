"""The collision rule of a reply, as a table: what counts as new since the message a teammate wrote against."""

from __future__ import annotations

from typing import Any

import pytest

from siu_core.inbox.collision import MAX_NEW, newer_messages

ME = "user:ana"


def msg(mid: str, direction: str = "in", sent_by: str | None = None) -> dict[str, Any]:
    return {"message_id": mid, "direction": direction, "sent_by": sent_by}


# Newest first, as the thread's newest page is read.
CASES = [
    ("nothing after what I saw", [msg("m2"), msg("m1")], "m2", []),
    ("the customer wrote again", [msg("m3"), msg("m2"), msg("m1")], "m2", ["m3"]),
    ("two customer messages, oldest first", [msg("m4"), msg("m3"), msg("m2")], "m2", ["m3", "m4"]),
    ("a colleague replied", [msg("r1", "out", "user:bo"), msg("m2")], "m2", ["r1"]),
    ("an echo from the phone app", [msg("e1", "out", "business_app"), msg("m2")], "m2", ["e1"]),
    ("my own earlier reply does not count", [msg("r1", "out", ME), msg("m2")], "m2", []),
    ("mine and a customer's", [msg("m3"), msg("r1", "out", ME), msg("m2")], "m2", ["m3"]),
    ("what I saw is not on the page: all new", [msg("m9"), msg("m8")], "m1", ["m8", "m9"]),
    ("an empty thread page", [], "m1", []),
]


@pytest.mark.parametrize(("case", "page", "based_on", "expected"), CASES, ids=[c[0] for c in CASES])
def test_newer_messages(case: str, page: list[dict[str, Any]], based_on: str, expected: list[str]) -> None:
    assert [m["message_id"] for m in newer_messages(page, based_on, ME)] == expected


def test_at_most_the_newest_ones_are_returned() -> None:
    page = [msg(f"m{i}") for i in range(MAX_NEW + 10, 0, -1)]
    found = [m["message_id"] for m in newer_messages(page, "m0", ME)]
    assert len(found) == MAX_NEW and found[-1] == f"m{MAX_NEW + 10}" and found[0] == "m11"
