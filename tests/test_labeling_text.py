"""Keyword folding and matching of the rule-based labeler, across the scripts customers write in."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siu_core.labeling.text import FoldedText, Keyword, compile_keywords, first_sentence, fold, matching


def hits(keyword: str, text: str) -> bool:
    compiled = Keyword.compile(keyword)
    assert compiled is not None
    return compiled.matches(FoldedText.of(text))


def test_fold_drops_latin_accents_and_case_but_keeps_indic_vowel_signs() -> None:
    assert fold("DEVOLUÇÃO Größe Crème") == "devolucao grosse creme"
    assert fold("أين طلبي") == "اين طلبي"  # hamza on alef folded
    assert fold("रिफंड") == "रिफंड"  # the vowel sign is part of the word, not an accent


@pytest.mark.parametrize(
    ("keyword", "text", "expected"),
    [
        ("order", "Where is my ORDER?", True),
        ("order", "I want to reorder the beans", False),  # whole words only
        ("order", "border control", False),
        ("refund*", "Has it been refunded yet?", True),  # explicit prefix
        ("refund", "Has it been refunded yet?", False),
        ("where is", "hi, where   is my parcel", True),  # phrase, any spacing
        ("where is", "where my parcel is", False),
        ("devolução", "quero a devolucao do dinheiro", True),  # accent-insensitive both ways
        ("devolucao", "Quero a DEVOLUÇÃO do dinheiro", True),
        ("Rückerstattung", "meine ruckerstattung fehlt", True),
        ("bayaran balik", "Bila bayaran balik saya masuk?", True),
        ("退款", "你好，我想申请退款，谢谢", True),  # no spaces in Chinese: substring
        ("退款", "你好，我想退货", False),
        ("طلب", "مرحبا، لم يصلني طلبي بعد", True),  # Arabic: attached pronoun
        ("طلب", "شكرا جزيلا", False),
        ("रिफंड", "मेरा रिफंड अभी तक नहीं आया", True),
        ("कम", "इसमें कमी है", False),  # a vowel sign continues the word: no match inside it
        ("அவசரம்", "இது அவசரம் தயவுசெய்து", True),  # Tamil
    ],
)
def test_keyword_matching(keyword: str, text: str, expected: bool) -> None:
    assert hits(keyword, text) is expected


def test_compile_keywords_drops_empty_and_duplicate_keywords() -> None:
    compiled = compile_keywords(["Order", "order", "ORDER*", "!!!", "  ", "订单"])
    assert [k.source for k in compiled] == ["Order", "ORDER*", "订单"]
    assert matching(compiled, FoldedText.of("my orders and 订单")) == ["ORDER*", "订单"]


def test_first_sentence_skips_a_short_greeting_and_truncates_on_a_word() -> None:
    assert first_sentence("Hi! I was charged twice for my order. Please help.") == (
        "Hi! I was charged twice for my order."
    )
    assert first_sentence("我的包裹在哪里？应该昨天到的。") == "我的包裹在哪里？应该昨天到的。"
    long = "word " * 60
    summary = first_sentence(long, max_chars=50)
    assert len(summary) <= 50 and summary.endswith("…") and not summary.endswith(" …")
    assert first_sentence("  \n\n  Line one\nline two") == "Line one line two"


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text(min_size=1, max_size=30))
def test_matching_never_raises_and_summary_is_bounded(text: str, keyword: str) -> None:
    compiled = Keyword.compile(keyword)
    if compiled is not None:
        compiled.matches(FoldedText.of(text))
    assert len(first_sentence(text, max_chars=120)) <= 120
