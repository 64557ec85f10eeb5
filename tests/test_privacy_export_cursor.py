"""The resumable export's cursor as a table: which step follows which, and what a job item holds."""

from __future__ import annotations

import pytest

from siu_core.privacy.export_cursor import Cursor, after_opening, after_page, after_thread, from_item

OPENING, ASSEMBLE = Cursor(), Cursor("assemble")


@pytest.mark.parametrize(("got", "expected"), [
    (after_opening(2), Cursor("threads", 0)),
    (after_opening(0), ASSEMBLE),  # nothing held: straight to the (empty) document
    (after_thread(Cursor("threads", 0), 2), Cursor("threads", 1)),
    (after_thread(Cursor("threads", 1), 2), Cursor("messages", 0)),
    (after_page(Cursor("messages", 0), 2, '{"k": 1}'), Cursor("messages", 0, '{"k": 1}')),
    (after_page(Cursor("messages", 0, '{"k": 1}'), 2, None), Cursor("messages", 1)),
    (after_page(Cursor("messages", 1, '{"k": 2}'), 2, None), ASSEMBLE),
    (after_page(Cursor("messages", 1), 2, '{"k": 3}'), Cursor("messages", 1, '{"k": 3}')),
])
def test_the_next_step(got: Cursor, expected: Cursor) -> None:
    assert got == expected


@pytest.mark.parametrize("cursor", [OPENING, Cursor("threads", 3), Cursor("messages", 2, '{"pk": {"S": "x"}}'),
                                    ASSEMBLE])
def test_a_cursor_survives_the_job_item(cursor: Cursor) -> None:
    assert from_item(cursor.as_item()) == cursor


def test_a_new_job_starts_at_the_opening_and_an_unknown_phase_is_refused() -> None:
    assert from_item(None) == OPENING and from_item({}) == OPENING
    with pytest.raises(ValueError, match="unknown export phase"):
        from_item({"phase": "sideways"})
