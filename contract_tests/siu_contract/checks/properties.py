"""Property checks: whatever bytes arrive, normalize answers events or MalformedPayload, never a crash."""

from __future__ import annotations

import copy
import json
import string
from typing import Any, Literal

from siu_contract.checks import ContractViolation, short
from siu_contract.checks.normalize import dumped_events, schema_problems
from siu_contract.target import ChannelUnderTest
from siu_core.errors import MalformedPayload

#: Characters generated text is drawn from: ASCII and controls, accents and combining marks, RTL and
#: zero-width marks, CJK, emoji with modifiers, the last code point and a lone surrogate. A fixed
#: alphabet keeps hypothesis from building (and caching on disk) its Unicode tables on every run.
ALPHABET = (
    string.printable
    + "\x00\x01\x1f\x7f\x85\xa0"
    + "äöüßéñçøåÄÖÜ\u0301\u0308"
    + "\u200b\u200d\u202e\u2028\ufeff\ufffd"
    + "\u05d0\u0627\u4e2d\u6587\u65e5"
    + "😀📦👍\U0001f3fd\U0010ffff\ud83d"
)

PropertyKind = Literal["json", "mutated", "bytes"]
PROPERTY_KINDS: tuple[PropertyKind, ...] = ("json", "mutated", "bytes")
_DELETE = object()


def outcome_ok(t: ChannelUnderTest, body: bytes) -> None:
    """The property itself: schema-valid events, or MalformedPayload; any other exception is a violation."""
    try:
        events = dumped_events(t, body)
    except MalformedPayload:
        return
    except ContractViolation:
        raise
    except Exception as exc:
        raise ContractViolation(
            f"normalize raised {type(exc).__name__}: {exc} for body {short(body)}; "
            "only MalformedPayload may escape"
        ) from exc
    problems = schema_problems(t, events)
    if problems:
        raise ContractViolation(f"body {short(body)} gave events that break the schema: {problems[:3]}")


def _sample_documents(t: ChannelUnderTest) -> list[Any]:
    docs: list[Any] = []
    for relative in [c.webhook for c in t.manifest.normalize] + list(t.manifest.unknown):
        try:
            docs.append(json.loads(t.fixtures.read_bytes(relative)))
        except ValueError:
            continue
    return docs or [{}]


def _vocabulary(docs: list[Any]) -> tuple[list[str], list[Any]]:
    """Keys and scalar values seen in the samples, so generated JSON reaches past the envelope checks."""
    keys: set[str] = set()
    scalars: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                keys.add(key)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif len(scalars) < 200:
            scalars.append(node)

    for doc in docs:
        walk(doc)
    return sorted(keys) or ["object"], scalars or [None]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            out += _paths(item, (*prefix, index))
    return out


def _mutate(doc: Any, mutations: list[tuple[tuple[Any, ...], Any]]) -> Any:
    doc = copy.deepcopy(doc)
    for path, value in mutations:
        if not path:
            doc = value if value is not _DELETE else None
            continue
        parent = doc
        try:
            for step in path[:-1]:
                parent = parent[step]
            if value is _DELETE:
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    return doc


def _utf8_json(value: Any) -> bytes:
    """JSON as Meta sends it (raw UTF-8); with \\u escapes where a lone surrogate cannot be UTF-8."""
    try:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value).encode("utf-8")


def _strategy(t: ChannelUnderTest, kind: PropertyKind) -> Any:
    from hypothesis import strategies as st

    docs = _sample_documents(t)
    keys, scalars = _vocabulary(docs)
    leaves = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(ALPHABET, max_size=24)
        | st.sampled_from(scalars)
    )
    names = st.sampled_from(keys) | st.text(ALPHABET, max_size=8)
    json_values = st.recursive(
        leaves,
        lambda kids: st.lists(kids, max_size=4) | st.dictionaries(names, kids, max_size=5),
        max_leaves=24,
    )
    if kind == "json":
        return json_values.map(lambda v: json.dumps(v).encode("utf-8"))
    if kind == "mutated":
        def mutations(doc: Any) -> Any:
            step = st.tuples(st.sampled_from(_paths(doc)), json_values | st.just(_DELETE))
            return st.lists(step, min_size=1, max_size=3).map(lambda muts: _mutate(doc, muts))

        return st.sampled_from(docs).flatmap(mutations).map(_utf8_json)
    raw = [json.dumps(d).encode("utf-8") for d in docs]
    truncated = st.sampled_from(raw).flatmap(lambda b: st.integers(0, len(b)).map(lambda n: b[:n]))
    return st.binary(max_size=512) | truncated


def check_property(t: ChannelUnderTest, kind: PropertyKind) -> None:
    """Run the normalize property over generated bodies (deterministic seed, no example database)."""
    from hypothesis import HealthCheck, given, settings

    failing: list[bytes] = []

    @settings(
        max_examples=t.examples,
        deadline=None,
        database=None,
        derandomize=True,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(_strategy(t, kind))
    def normalize_never_crashes(body: bytes) -> None:
        failing[:] = [body]
        outcome_ok(t, body)

    try:
        normalize_never_crashes()
    except ContractViolation as exc:
        body = failing[0] if failing else b""
        raise ContractViolation(f"{exc}\nsmallest failing body ({len(body)} bytes): {short(body, 1000)}") from exc
