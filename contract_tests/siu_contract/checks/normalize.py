"""Normalize checks: golden expectations, schema validity, batches (whole and partial), unknown and
malformed bodies, and the declared handling of edits, deletions and unknown message kinds."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ValidationError

from siu_contract.checks import ContractViolation, json_diff, pretty
from siu_contract.manifest import NormalizeCase, ShapeCase
from siu_contract.target import ChannelUnderTest
from siu_core.cassettes import confidential_secrets
from siu_core.errors import MalformedPayload
from siu_core.models import SimulatedMessage, Unreadable, dump_event, parse_event
from siu_core.schemas import schema_errors


def normalized(
    t: ChannelUnderTest, body: bytes, headers: Mapping[str, str] | None = None
) -> tuple[list[dict[str, Any]], list[Unreadable]]:
    """Normalize through core dispatch: every event dumped, and the items set aside as Unreadable.

    Raises a violation for anything that is neither, or an Unreadable the core could not keep.
    """
    full = t.headers(headers)
    found = t.channel.normalize(body, full, t.settings, account_id=t.manifest.account_id,
                                request=t.request(body, full))
    out: list[dict[str, Any]] = []
    unreadable: list[Unreadable] = []
    for index, event in enumerate(found):
        if isinstance(event, Unreadable):
            unreadable.append(_keepable(t, event, index))
            continue
        if isinstance(event, dict):
            out.append(_mapping_event(event, index))
            continue
        if not isinstance(event, BaseModel):
            raise ContractViolation(
                f"normalize returned a {type(event).__name__} at index {index}; return siu_core.models events "
                "or event mappings (contract 1.4)"
            )
        out.append(dump_event(event))
    return out, unreadable


def _mapping_event(event: dict[str, Any], index: int) -> dict[str, Any]:
    """An event mapping (contract 1.4) the core queues as it is: JSON, valid against the event schema, parsable."""
    try:
        data = json.loads(json.dumps(event, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ContractViolation(f"event mapping at index {index} is not plain JSON data ({exc})") from None
    errors = schema_errors("event", data)
    if errors:
        detail = "; ".join([err[:200] for err in errors[:3]] + _model_errors(data))
        raise ContractViolation(f"event mapping at index {index} breaks the event schema: {detail}")
    try:
        return dump_event(parse_event(data))
    except ValidationError as exc:
        raise ContractViolation(f"event mapping at index {index} does not parse as an event: {exc}") from None


def _keepable(t: ChannelUnderTest, item: Unreadable, index: int) -> Unreadable:
    """An Unreadable the core can store: this channel's, and its raw item a JSON value."""
    if item.channel != t.name:
        raise ContractViolation(f"Unreadable at index {index}: channel is {item.channel!r}, not {t.name!r}")
    try:
        json.dumps(item.raw)
    except (TypeError, ValueError) as exc:
        raise ContractViolation(
            f"Unreadable at index {index} ({item.path}): raw is not a JSON value ({exc}); pass the item as parsed"
        ) from None
    return item


def dumped_events(t: ChannelUnderTest, body: bytes, headers: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Normalize through core dispatch and dump every event (items set aside as Unreadable are not events)."""
    return normalized(t, body, headers)[0]


def _model_errors(event: dict[str, Any]) -> list[str]:
    """Pydantic's field-level reading of a schema failure (the schema's oneOf only says "none matched")."""
    try:
        parse_event(event)
    except ValidationError as exc:
        return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]]
    return []


def schema_problems(t: ChannelUnderTest, events: list[dict[str, Any]]) -> list[str]:
    """Every way the events break the event schema or leave this channel's name."""
    problems: list[str] = []
    for index, event in enumerate(events):
        errors = schema_errors("event", event)
        if errors:
            problems += [f"event {index}: {err[:200]}" for err in errors]
            problems += [f"event {index}: {err}" for err in _model_errors(event)]
        if event.get("channel") != t.name:
            problems.append(f"event {index}: channel is {event.get('channel')!r}, not {t.name!r}")
    return problems


