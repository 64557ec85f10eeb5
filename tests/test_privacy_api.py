"""The admin routes for a customer's data on moto: export answers links that download the document and its
files; erase needs the id confirmed, is admin only, answers 202 when its time runs out and 200 when done."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from inbox_support import call, deliver, thread_of, token_for
from pipeline_support import inbound

from siu_core.aws import clients
from siu_core.aws.names import resource_names
from siu_core.inbox import privacy
from siu_core.store import audit, threads

SUBJECT = "whatsapp#acct-1#cust-1"
PATH = f"/api/admin/customers/{quote(SUBJECT, safe='')}"


def _object(url: str) -> bytes:
    """The object a presigned link names (in-process moto serves no HTTP: read it by its key)."""
    parts = urlsplit(url)
    assert {"Signature", "Expires"} <= set(parse_qs(parts.query)) or "X-Amz-Signature" in parts.query
    body: bytes = clients.s3().get_object(Bucket=resource_names().bucket,
                                          Key=unquote(parts.path.lstrip("/")))["Body"].read()
    return body


def test_export_is_admin_only_and_its_links_download(inbox: Any) -> None:
    deliver([inbound("m1", "Where is my order 5521?")], inbox.config)
    assert call("POST", f"{PATH}/export", token=token_for("ana")).status == 403
    answer = call("POST", f"{PATH}/export", token=token_for("boss", "admin"))
    assert answer.status == 200, answer.body
    assert answer.body["counts"]["messages"] == 1 and answer.body["expires_in"] == 3600
    doc = json.loads(_object(answer.body["document_url"]))
    assert [m["text"] for m in doc["messages"]] == ["Where is my order 5521?"]
    (snapshot,) = answer.body["files"]
    assert json.loads(_object(snapshot["url"]))["event"]["message_id"] == "m1"
    (row,) = audit.for_scope("privacy#exports")
    assert row["by"] == "user:boss" and "cust-1" not in json.dumps(row)


def test_erase_needs_the_id_confirmed_and_an_admin(inbox: Any) -> None:
    deliver([inbound("m1", "Where is my order?")], inbox.config)
    admin = token_for("boss", "admin")
    assert call("POST", f"{PATH}/erase", token=token_for("ana"), body={"confirm": SUBJECT}).status == 403
    wrong = call("POST", f"{PATH}/erase", token=admin, body={"confirm": "whatsapp#acct-1#cust-2"})
    assert wrong.status == 422 and wrong.body["error"]["code"] == "confirmation_mismatch"
    assert call("POST", f"{PATH}/erase", token=admin, body={}).status == 422
    bad = call("POST", "/api/admin/customers/nobody/erase", token=admin, body={"confirm": "nobody"})
    assert bad.status == 422 and bad.body["error"]["code"] == "invalid_customer_id"
    assert thread_of()  # nothing was erased
    done = call("POST", f"{PATH}/erase", token=admin, body={"confirm": SUBJECT})
    assert done.status == 200 and done.body["state"] == "erased" and done.body["counts"]["messages"] == 1
    assert threads.for_customer(SUBJECT) == []
    again = call("POST", f"{PATH}/erase", token=admin, body={"confirm": SUBJECT})
    assert again.status == 200 and again.body["state"] == "nothing_held"


def test_an_erasure_out_of_time_answers_202_and_the_next_call_finishes(inbox: Any, monkeypatch: Any) -> None:
    deliver([inbound("m1", "Where is my order?")], inbox.config)
    admin = token_for("boss", "admin")
    monkeypatch.setattr(privacy, "ERASE_BUDGET_S", -1.0)
    first = call("POST", f"{PATH}/erase", token=admin, body={"confirm": SUBJECT})
    assert first.status == 202 and first.body["state"] == "in_progress"
    monkeypatch.setattr(privacy, "ERASE_BUDGET_S", 9.0)
    second = call("POST", f"{PATH}/erase", token=admin, body={"confirm": SUBJECT})
    assert second.status == 200 and second.body["erasure_id"] == first.body["erasure_id"] and second.body["resumed"]


def test_an_export_out_of_time_answers_202_until_it_is_done(inbox: Any, monkeypatch: Any) -> None:
    deliver([inbound("m1", "Where is my order 5521?"), inbound("m2", "Hello?")], inbox.config)
    admin = token_for("boss", "admin")
    monkeypatch.setattr(privacy, "EXPORT_BUDGET_S", -1.0)
    first = call("POST", f"{PATH}/export", token=admin)
    assert first.status == 202 and first.body == {"state": "in_progress", "export_id": first.body["export_id"],
                                                  "counts": first.body["counts"]}
    assert call("POST", f"{PATH}/export", token=token_for("ana")).status == 403  # the roster, every call
    assert call("POST", f"{PATH}/export", token=admin, query="fresh=maybe").body["error"]["code"] == "invalid_fresh"
    monkeypatch.setattr(privacy, "EXPORT_BUDGET_S", 9.0)
    done = call("POST", f"{PATH}/export", token=admin)
    assert done.status == 200 and done.body["state"] == "done" and done.body["export_id"] == first.body["export_id"]
    assert done.body["counts"]["messages"] == 2 and done.body["expires_in"] == 3600
    assert [m["text"] for m in json.loads(_object(done.body["document_url"]))["messages"]] == [
        "Where is my order 5521?", "Hello?"]
    again = call("POST", f"{PATH}/export", token=admin)
    assert again.status == 200 and again.body["export_id"] == done.body["export_id"]  # not redone
    fresh = call("POST", f"{PATH}/export", token=admin, query="fresh=true")
    assert fresh.status == 200 and fresh.body["export_id"] != done.body["export_id"]
    rows = audit.for_scope("privacy#exports")
    assert sorted(r["ref"] for r in rows) == sorted([done.body["export_id"], fresh.body["export_id"]])
