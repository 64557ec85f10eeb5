"""Events -> queue bodies: one JSON object per event (a :class:`~siu_core.models.QueueMessage`), ASCII-safe.

The plugin's events are already validated models, or (contract 1.4) plain
:class:`~siu_core.event_data.MessageEventData` mappings, so a body is the event's own JSON inside the
queue message's fixed frame: the event is not validated a second time (the labeler parses every queue
message strictly; the contract suite checks every mapping against the event schema). Anything else a
plugin returns goes through :class:`~siu_core.models.QueueMessage` validation as before. Only that path
imports the models (a plugin that returns models has imported them already): mappings import no pydantic.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from json import JSONEncoder
from typing import TYPE_CHECKING, Any

from siu_core.event_data import EVENT_SCHEMA_VERSION, event_field, utc_text

if TYPE_CHECKING:
    from siu_core.models import QueueMessage

_dumps = JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_dumps_ascii = JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode


@cache
def event_classes() -> tuple[type, ...]:
    """The classes of the event union (a plugin's model events are instances of these), read once."""
    from siu_core.models import Event

    return typing.get_args(typing.get_args(Event)[0])


def queue_body(message: QueueMessage) -> str:
    """The SQS body of one event: JSON, ASCII-escaped so any customer text is a legal SQS body."""
    try:
        return message.model_dump_json(exclude_none=True, ensure_ascii=True)
    except ValueError:
        # Lone UTF-16 surrogates (a platform cut an emoji in half) cannot be encoded: replace them.
        from siu_core.models import QueueMessage

        data = _scrub(message.model_dump(mode="json", exclude_none=True))
        return QueueMessage.model_validate(data).model_dump_json(exclude_none=True, ensure_ascii=True)


def event_body(event: Any, received_at: datetime, stamp: str | None = None) -> str:
    """The queue body of one plugin event received at this time: equal to :func:`queue_body` of it.

    ``stamp`` is ``received_at`` already rendered (a delivery's events share it: rendered once).
    """
    stamp = stamp or utc_text(received_at)
    if type(event) is dict:
        return _mapping_body(event, stamp)
    if type(event) not in event_classes():
        return queue_body(queue_message(event, received_at))
    try:
        inner = event.model_dump_json(exclude_none=True)
        if not inner.isascii():  # escaping is dearer than the check: only text that needs it pays
            inner = event.model_dump_json(exclude_none=True, ensure_ascii=True)
    except ValueError:
        return queue_body(queue_message(event, received_at))
    return f'{{"schema_version":"{EVENT_SCHEMA_VERSION}","event":{inner},"received_at":"{stamp}"}}'


def queue_message(event: Any, received_at: datetime) -> QueueMessage:
    """The validated queue message of an event (models imported only here: the usual mapping needs none)."""
    from siu_core.models import QueueMessage

    return QueueMessage(event=event, received_at=received_at)


def _mapping_body(event: dict[str, Any], stamp: str) -> str:
    """A contract 1.4 event mapping framed as a queue body, with one JSON encoding (ASCII-escaped only if needed)."""
    inner = _dumps(event)
    if not inner.isascii():  # escaping is dearer than the check: only text that needs it pays
        try:
            inner.encode("utf-8")
            data: Any = event
        except UnicodeEncodeError:  # lone surrogates, as for models: replaced, never queued raw
            data = _scrub(event)
        inner = _dumps_ascii(data)
    return f'{{"schema_version":"{EVENT_SCHEMA_VERSION}","event":{inner},"received_at":"{stamp}"}}'


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def event_ids(events: Sequence[Any]) -> list[str]:
    """What a log line names an event by: its message id, or its kind and target (never its text)."""
    ids: list[str] = []
    for event in events:
        kind = event_field(event, "type")
        if kind in ("message", "echo"):
            ids.append(str(event_field(event, "message_id")))
        else:
            target = event_field(event, "target_message_id")
            kind = kind or type(event).__name__
            ids.append(f"{kind}:{target}" if target else str(kind))
    return ids
