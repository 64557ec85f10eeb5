"""The contract checks, one module per area. Each check raises ContractViolation with a readable reason."""

from __future__ import annotations

import difflib
import json
from typing import Any


class ContractViolation(Exception):
    """A channel broke the contract; the message says what and how to fix it (never a secret value)."""


def pretty(data: Any) -> str:
    """Stable JSON text for diffs: sorted keys, two-space indent, non-ASCII kept readable."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)


def json_diff(expected: Any, actual: Any, *, expected_name: str = "expected", actual_name: str = "actual") -> str:
    """A unified diff of two JSON values, so a failing golden comparison shows exactly what moved."""
    lines = difflib.unified_diff(
        pretty(expected).splitlines(), pretty(actual).splitlines(), expected_name, actual_name, lineterm=""
    )
    return "\n".join(lines)


def short(data: bytes | str, limit: int = 160) -> str:
    """A bounded repr of an input, for failure messages about generated data."""
    text = repr(data)
    return text if len(text) <= limit else text[:limit] + f"... ({len(data)} long)"
