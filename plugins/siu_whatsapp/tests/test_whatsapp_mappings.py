"""Every event normalize returns is a plain mapping equal to its model's dump, and normalize imports no pydantic.

The connector queues a mapping as it is (contract 1.4) and only the labeler parses it: a mapping that
differs from what ``parse_event(mapping)`` dumps (a default left out, a number or a timestamp written
differently, a null kept) would be a different event on the queue than the models describe.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from siu_whatsapp.normalize import normalize_body
from siu_whatsapp.simulate import meta_json
from wa_testkit import contract_dir, manifest  # type: ignore[import-not-found, unused-ignore]  # tests/ is on sys.path

from siu_core.models import Unreadable, dump_event, parse_event
from siu_core.schemas import schema_errors

PNID = "106540352242922"


def _payload(*values: dict[str, Any], field: str = "messages", time_: int | None = None) -> bytes:
    entry: dict[str, Any] = {"id": "102290129340398", "changes": [{"value": v, "field": field} for v in values]}
    if time_ is not None:
        entry["time"] = time_
    return meta_json({"object": "whatsapp_business_account", "entry": [entry]})


def _value(**parts: Any) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "metadata": {"phone_number_id": PNID}, **parts}


def _msg(mid: str, kind: str, ts: Any = "1749416383", **parts: Any) -> dict[str, Any]:
    return {"from": "16505551234", "id": mid, "timestamp": ts, "type": kind, **parts}


#: Bodies the fixtures do not cover: every default, part and fallback a mapping may carry.
INLINE = {
    "every_status": _payload(_value(
        contacts=[{"profile": {"name": "S", "username": "s"}, "wa_id": "16505551234", "user_id": "US.1"}],
        statuses=[
            {"id": f"out.{s}", "status": s, "timestamp": "1749416390", "recipient_id": "16505551234"}
            for s in ("sent", "delivered", "read", "played")
        ] + [
            {"id": "out.f", "status": "failed", "timestamp": 1749416391000, "recipient_user_id": "US.1",
             "errors": [{"code": 131049, "title": "t", "message": "m", "error_data": {"details": "d"}}]},
            {"id": "out.x", "status": "failed", "timestamp": "soon", "recipient_id": "1", "errors": [{"code": ""}]},
        ],
    )),
    "annotations": _payload(_value(messages=[
        _msg("r1", "reaction", reaction={"message_id": "m0", "emoji": "\U0001f44d"}),
        _msg("r2", "reaction", reaction={"message_id": "m0", "emoji": ""}),
        _msg("e1", "edit", edit={"original_message_id": "m0", "message": {"type": "text", "text": {"body": "new"}}}),
        _msg("e2", "edit", edit={"original_message_id": "m0",
                                 "message": {"type": "image", "image": {"id": "9", "caption": "cap"}}}),
        _msg("v1", "revoke", revoke={"original_message_id": "m0"}),
    ])),
    "echoes": _payload(_value(message_echoes=[
        {"from": PNID, "to": "16505551234", "id": "x1", "timestamp": "1749416383", "type": "text",
         "text": {"body": "from the app"}},
        {"to": "16505551234", "id": "x2", "timestamp": "1749416384", "type": "reaction",
         "reaction": {"message_id": "m0", "emoji": "x"}},
    ]), field="smb_message_echoes"),
    "errors_fallback_times": _payload(_value(errors=[{"code": 130429, "title": "Rate limit hit"}]), time_=1749416000),
    "errors_payload_time": _payload(_value(errors=[{"code": "2", "error_data": "plain"}]),
                                    _value(messages=[_msg("m1", "text", text={"body": "hi"})])),
    "parts": _payload(_value(messages=[
        _msg("p1", "text", "1749416383000", text={"body": "hi"}, context={"id": "m0", "forwarded": True},
             referral={"source_type": "ad", "source_id": "1", "ctwa_clid": "c"}, errors=[{"code": 1}]),
        _msg("p2", "text", text={"body": "x"}, referral={}),
        _msg("p3", "location", location={"latitude": 1, "longitude": "2.5", "name": "n"}),
        _msg("p4", "order", order={"catalog_id": "c", "text": "", "product_items": [
            {"product_retailer_id": "a", "quantity": "2", "item_price": 3, "currency": "EUR"}, {"quantity": 1}]}),
        _msg("p5", "interactive", interactive={"type": "nfm_reply", "nfm_reply": {
            "name": "flow", "body": "Sent",
            "response_json": '{"flow_token": "t", "a": NaN, "b": [Infinity, 1e400, 1.5], "c": {"d": null}}'}}),
        _msg("p6", "contacts", contacts=[{"name": {"first_name": "A", "last_name": "B"},
                                          "phones": [{"wa_id": "1"}, {}], "emails": [{"email": "e@x"}]}]),
        _msg("p7", "audio", audio={"id": "a", "voice": True, "mime_type": "audio/ogg"}),
        _msg("p8", "document", document={"url": "https://x", "filename": "f.pdf", "caption": ""}),
        _msg("p9", "button", button={"text": "Yes", "payload": "y"}),
        _msg("p10", "unknown", errors=[{"code": 131051, "details": "inline"}]),
        _msg("p11", "text"),
    ])),
}


def _corpus() -> dict[str, bytes]:
    """Every webhook fixture the plugin ships (normalize cases and unknown bodies), and the inline bodies."""
    m = manifest()
    files = [case.webhook for case in m.normalize] + list(m.unknown)
    bodies = {name: (contract_dir() / name).read_bytes() for name in files}
    return {**bodies, **INLINE}


CORPUS = _corpus()


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_every_event_is_a_mapping_equal_to_its_models_dump(name: str) -> None:
    for event in normalize_body(CORPUS[name]):
        if isinstance(event, Unreadable):
            continue
        assert type(event) is dict, f"{name}: {type(event).__name__} returned, not a mapping"
        data = json.loads(json.dumps(event, allow_nan=False))
        assert schema_errors("event", data) == [], (name, event)
        assert data == event, "plain JSON data: what the queue carries is what was returned"
        assert dump_event(parse_event(data)) == event, (name, event)


def test_the_corpus_covers_every_event_kind_and_part() -> None:
    events = [e for body in CORPUS.values() for e in normalize_body(body) if not isinstance(e, Unreadable)]
    assert {e["type"] for e in events} == {"message", "echo", "reaction", "edit", "unsend", "status", "platform_error"}
    assert {e["status"] for e in events if e["type"] == "status"} == {"sent", "delivered", "read", "played", "failed"}
    assert {e.get("kind") for e in events if e["type"] == "message"} >= {
        "text", "image", "audio", "video", "file", "sticker", "location", "contact", "interactive", "order",
        "unsupported"}
    parts = {key for e in events for key, value in e.items() if value}
    assert parts >= {"reply_to", "forwarded", "referral", "errors", "error", "interaction", "location", "order",
                     "contacts", "attachments", "emoji"}


def test_flow_answers_that_are_no_json_numbers_are_nulls_as_the_model_writes_them() -> None:
    (event,) = [e for e in normalize_body(INLINE["parts"]) if isinstance(e, dict) and e["message_id"] == "p5"]
    assert isinstance(event, dict)
    assert event["interaction"]["fields"] == {"a": None, "b": [None, None, 1.5], "c": {"d": None}}


# normalize's own imports, in a fresh process: siu_core.plugin and siu_meta.graph first (what they import is
# their business), then pydantic and the models made unimportable; normalize must import and answer messages,
# statuses, reactions, edits, revokes, echoes and error reports without them.
_FRESH = """
import importlib.abc, json, sys
import siu_core, siu_core.plugin, siu_meta.graph
BLOCKED = ("pydantic", "pydantic_core", "siu_core.models")
def blocked(name):
    return name in BLOCKED or name.startswith(("pydantic.", "pydantic_core."))
for name in [m for m in sys.modules if blocked(m)]:
    del sys.modules[name]
siu_core.__dict__.pop("models", None)
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if blocked(name):
            raise ImportError(name + " imported")
sys.meta_path.insert(0, Refuse())
import siu_whatsapp.normalize as normalize
found = [e for body in json.loads(sys.stdin.read()) for e in normalize.normalize_body(body.encode())]
print(json.dumps(sorted({e["type"] for e in found})))
"""


def test_normalize_imports_no_pydantic_and_builds_no_model() -> None:
    bodies = [CORPUS[name].decode() for name in ("webhooks/text.json", "webhooks/statuses.json", "annotations",
                                                 "echoes", "errors_fallback_times")]
    out = subprocess.run([sys.executable, "-c", _FRESH], input=json.dumps(bodies), capture_output=True,  # noqa: S603
                         text=True, check=False, timeout=60, cwd=Path(__file__).parent)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == ["echo", "edit", "message", "platform_error", "reaction", "status", "unsend"]