def check_case(t: ChannelUnderTest, case: NormalizeCase) -> None:
    """The sample yields schema-valid events equal to its golden file, and the same ones every time."""
    body = t.fixtures.read_bytes(case.webhook)
    events, unreadable = normalized(t, body, case.headers)
    paths = [u.path for u in unreadable]
    if paths != case.unreadable:
        raise ContractViolation(
            f"{case.webhook}: normalize set aside {paths or 'no item'} as Unreadable; the manifest says "
            f"{case.unreadable or 'none'} (list them in the case's 'unreadable')"
        )
    problems = schema_problems(t, events)
    if problems:
        raise ContractViolation(
            f"{case.webhook}: events break schemas/event.schema.json:\n  " + "\n  ".join(problems)
        )
    expected = t.fixtures.read_json(case.expected)
    if events != expected:
        raise ContractViolation(
            f"{case.webhook} does not normalize to {case.expected}:\n"
            + json_diff(expected, events, expected_name=case.expected, actual_name="normalize()")
        )
    again = dumped_events(t, body, case.headers)
    if again != events:
        raise ContractViolation(
            f"{case.webhook}: normalize is not deterministic (a second call differs):\n" + json_diff(events, again)
        )


def check_batch(t: ChannelUnderTest) -> None:
    """At least one sample carries several events and every one of them comes out (no first-only bugs)."""
    best = 0
    for case in t.manifest.normalize:
        best = max(best, len(dumped_events(t, t.fixtures.read_bytes(case.webhook), case.headers)))
    if best < 2:
        raise ContractViolation(
            "no normalize case yields more than one event: add a batched webhook "
            "(several entries / changes / messages in one POST), or skip 'normalize.batch' with a reason"
        )


def check_partial_batch(t: ChannelUnderTest) -> None:
    """One unreadable item costs only itself: a sample sets it aside and still yields the good items' events."""
    for case in t.manifest.normalize:
        if not case.unreadable:
            continue
        events, unreadable = normalized(t, t.fixtures.read_bytes(case.webhook), case.headers)
        if events and [u.path for u in unreadable] == case.unreadable:
            return
    raise ContractViolation(
        "no normalize case has an unreadable item beside readable ones: add a batch with one bad item, list its "
        "path in the case's 'unreadable' (normalize returns an Unreadable in its place), or skip "
        "'normalize.partial_batch' with a reason"
    )


#: The event type that carries each shape handled as an ``event``.
SHAPE_EVENT_TYPES = {"edit": "edit", "deletion": "unsend"}


def check_shape(t: ChannelUnderTest, shape: str, case: ShapeCase) -> None:
    """The plugin does with an edit, a deletion or an unknown message kind what its manifest declares."""
    assert case.webhook is not None  # the plan does not run not_on_platform shapes
    events, unreadable = normalized(t, t.fixtures.read_bytes(case.webhook))
    where = f"shapes.{shape} ({case.webhook}, handling {case.handling!r})"
    if unreadable:
        raise ContractViolation(f"{where}: set aside as Unreadable ({unreadable[0].reason}); it is a known shape")
    problems = schema_problems(t, events)
    if problems:
        raise ContractViolation(f"{where}: events break the schema:\n  " + "\n  ".join(problems))
    types = [e.get("type") for e in events]
    if case.handling == "event":
        wanted = SHAPE_EVENT_TYPES[shape]
        if wanted not in types or "message" in types:
            raise ContractViolation(
                f"{where}: expected {wanted!r} event(s) and no new message, got types {types}:\n{pretty(events)}")
    elif case.handling == "unsupported":
        if not any(e.get("type") == "message" and e.get("kind") == "unsupported" for e in events):
            raise ContractViolation(
                f"{where}: expected a message of kind 'unsupported' (so the thread shows it), got:\n{pretty(events)}")
    elif events:
        raise ContractViolation(f"{where}: declared ignored, but got {len(events)} event(s):\n{pretty(events)}")


