"""The search box's words as FTS5 MATCH expressions, built safely: pure, no I/O.

A teammate's query is never passed to FTS5 as query syntax: it is split into terms, each term is a
quoted FTS5 string (a double quote inside is doubled) with a prefix star, and the terms are ANDed.
Scripts written without spaces (Chinese, Japanese, Thai...) go to the trigram index instead, and
phone-like terms are matched on their digits (the trigram index finds them anywhere in the number).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: The longest query accepted (characters); longer is a 422, not a slow query.
MAX_QUERY = 200
#: At most this many terms are ANDed (more words narrow nothing a teammate needs).
MAX_TERMS = 8
_PHONE = re.compile(r"^\+?[\d\s().-]{5,}$")
#: Unicode blocks of scripts written without spaces between words: CJK, kana, Hangul is spaced
#: (unicode61 handles it), Thai, Lao, Khmer, Myanmar.
_NO_SPACE_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x2FA1F),  # CJK extensions B..F
)


def has_unspaced_script(text: str) -> bool:
    """Whether ``text`` holds a script unicode61 cannot split into words (it goes to the trigram index)."""
    return any(lo <= ord(ch) <= hi for ch in text for lo, hi in _NO_SPACE_RANGES)


def digits(text: str) -> str:
    """Only the digits of a phone number, so '+1 (555) 010-0199' and '5550100199' meet."""
    return "".join(ch for ch in text if ch.isdigit())


def is_phone(text: str) -> bool:
    """Whether ``text`` reads as a phone number (digits with the usual punctuation, five digits or more)."""
    return bool(_PHONE.match(text.strip())) and len(digits(text)) >= 5


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


@dataclass(frozen=True)
class Match:
    """One query's FTS5 expressions: words (unicode61), trigram substrings, short unspaced pieces, phone digits."""

    words: str | None
    trigrams: str | None
    short: tuple[str, ...]
    phone: str | None

    @property
    def empty(self) -> bool:
        """Nothing to match: the search is by filters only."""
        return not (self.words or self.trigrams or self.short or self.phone)


def terms(q: str) -> list[str]:
    """The query's terms: whitespace-separated, quotes kept as part of nothing (they are not syntax)."""
    cleaned = unicodedata.normalize("NFKC", q).replace('"', " ")
    return [t for t in cleaned.split() if t][:MAX_TERMS]


def build(q: str) -> Match:
    """The MATCH expressions for a search box text (``q`` already length-checked)."""
    text = q.strip()
    if is_phone(text):
        spelled = " AND ".join(_quote(t) + "*" for t in terms(text) if digits(t))
        return Match(words=spelled or None, trigrams=None, short=(), phone=_quote(digits(text)))
    words: list[str] = []
    grams: list[str] = []
    short: list[str] = []
    for term in terms(text):
        if has_unspaced_script(term):
            # Trigrams need three characters; a one- or two-character word (common in Chinese) is
            # looked up with LIKE over the (smaller) unspaced-script index instead.
            (grams if len(term) >= 3 else short).append(term)
        else:
            words.append(_quote(term) + "*")
    return Match(words=" AND ".join(words) or None, trigrams=" AND ".join(_quote(g) for g in grams) or None,
                 short=tuple(short), phone=None)
