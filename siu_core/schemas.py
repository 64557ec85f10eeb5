"""Load the JSON Schema contracts (shipped inside the wheel) and validate data against them."""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

SCHEMA_NAMES = ("event", "labels")


def _schema_dir() -> Path:
    packaged = resources.files("siu_core").joinpath("schemas")
    if packaged.is_dir():
        return Path(str(packaged))
    # Editable install or checkout: the schemas live at the repository's top level.
    return Path(__file__).resolve().parent.parent / "schemas"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The named contract schema (``event`` or ``labels``) as a dict; cached, treat as read-only."""
    if name not in SCHEMA_NAMES:
        raise KeyError(f"unknown schema {name!r}; known: {', '.join(SCHEMA_NAMES)}")
    with (_schema_dir() / f"{name}.schema.json").open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


@cache
def _validator(name: str) -> Any:
    from jsonschema import Draft202012Validator

    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_errors(name: str, instance: Any) -> list[str]:
    """Every way ``instance`` breaks the named schema, as readable strings (empty when valid)."""
    errors = sorted(_validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}" for e in errors]


def labels_schema(topics: list[str]) -> dict[str, Any]:
    """The labels schema with ``topic`` narrowed to the configured taxonomy plus ``other``.

    This is what the model's output is forced to, so a label outside the taxonomy cannot appear.
    """
    schema = copy.deepcopy(load_schema("labels"))
    allowed = sorted({*topics, "other"})
    schema["properties"]["topic"] = {"type": "string", "enum": allowed}
    for key in ("$id", "examples"):
        schema.pop(key, None)
    return schema