def check_unknown(t: ChannelUnderTest, relative: str) -> None:
    """An event kind the channel does not handle yields nothing and raises nothing."""
    body = t.fixtures.read_bytes(relative)
    try:
        events, unreadable = normalized(t, body)
    except Exception as exc:
        raise ContractViolation(
            f"{relative}: normalize raised {type(exc).__name__}: {exc}; unknown events must yield []"
        ) from exc
    if events:
        raise ContractViolation(f"{relative}: expected no events, got {len(events)}:\n{pretty(events)}")
    if unreadable:
        raise ContractViolation(
            f"{relative}: an event kind the channel does not handle is not unreadable; got {len(unreadable)} "
            f"Unreadable ({unreadable[0].path}: {unreadable[0].reason})")


def check_malformed(t: ChannelUnderTest, relative: str) -> None:
    """A body the channel cannot read raises MalformedPayload (the connector answers 400), nothing else."""
    body = t.fixtures.read_bytes(relative)
    try:
        events = dumped_events(t, body)
    except MalformedPayload:
        return
    except Exception as exc:
        raise ContractViolation(
            f"{relative}: normalize raised {type(exc).__name__}: {exc}; expected MalformedPayload"
        ) from exc
    raise ContractViolation(f"{relative}: expected MalformedPayload, got {len(events)} event(s)")


def check_no_secrets(t: ChannelUnderTest) -> None:
    """No credential the channel is configured with ever lands in an event (events are stored and shown)."""
    secrets = confidential_secrets(t.secrets)
    for case in t.manifest.normalize:
        body = t.fixtures.read_bytes(case.webhook)
        text = json.dumps(dumped_events(t, body, case.headers), ensure_ascii=False)
        leaked = sorted(field for field, value in secrets.items() if value in text)
        if leaked:
            raise ContractViolation(f"{case.webhook}: normalized events contain the value of secret(s) {leaked}")


#: What the round trip sends: unicode, quotes and backslashes, two senders, whole-second timestamps.
SIMULATED = (
    SimulatedMessage(
        sender_id="15550101001",
        sender_name="Jürgen Kontrakt",
        text="Hallo! Ist mein Päckchen 📦 schon unterwegs?",
        message_id="contract.msg.1",
        timestamp=datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC),
    ),
    SimulatedMessage(
        sender_id="15550101002",
        text='Second "quoted" line with a \\ backslash',
        message_id="contract.msg.2",
        timestamp=datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC) + timedelta(minutes=1),
    ),
)


def check_simulate_roundtrip(t: ChannelUnderTest) -> None:
    """simulate_webhook builds what the platform would send: it verifies and normalizes back to the input."""
    requests = t.channel.simulate_webhooks(list(SIMULATED), t.manifest.account_id, t.secrets, t.settings,
                                           url=t.webhook_url)
    events: list[dict[str, Any]] = []
    renamed: dict[str, str] = {}
    for request in requests:
        try:
            t.channel.verify_signature(request.body, request.headers, t.secrets,
                                       request=t.request(request.body, request.headers))
        except Exception as exc:
            raise ContractViolation(
                f"the simulated webhook does not verify: {type(exc).__name__}: {exc}"
            ) from exc
        events += dumped_events(t, request.body, request.headers)
        renamed.update(request.message_ids)
    problems = schema_problems(t, events)
    if problems:
        raise ContractViolation("simulated webhook events break the schema:\n  " + "\n  ".join(problems))
    got = [
        {
            "message_id": e.get("message_id"),
            "sender": e.get("customer", {}).get("id"),
            "text": e.get("text"),
            "timestamp": e.get("timestamp"),
            "account_id": e.get("account_id"),
        }
        for e in events
        if e.get("type") == "message"
    ]
    want = [
        {
            "message_id": renamed.get(m.message_id, m.message_id),
            "sender": m.sender_id,
            "text": m.text,
            "timestamp": m.timestamp.isoformat().replace("+00:00", "Z"),
            "account_id": t.manifest.account_id,
        }
        for m in SIMULATED
    ]
    if got != want:
        raise ContractViolation(
            "the simulated webhook does not normalize back to the simulated messages:\n"
            + json_diff(want, got, expected_name="simulated", actual_name="normalize()")
        )
