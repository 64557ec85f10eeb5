"""Saved replies' variables (pure): filled from the thread's facts, or refused naming what is wrong."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siu_core.composer import variables
from siu_core.composer.variables import Facts, VariableError

FACTS = Facts(customer_name="  Mei Lin Tan ", teammate_name="Ana Costa", thread_id="t-123", channel="whatsapp",
              team="care")


def test_every_known_variable_fills() -> None:
    text = ("Hi {{customer.first_name}} ({{customer.name}}), {{ teammate.first_name }} here ({{teammate.name}}, "
            "{{team.name}}): ref {{thread.id}} on {{thread.channel}}")
    assert variables.fill(text, FACTS) == ("Hi Mei (Mei Lin Tan), Ana here (Ana Costa, care): ref t-123 on whatsapp")


def test_an_unknown_variable_is_an_error_never_sent_raw() -> None:
    with pytest.raises(VariableError) as caught:
        variables.fill("Hi {{customer.firstname}} and {{order.id}}, {{customer.name}}", FACTS)
    assert caught.value.unknown == ["customer.firstname", "order.id"] and caught.value.missing == []
    assert "{{customer.firstname}}" in str(caught.value)


def test_a_variable_without_a_value_here_is_an_error() -> None:
    with pytest.raises(VariableError) as caught:
        variables.fill("Hi {{customer.first_name}}", Facts(customer_name="   ", teammate_name="Ana"))
    assert caught.value.missing == ["customer.first_name"] and caught.value.unknown == []
    assert "no value" in str(caught.value)


def test_text_without_variables_is_unchanged_and_single_braces_are_text() -> None:
    assert variables.fill("Price: {10} {x}", Facts()) == "Price: {10} {x}"
    assert variables.used("{{a.b}} {{ a.b }} {{c}}") == ["a.b", "c"]
    assert variables.unknown_in("{{customer.name}} {{nope}}") == ["nope"]


PIECES = st.one_of(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="{}"),
                           max_size=20),
                   st.sampled_from([f"{{{{{name}}}}}" for name in variables.KNOWN]))


@given(st.lists(PIECES, max_size=12))
def test_known_variables_are_replaced_and_everything_else_kept(pieces: list[str]) -> None:
    values = FACTS.values()
    expected = "".join(str(values[p[2:-2]]) if p.startswith("{{") else p for p in pieces)
    assert variables.fill("".join(pieces), FACTS) == expected


@given(st.text(max_size=200))
def test_any_text_fills_or_says_why(text: str) -> None:
    try:
        variables.fill(text, FACTS)
    except VariableError as exc:
        assert exc.unknown or exc.missing
