"""Whatever a form carries, normalize answers schema-valid events or MalformedPayload, never another exception.

The contract suite's generated bodies are JSON, which a Twilio form parser refuses at once; these
mutate the shipped form samples field by field (deleted, emptied, replaced, duplicated, added), so the
checks behind the envelope are reached too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from siu_twilio.normalize import normalize_body
from tw_testkit import CONTRACT  # type: ignore[import-not-found, unused-ignore]

from siu_core.errors import MalformedPayload
from siu_core.models import dump_event
from siu_core.schemas import schema_errors

SAMPLES = [parse_qsl(p.read_text(encoding="ascii"), keep_blank_values=True)
           for p in sorted((CONTRACT / "webhooks").glob("*.form"))]
NAMES = sorted({name for sample in SAMPLES for name, _ in sample} | {"MediaUrl5", "Latitude", "ListId"})
TEXT = st.text("abcXYZ019 +-:./%&=éü😀\x00\n" + "\u202e", max_size=40)
VALUES = TEXT | st.sampled_from(sorted({v for s in SAMPLES for _, v in s})) | st.sampled_from(
    ["", "0", "10", "11", "-1", "nan", "inf", "1e400", "whatsapp:", "+", "SM" + "f" * 32, "received", "failed"])
NOW = datetime(2026, 2, 10, 12, tzinfo=UTC)


@st.composite
def mutated_forms(draw: st.DrawFn) -> list[tuple[str, str]]:
    form = list(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["delete", "replace", "duplicate", "add"]))
        if action in ("delete", "replace", "duplicate") and form:
            index = draw(st.integers(0, len(form) - 1))
            name, _value = form[index]
            if action == "delete":
                del form[index]
            elif action == "replace":
                form[index] = (name, draw(VALUES))
            else:
                form.append((name, draw(VALUES)))
        else:
            form.append((draw(st.sampled_from(NAMES) | TEXT), draw(VALUES)))
    return form


@settings(max_examples=300, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(mutated_forms())
def test_mutated_forms_give_valid_events_or_malformed(form: list[tuple[str, str]]) -> None:
    try:
        events = normalize_body(urlencode(form).encode("utf-8", "surrogatepass"), {}, NOW)
    except MalformedPayload:
        return
    for event in events:
        dumped = dump_event(event)
        assert schema_errors("event", dumped) == [], (form, dumped)
        assert dumped["channel"] == "twilio"
