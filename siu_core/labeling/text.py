"""Text folding and keyword matching for the rule-based labeler (pure, no I/O).

Matching is on whole words, case-insensitive, and accent-insensitive for Latin letters (``devolucao``
matches ``devolução``), so operators write keywords the way customers type them. Scripts are handled
the way they are written:

- spaced scripts (Latin, Cyrillic, Devanagari, Tamil, ...): a keyword matches a run of whole words;
  a trailing ``*`` makes the last word a prefix (``refund*`` matches ``refunded``);
- scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Myanmar): a substring match;
- Arabic script: a word may carry attached articles, prepositions and pronouns (``الطلب``,
  ``طلبي``), so a keyword word matches inside a word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Arabic letters written in several ways that customers use interchangeably.
_ARABIC_FOLD = str.maketrans({"ى": "ي", "ة": "ه", "ـ": None})


def _is_latin(ch: str) -> bool:
    code = ord(ch)
    return code < 0x0250 or 0x1E00 <= code <= 0x1EFF


def _is_arabic(ch: str) -> bool:
    code = ord(ch)
    return 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0x08A0 <= code <= 0x08FF


def _is_unspaced(ch: str) -> bool:
    """Scripts that do not separate words with spaces: only substring matching makes sense there."""
    code = ord(ch)
    return (
        0x0E00 <= code <= 0x0EFF  # Thai, Lao
        or 0x1000 <= code <= 0x109F  # Myanmar
        or 0x1780 <= code <= 0x17FF  # Khmer
        or 0x3040 <= code <= 0x30FF  # Hiragana, Katakana
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= code <= 0xFAFF  # CJK compatibility ideographs
        or 0x20000 <= code <= 0x2FA1F  # CJK extensions B-F
    )


def fold(text: str) -> str:
    """Case- and accent-fold text so keywords match however a customer typed them.

    Combining marks are dropped only after Latin and Arabic letters (accents, harakat); the vowel
    signs of Indic scripts are letters in all but name and are kept.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    out: list[str] = []
    strip_marks = False
    for ch in decomposed:
        if unicodedata.combining(ch):
            if not strip_marks:
                out.append(ch)
            continue
        strip_marks = _is_latin(ch) or _is_arabic(ch)
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out)).translate(_ARABIC_FOLD)


def _is_word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LMN"


def words(folded: str) -> list[str]:
    """Split folded text into words: runs of letters, marks and digits (marks keep Indic words whole)."""
    out: list[str] = []
    current: list[str] = []
    for ch in folded:
        if _is_word_char(ch):
            current.append(ch)
        elif current:
            out.append("".join(current))
            current = []
    if current:
        out.append("".join(current))
    return out


@dataclass(frozen=True)
class Keyword:
    """One compiled keyword: how it was written, and how it matches."""

    source: str
    words: tuple[str, ...]
    unspaced: str | None
    prefix: bool
    arabic: bool

    @classmethod
    def compile(cls, source: str) -> Keyword | None:
        """Compile a keyword as an operator wrote it; None when it has no letters or digits at all."""
        raw = source.strip()
        prefix = raw.endswith("*")
        folded = fold(raw.rstrip("*"))
        parts = tuple(words(folded))
        if not parts:
            return None
        if any(_is_unspaced(ch) for ch in folded):
            return cls(source, parts, "".join(parts), False, False)
        return cls(source, parts, None, prefix, any(_is_arabic(ch) for ch in folded))

    def _word_matches(self, candidate: str, wanted: str, last: bool) -> bool:
        if self.arabic:
            return wanted in candidate
        if last and self.prefix:
            return candidate.startswith(wanted)
        return candidate == wanted

    def matches(self, text: FoldedText) -> bool:
        """Whether this keyword occurs in the text under the rules of its script."""
        if self.unspaced is not None:
            return self.unspaced in text.joined
        size = len(self.words)
        exact_first = not self.arabic and not (self.prefix and size == 1)
        if exact_first and self.words[0] not in text.vocabulary:
            return False  # the common case, answered by one set lookup
        if exact_first and size == 1:
            return True
        last = size - 1
        tokens = text.words
        for start in range(len(tokens) - size + 1):
            if all(self._word_matches(tokens[start + i], wanted, i == last) for i, wanted in enumerate(self.words)):
                return True
        return False


@dataclass(frozen=True)
class FoldedText:
    """A message prepared once for matching many keywords."""

    words: tuple[str, ...]
    joined: str
    vocabulary: frozenset[str]

    @classmethod
    def of(cls, text: str) -> FoldedText:
        """Fold and split a message so each keyword check is a cheap comparison."""
        parts = tuple(words(fold(text)))
        return cls(parts, "".join(parts), frozenset(parts))


def compile_keywords(sources: Iterable[str]) -> tuple[Keyword, ...]:
    """Compile keywords, dropping duplicates and ones with nothing to match."""
    seen: set[tuple[tuple[str, ...], bool]] = set()
    out: list[Keyword] = []
    for source in sources:
        keyword = Keyword.compile(source)
        if keyword is None or (keyword.words, keyword.prefix) in seen:
            continue
        seen.add((keyword.words, keyword.prefix))
        out.append(keyword)
    return tuple(out)


def matching(keywords: Sequence[Keyword], text: FoldedText) -> list[str]:
    """The keywords (as written in config) that occur in the text, in config order."""
    return [k.source for k in keywords if k.matches(text)]


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|(?<=[。！？؟।])|\n+")
_SPACES = re.compile(r"\s+")


def first_sentence(text: str, *, min_chars: int = 20, max_chars: int = 120) -> str:
    """The opening of a message for teammates: first sentence(s), past a short greeting, truncated."""
    pieces = [p.strip() for p in _SENTENCE_END.split(text.strip()) if p and p.strip()]
    summary = ""
    for piece in pieces:
        joiner = "" if summary.endswith(("。", "！", "？")) else " "
        summary = f"{summary}{joiner}{piece}" if summary else piece
        if len(summary) >= min_chars:
            break
    summary = _SPACES.sub(" ", summary)
    if len(summary) <= max_chars:
        return summary
    cut = summary[: max_chars - 1]
    space = cut.rfind(" ")
    if space >= max_chars // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"
