"""Tolerant readers for untrusted JSON values: each returns a typed value or ``None``, never raises."""

from __future__ import annotations

import math
from typing import Any


def obj(value: Any) -> dict[str, Any] | None:
    """A JSON object, or None: optional parts of a webhook item may be absent, null or mistyped."""
    return value if isinstance(value, dict) else None


def objects(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON list, skipping anything else, so one odd element costs only itself."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def text(value: Any) -> str | None:
    """A JSON string, or None: numbers and nulls are not silently turned into ids or text."""
    return value if isinstance(value, str) else None


def nonempty(value: Any) -> str | None:
    """A non-empty JSON string, or None: empty ids cannot key a message or a customer."""
    return value if isinstance(value, str) and value else None


def number(value: Any) -> float | None:
    """A finite JSON number (or numeric string), or None: NaN and infinities break JSON and schemas."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float):
        return None
    try:
        result = float(value)
    except OverflowError:
        return None
    return result if math.isfinite(result) else None
