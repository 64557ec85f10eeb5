"""@mentions in internal notes (pure): roster ids and unique first names, unknown handles reported."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from siu_core.composer import mentions

ROSTER = [("ana", "Ana Lim"), ("ben", "Ben Ong"), ("ktan", "Kim Tan"), ("kho", "Kim Ho"),
          ("li.na+sg@shop.example", "Lina Goh")]


def test_ids_and_unique_first_names_match_ignoring_case_and_punctuation() -> None:
    found = mentions.find("@Ana please check, cc @BEN. Also (@lina) and @li.na+sg@shop.example!", ROSTER)
    assert found.teammates == ("ana", "ben", "li.na+sg@shop.example")
    assert found.unknown == ()


def test_a_shared_first_name_only_matches_by_id() -> None:
    found = mentions.find("@Kim or @kho?", ROSTER)
    assert found.teammates == ("kho",)
    assert found.unknown == ("Kim",)


def test_email_addresses_and_unknown_handles_tell_nobody() -> None:
    found = mentions.find("Customer wrote from kofi@example.com, IG @kofi_shop; ask @ana @ana", ROSTER)
    assert found.teammates == ("ana",)
    assert found.unknown == ("kofi_shop",)


@given(st.text(max_size=300))
def test_every_mention_found_is_on_the_roster(text: str) -> None:
    found = mentions.find(text, ROSTER)
    assert set(found.teammates) <= {teammate for teammate, _ in ROSTER}
    assert len(set(found.teammates)) == len(found.teammates)
