"""Replay a committed cassette with vcrpy, through the core's scrubbing, and watch what the plugin sends."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from siu_contract.checks import ContractViolation
from siu_core.cassettes import recorder


class TracingSession(requests.Session):
    """A fresh ``requests.Session`` that remembers every request and every one the cassette could not answer."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []
        self.unmatched: list[str] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Record the call, then let vcrpy answer it from the cassette."""
        from vcr.errors import CannotOverwriteExistingCassetteException

        self.sent.append(f"{request.method} {request.url}")
        try:
            return super().send(request, **kwargs)
        except CannotOverwriteExistingCassetteException as exc:
            self.unmatched.append(str(exc))
            raise


def recorded_interactions(path: Path) -> int:
    """How many interactions a cassette file holds; a violation when it is not a readable cassette."""
    if not path.is_file():
        raise ContractViolation(f"cassette {path.name} does not exist")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as exc:
        raise ContractViolation(f"cassette {path.name} is not readable: {type(exc).__name__}: {exc}") from exc
    interactions = data.get("interactions") if isinstance(data, dict) else None
    if not isinstance(interactions, list):
        raise ContractViolation(f"cassette {path.name} has no 'interactions' list")
    return len(interactions)


@contextmanager
def replay(path: Path, secrets: Mapping[str, str]) -> Iterator[Any]:
    """Play ``path`` back with ``record_mode="none"``: an unrecorded request fails instead of reaching out."""
    vcr = recorder(path.parent, record_mode="none", secrets=secrets)
    serializer = "json" if path.suffix == ".json" else "yaml"
    with vcr.use_cassette(path.name, serializer=serializer) as cassette:
        yield cassette


def unmatched_summary(message: str) -> str:
    """vcrpy's explanation of an unmatched request, without its generic how-to-record advice."""
    return message.split("\nHow to fix:", 1)[0].rstrip()


def traffic_problems(session: TracingSession, cassette: Any, recorded: int) -> list[str]:
    """What went wrong on the wire: unrecorded requests, calls outside the session, unplayed interactions."""
    problems: list[str] = []
    if session.unmatched:
        problems.append("a request is not in the cassette (sent a different request than recorded?):\n"
                        + unmatched_summary(session.unmatched[0]))
    played = int(cassette.play_count)
    if played > len(session.sent) - len(session.unmatched):
        problems.append(
            f"{played} interaction(s) were played but only {len(session.sent)} went through the given "
            "session: use the session passed in, never a global client"
        )
    if not cassette.all_played:
        problems.append(f"only {played} of {recorded} recorded interaction(s) were played")
    return problems
