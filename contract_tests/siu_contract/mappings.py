"""For a plugin's own tests: normalize's output with every event mapping (contract 1.4) checked and parsed.

A plugin may return messages as plain ``MessageEventData`` mappings; its tests read events as the models
the labeler parses them into. :func:`as_models` validates each mapping against the event schema (as the
suite's normalize checks do) and parses it, so a test that reads ``event.text`` also proves the mapping.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from siu_core.models import parse_event
from siu_core.schemas import schema_errors


def as_models(found: Iterable[Any]) -> list[Any]:
    """The same items, every mapping replaced by the event model it parses to (AssertionError if it is invalid)."""
    out = []
    for item in found:
        if isinstance(item, dict):
            data = json.loads(json.dumps(item, allow_nan=False))
            errors = schema_errors("event", data)
            assert errors == [], f"event mapping breaks the event schema: {errors[:3]}"
            item = parse_event(data)
        out.append(item)
    return out
