"""Customers' pure logic as tables: merge / unmerge planning, suggestion matching, contact extraction."""

from __future__ import annotations

import pytest

from siu_core.customers import record, suggest
from siu_core.customers.merging import MergeRefused, Plan, Pointers, plan_merge, plan_unmerge

A, B, C = "cus_" + "a" * 24, "cus_" + "b" * 24, "cus_" + "c" * 24


def p(pid: str, version: int = 1, into: str | None = None, merged: tuple[str, ...] = ()) -> Pointers:
    return Pointers(pid, version, into, merged)


@pytest.mark.parametrize(("survivor", "other", "expected"), [
    # a plain merge: both versions move on, the pointers point at each other
    (p(A), p(B), Plan(p(A, 2, None, (B,)), p(B, 2, A))),
    # a survivor that already holds one keeps it and adds the other
    (p(A, 3, None, (C,)), p(B), Plan(p(A, 4, None, (C, B)), p(B, 2, A))),
    # a retried merge that landed plans nothing
    (p(A, 2, None, (B,)), p(B, 2, A), Plan(p(A, 2, None, (B,)), p(B, 2, A), already=True)),
    # the other customer's own merged customers come along (they stay pointing at it)
    (p(A), p(B, 2, None, (C,)), Plan(p(A, 2, None, (B,)), p(B, 3, A, (C,)))),
])
def test_merge_plans(survivor: Pointers, other: Pointers, expected: Plan) -> None:
    assert plan_merge(survivor, other) == expected


@pytest.mark.parametrize(("survivor", "other", "code"), [
    (p(A), p(A), "same_customer"),
    (p(A, into=C), p(B), "customer_merged"),       # merge into the customer A belongs to instead
    (p(A), p(B, into=C), "customer_merged"),       # B belongs to C: unmerge it first
])
def test_merges_refused(survivor: Pointers, other: Pointers, code: str) -> None:
    with pytest.raises(MergeRefused) as refused:
        plan_merge(survivor, other)
    assert refused.value.code == code


@pytest.mark.parametrize(("survivor", "other", "expected"), [
    (p(A, 2, None, (B,)), p(B, 2, A), Plan(p(A, 3), p(B, 3))),
    (p(A, 4, None, (C, B)), p(B, 2, A), Plan(p(A, 5, None, (C,)), p(B, 3))),
    # not merged: nothing to do (a retried unmerge)
    (p(A, 3), p(B, 3), Plan(p(A, 3), p(B, 3), already=True)),
    # half a merge (one pointer only, as a hand edit could leave it) is taken apart too
    (p(A, 2), p(B, 2, A), Plan(p(A, 3), p(B, 3))),
    (p(A, 2, None, (B,)), p(B, 2), Plan(p(A, 3), p(B, 3))),
])
def test_unmerge_plans(survivor: Pointers, other: Pointers, expected: Plan) -> None:
    assert plan_unmerge(survivor, other) == expected


def test_merge_then_unmerge_restores_both_pointers_exactly() -> None:
    a, b = p(A, 5, None, (C,)), p(B, 7)
    merged = plan_merge(a, b)
    back = plan_unmerge(merged.survivor, merged.other)
    assert (back.survivor.merged_into, back.survivor.merged) == (a.merged_into, a.merged)
    assert (back.other.merged_into, back.other.merged) == (b.merged_into, b.merged)


def test_unmerge_from_the_wrong_customer_is_refused() -> None:
    with pytest.raises(MergeRefused) as refused:
        plan_unmerge(p(A), p(B, into=C))
    assert refused.value.code == "not_merged_here"


@pytest.mark.parametrize(("raw", "canonical"), [
    ("+1 (415) 555-2671", "+14155552671"), ("14155552671", "+14155552671"), ("tel:+14155552671", "+14155552671"),
    ("5552671", None), ("+1234567890123456", None), ("", None), (None, None),
])
def test_canonical_phones(raw: str | None, canonical: str | None) -> None:
    assert suggest.canonical_phone(raw) == canonical


@pytest.mark.parametrize(("texts", "found"), [
    (["call me on +44 20 7946 0958"], [("phone", "+442079460958")]),
    (["mail Ana.Lopez@Example.com please"], [("email", "ana.lopez@example.com")]),
    (["my number is 555-1234"], []),  # no country code: not comparable with any handle
    (["order 123456789012 shipped"], []),  # a long number is not a phone without a +
    (["+1 415 555 2671", "again +1 415 555 2671"], [("phone", "+14155552671")]),
    (["no contacts here"], []),
])
def test_typed_contacts(texts: list[str], found: list[tuple[str, str]]) -> None:
    assert suggest.typed_contacts(texts) == found


def test_typed_contacts_are_bounded() -> None:
    text = " ".join(f"u{i}@example.com" for i in range(50))
    assert len(suggest.typed_contacts([text])) == suggest.MAX_TYPED


@pytest.mark.parametrize(("own", "handle_contacts", "typed", "holders", "expected"), [
    # the same phone on another channel
    ([A], [("phone", "+1")], [], {("phone", "+1"): [A, B]}, [suggest.Suggestion(B, ("same_phone",))]),
    # a typed email that is another customer's handle, and the same phone too: both reasons, one suggestion
    ([A], [("phone", "+1")], [("email", "x@y.z")], {("phone", "+1"): [B], ("email", "x@y.z"): [B]},
     [suggest.Suggestion(B, ("same_phone", "typed_email"))]),
    # customers already merged into this one are not suggested
    ([A, C], [("phone", "+1")], [], {("phone", "+1"): [A, C]}, []),
    # nobody else holds it
    ([A], [("phone", "+1")], [("phone", "+2")], {}, []),
])
def test_suggestions(own: list[str], handle_contacts: list[tuple[str, str]], typed: list[tuple[str, str]],
                     holders: dict[tuple[str, str], list[str]], expected: list[suggest.Suggestion]) -> None:
    assert suggest.suggestions(own, handle_contacts, typed, holders) == expected


def test_customer_ids() -> None:
    first = record.new_id("whatsapp#acct#15551234567", "whatsapp#acct#wamid.1")
    assert record.is_id(first) and first == record.new_id("whatsapp#acct#15551234567", "whatsapp#acct#wamid.1")
    assert first != record.new_id("whatsapp#acct#15551234567", "whatsapp#acct#wamid.2")  # erased, then new
    assert record.is_id(record.legacy_id("ig#1#2"))
    assert not record.is_id("cus_../../x") and not record.is_id("th_abc")


def test_contacts_of_handles_are_canonical() -> None:
    handles = [{"phone": "15551234567"}, {"phone": "+1 555 123 4567"}, {"email": "A@B.co"}, {"username": "ana"}]
    assert record.contacts(handles) == [("email", "a@b.co"), ("phone", "+15551234567")]
