"""The pure notification rules as tables: who is told what, deterministic ids, SLA warning timing,
preferences, and which queue a teammate lands on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from siu_core import notification_rules as rules
from siu_core.inbox import landing
from siu_core.inbox.landing import QueueCount

T = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(("holder", "by", "previous", "told"), [
    ("ana", None, None, "ana"),  # the router assigned it
    ("ana", "boss", "ben", "ana"),  # a colleague handed it over
    ("ana", "ana", None, None),  # took it themselves
    ("ana", None, "ana", None),  # already theirs
    ("queue#care", None, None, None),  # waits in a team queue: nobody in particular
    (None, None, None, None),
])
def test_who_an_assignment_notifies(holder: str | None, by: str | None, previous: str | None, told: str | None) -> None:
    found = rules.on_assignment("th_1", holder, seq=3, by=by, previous=previous)
    assert (found.teammate if found else None) == told
    if found:
        assert (found.kind, found.ref) == ("assigned", "seq-3")


@pytest.mark.parametrize(("decision", "holder", "told"), [
    ("follow_up", "ana", "ana"),
    ("reopen", "ana", "ana"),
    ("new_thread", "ana", None),  # news through its assignment instead
    ("repeated_content", "ana", None),  # the same words again are not news
    ("redelivery", "ana", None),
    ("follow_up", "queue#care", None),
    ("follow_up", None, None),
])
def test_who_a_customer_message_notifies(decision: str, holder: str | None, told: str | None) -> None:
    found = rules.on_customer_message("th_1", decision, holder, "whatsapp#acct#m2")
    assert (found.teammate if found else None) == told


def test_ids_are_deterministic_and_distinct_per_event() -> None:
    assert rules.notification_id("answered", "th_1", "m2") == rules.notification_id("answered", "th_1", "m2")
    ids = {rules.notification_id(k, t, r) for k in rules.KINDS for t in ("th_1", "th_2") for r in ("a", "b")}
    assert len(ids) == len(rules.KINDS) * 4 and all(len(i) == 20 for i in ids)


DUE = T + timedelta(minutes=30)


@pytest.mark.parametrize(("now", "answered", "breached", "holder", "lead", "warned"), [
    (DUE - timedelta(minutes=11), False, False, "ana", 10, False),  # too early
    (DUE - timedelta(minutes=10), False, False, "ana", 10, True),
    (DUE - timedelta(minutes=1), False, False, "ana", 10, True),
    (DUE, False, True, "ana", 10, False),  # breached: the sweep's breach handling takes over
    (DUE - timedelta(minutes=5), True, False, "ana", 10, False),  # answered in time
    (DUE - timedelta(minutes=5), False, False, "queue#care", 10, False),
    (DUE - timedelta(minutes=5), False, False, "ana", 0, False),  # warnings turned off
])
def test_sla_warning_timing(now: datetime, answered: bool, breached: bool, holder: str, lead: int,
                            warned: bool) -> None:
    found = rules.sla_warning("th_1", holder, due=DUE, answered=answered, breached=breached, now=now,
                              lead=timedelta(minutes=lead))
    assert (found is not None) == warned
    if found:
        notice, at = found
        assert at == DUE - timedelta(minutes=lead) and notice.kind == "sla_soon"  # the same date every sweep


def test_preferences_defaults_and_fallback() -> None:
    assert rules.preferences_of(None) == rules.Preferences()
    assert rules.Preferences().slack is False and all(rules.Preferences().wants(k) for k in rules.KINDS)
    off = rules.preferences_of({"events": {"answered": False}})
    assert not off.wants("answered") and off.wants("assigned") and not off.wants("unknown")
    assert rules.preferences_of({"events": "garbled"}) == rules.Preferences()


def _q(queue: str, count: int, team: str | None = None, who: str | None = None) -> QueueCount:
    return QueueCount(queue, count, team=team, assignee=who)


@pytest.mark.parametrize(("counts", "lands"), [
    ([_q("mine", 1), _q("team", 9, "care")], _q("mine", 1)),  # my own work first
    ([_q("mine", 0), _q("team", 2, "care"), _q("team", 4, "sales")], _q("team", 4, "sales")),  # the busiest
    ([_q("mine", 0), _q("team", 4, "care"), _q("team", 4, "sales")], _q("team", 4, "care")),  # ties: first
    ([_q("mine", 0), _q("team", 1, "care"), _q("teammate", 3, who="ana")], _q("teammate", 3, who="ana")),
    ([_q("mine", 0), _q("team", 0, "care")], None),  # nothing anywhere
    ([_q("team", 2, "care")], _q("team", 2, "care")),  # an admin not on the roster
])
def test_landing(counts: list[QueueCount], lands: QueueCount | None) -> None:
    assert landing.landing(counts) == lands
