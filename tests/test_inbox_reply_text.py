"""Which reply texts would reach the customer blank: a table over the pure check, then the 422 it drives."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from siu_core.inbox.bodies import ReplyBody, TemplateBody, is_blank, is_invisible

BLANK = [
    "",
    " ",
    "\t\n\r\u00a0\u3000",
    "\u200b",  # zero-width space
    "\u200c\u200d",  # zero-width non-joiner, joiner
    "\u2060",  # word joiner
    "\ufeff",  # BOM / zero-width no-break space
    "\u200e\u200f",  # LRM, RLM
    "\u202a\u202b\u202c\u202d\u202e",  # embeddings, pop, overrides
    "\u2066\u2067\u2068\u2069",  # isolates
    "\u061c",  # Arabic letter mark
    "\u00ad",  # soft hyphen
    "\u180e\u2061\u2063",  # Mongolian vowel separator, invisible operators
    "\u3164\uffa0",  # Hangul fillers
    "\ufe0f",  # a variation selector alone
    "\U000e0041\U000e007f",  # tag characters
    " \u200b\u202e \u2066\ufeff ",
]
VISIBLE = [
    "a",
    " ok ",
    "\u202eevil",  # an override before text: shown (reversed), so not blank
    "\u05e9\u05dc\u05d5\u05dd",  # Hebrew
    "\u0645\u0631\u062d\u0628\u0627",  # Arabic
    "👍",
    "👩\u200d💻",  # a ZWJ emoji sequence
    "\u0301",  # a lone combining accent still draws
    ".",
]


@pytest.mark.parametrize("text", BLANK)
def test_texts_that_show_nothing_are_blank(text: str) -> None:
    assert is_blank(text)


@pytest.mark.parametrize("text", VISIBLE)
def test_texts_that_show_something_are_not(text: str) -> None:
    assert not is_blank(text)


@pytest.mark.parametrize("char", ["\u200b", "\u200e", "\u202e", "\u2069", "\u061c", "\ufeff", "\u2060", " "])
def test_each_control_character_is_invisible(char: str) -> None:
    assert is_invisible(char)


@pytest.mark.parametrize("text", BLANK[1:])
def test_the_reply_body_refuses_a_blank_text(text: str) -> None:
    with pytest.raises(ValidationError, match="the reply text is empty"):
        ReplyBody.model_validate({"text": text})


def test_template_parameters_must_show_something() -> None:
    assert TemplateBody.model_validate({"name": "t", "language": "en", "params": ["#1", "👍"]}).params == ["#1", "👍"]
    with pytest.raises(ValidationError, match=r"\[2\] show nothing"):
        TemplateBody.model_validate({"name": "t", "language": "en", "params": ["#1", "\u200b\u202e"]})
