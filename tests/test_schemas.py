"""The JSON Schemas are the contract; the pydantic models must agree with them both ways."""

from __future__ import annotations

import typing
from typing import Any

import pytest
from pydantic import BaseModel

from siu_core import models
from siu_core.models import Labels, dump_event, parse_event
from siu_core.schemas import labels_schema, load_schema, schema_errors

EVENT_DEFS = {
    "MessageEvent": models.MessageEvent,
    "ReactionEvent": models.ReactionEvent,
    "UnsendEvent": models.UnsendEvent,
    "EditEvent": models.EditEvent,
    "StatusEvent": models.StatusEvent,
    "PlatformErrorEvent": models.PlatformErrorEvent,
    "Participant": models.Participant,
    "Attachment": models.Attachment,
    "Location": models.Location,
    "ContactCard": models.ContactCard,
    "Story": models.Story,
    "Interaction": models.Interaction,
    "OrderItem": models.OrderItem,
    "Order": models.Order,
    "Referral": models.Referral,
    "PlatformError": models.PlatformError,
}


def _model_shape(model: type[BaseModel]) -> tuple[set[str], set[str]]:
    fields = set(model.model_fields)
    required = {n for n, f in model.model_fields.items() if f.is_required()}
    return fields, required


@pytest.mark.parametrize("name", sorted(EVENT_DEFS))
def test_event_schema_definitions_match_models(name: str) -> None:
    schema_def = load_schema("event")["$defs"][name]
    fields, required = _model_shape(EVENT_DEFS[name])
    assert set(schema_def["properties"]) == fields, f"{name}: schema and model fields differ"
    assert set(schema_def.get("required", [])) == required, f"{name}: required fields differ"
    assert schema_def["additionalProperties"] is False


def test_every_event_definition_is_covered() -> None:
    assert set(load_schema("event")["$defs"]) == set(EVENT_DEFS)
    union_refs = {ref["$ref"].rsplit("/", 1)[1] for ref in load_schema("event")["oneOf"]}
    union = typing.get_args(models.Event)[0]
    assert union_refs == {cls.__name__ for cls in typing.get_args(union)}


def test_enums_match_models() -> None:
    defs = load_schema("event")["$defs"]
    kind = models.MessageEvent.model_fields["kind"].annotation
    assert set(defs["MessageEvent"]["properties"]["kind"]["enum"]) == set(kind.__args__)  # type: ignore[union-attr]
    att = models.Attachment.model_fields["type"].annotation
    assert set(defs["Attachment"]["properties"]["type"]["enum"]) == set(att.__args__)  # type: ignore[union-attr]
    status = models.StatusEvent.model_fields["status"].annotation
    assert set(defs["StatusEvent"]["properties"]["status"]["enum"]) == set(status.__args__)  # type: ignore[union-attr]
    assert set(models.STATUS_RANK) == set(status.__args__)  # type: ignore[union-attr]


@pytest.mark.parametrize("example", load_schema("event")["examples"], ids=lambda e: f"{e['channel']}-{e['type']}")
def test_event_examples_parse_and_round_trip(example: dict[str, Any]) -> None:
    assert schema_errors("event", example) == []
    event = parse_event(example)
    dumped = dump_event(event)
    assert schema_errors("event", dumped) == []
    assert parse_event(dumped) == event


def test_labels_schema_matches_model() -> None:
    schema = load_schema("labels")
    fields, required = _model_shape(Labels)
    assert set(schema["properties"]) == fields
    assert set(schema["required"]) == required
    for example in schema["examples"]:
        labels = Labels.model_validate(example)
        assert schema_errors("labels", labels.model_dump(mode="json")) == []


def test_labels_schema_narrows_topic_to_taxonomy() -> None:
    from jsonschema import Draft202012Validator

    schema = labels_schema(["billing", "shipping"])
    v = Draft202012Validator(schema)
    ok = {"topic": "billing", "urgency": "normal", "language": "en", "summary": "s", "labeler": "rules"}
    assert not list(v.iter_errors(ok))
    assert list(v.iter_errors({**ok, "topic": "refunds"}))
    assert set(schema["properties"]["topic"]["enum"]) == {"billing", "shipping", "other"}


def test_schema_rejects_what_model_rejects() -> None:
    bad = {"type": "message", "channel": "Bad-Name", "account_id": "1", "customer": {"id": "c"},
           "timestamp": "2024-01-01T00:00:00Z", "message_id": "m", "kind": "text"}
    assert schema_errors("event", bad)
    with pytest.raises(ValueError):
        parse_event(bad)
    extra = {**bad, "channel": "ok", "surprise": 1}
    assert schema_errors("event", extra)
    with pytest.raises(ValueError):
        parse_event(extra)


def test_naive_timestamps_become_utc() -> None:
    ev = parse_event({"type": "unsend", "channel": "x", "account_id": "1", "customer": {"id": "c"},
                      "timestamp": "2024-01-01T08:00:00+08:00", "target_message_id": "m"})
    assert dump_event(ev)["timestamp"] == "2024-01-01T00:00:00Z"


def test_reply_request_needs_exactly_one_body() -> None:
    base = {"channel": "x", "account_id": "1", "recipient": {"id": "c"}, "idempotency_key": "k"}
    models.ReplyRequest.model_validate({**base, "text": "hi"})
    with pytest.raises(ValueError):
        models.ReplyRequest.model_validate(base)
    with pytest.raises(ValueError):
        models.ReplyRequest.model_validate({**base, "text": "hi", "template": {"name": "t", "language": "en"}})
