"""Customers through the inbox API under moto: one record per conversation, the cross-channel view,
notes and tags, merge and unmerge (audited, idempotent), suggestions, scoping, and forgetting."""

from __future__ import annotations

from typing import Any

from inbox_support import call, deliver, thread_of, token_for
from pipeline_support import NOW, inbound

from siu_core.aws.names import resource_names
from siu_core.customers import Handle, forget_customer, handles_of
from siu_core.customers import record as person
from siu_core.models import Participant
from siu_core.store import audit, customers, ddb, keys

ADMIN = "boss"  # not on the test roster: token_for adds them as an admin


def _from(event: Any, **who: Any) -> Any:
    return event.model_copy(update={"customer": Participant(**who)})


def _two_people(inbox: Any) -> tuple[str, str, str, str]:
    """A WhatsApp customer (with phone) and an Instagram customer who typed the same phone: their threads and ids."""
    deliver([_from(inbound("w1", "Where is my order?", customer="15551230000"),
                   id="15551230000", phone="15551230000", name="Ana Lopez")], inbox.config)
    deliver([_from(inbound("i1", "my parcel never came, call me +1 555 123 0000", channel="instagram",
                           account="ig-acct", customer="ig181646332", at=NOW - timedelta_minutes(2)),
                   id="ig181646332", username="ana.lopez")], inbox.config)
    wa = thread_of("15551230000")
    ig = thread_of("ig181646332", channel="instagram", account="ig-acct")
    token = token_for(ADMIN, "admin")
    wa_id = call("GET", f"/api/threads/{wa['thread_id']}/customer", token=token).body["id"]
    ig_id = call("GET", f"/api/threads/{ig['thread_id']}/customer", token=token).body["id"]
    return str(wa["thread_id"]), str(ig["thread_id"]), wa_id, ig_id


def _set(item: dict[str, Any]) -> dict[str, Any]:
    """An item's attributes that hold something (an emptied pointer is the same as none)."""
    return {k: v for k, v in item.items() if v not in (None, [])}


def timedelta_minutes(n: int) -> Any:
    from datetime import timedelta

    return timedelta(minutes=n)


def test_a_first_message_creates_the_customer_and_the_thread_finds_it(inbox) -> None:
    wa_tid, _, wa_id, _ = _two_people(inbox)
    head = customers.get(keys.customer_key("whatsapp", "acct-1", "15551230000"))
    assert head is not None and head.person_id == wa_id and person.is_id(wa_id)
    body = call("GET", f"/api/customers/{wa_id}", token=token_for(ADMIN, "admin")).body
    assert body["name"] == "Ana Lopez" and body["notes"] == "" and body["tags"] == [] and body["version"] == 1
    (handle,) = body["handles"]
    assert handle["channel"] == "whatsapp" and handle["phone"] == "15551230000" and handle["id"] == "15551230000"
    assert [t["id"] for t in body["threads"]] == [wa_tid]
    assert handles_of(resource_names(), wa_id) == [Handle("whatsapp", "acct-1", "15551230000")]


def test_notes_and_tags_are_versioned_and_audited(inbox) -> None:
    _, _, wa_id, _ = _two_people(inbox)
    token = token_for(ADMIN, "admin")
    edited = call("PUT", f"/api/customers/{wa_id}", token=token,
                  body={"notes": "Prefers calls after 5pm", "tags": ["vip", "VIP", "wholesale"], "version": 1})
    assert edited.status == 200, edited.body
    assert edited.body["tags"] == ["vip", "wholesale"] and edited.body["version"] == 2
    stale = call("PUT", f"/api/customers/{wa_id}", token=token, body={"tags": [], "version": 1})
    assert stale.status == 409 and stale.body["error"]["code"] == "customer_changed"
    (row,) = [r for r in audit.for_scope(person.audit_scope(wa_id)) if r["action"] == "customer_edited"]
    assert row["by"] == f"user:{ADMIN}" and row["after"]["tags"] == ["vip", "wholesale"]
    assert "5pm" not in str(row)  # the audit keeps what changed, not the customer's details
    bad = call("PUT", f"/api/customers/{wa_id}", token=token, body={"tags": ["x"], "version": 2, "owner": "me"})
    assert bad.status == 422
    assert call("PUT", f"/api/customers/{wa_id}", token=token, body={"tags": ["x" * 41], "version": 2}).status == 422


def test_merge_joins_histories_routes_later_messages_and_unmerge_restores_both(inbox) -> None:
    wa_tid, ig_tid, wa_id, ig_id = _two_people(inbox)
    token = token_for(ADMIN, "admin")
    before = {pid: person.get(resource_names(), pid) for pid in (wa_id, ig_id)}
    merged = call("POST", f"/api/customers/{wa_id}/merge", token=token, body={"other": ig_id})
    assert merged.status == 200, merged.body
    assert merged.body["changed"] is True
    assert [t["id"] for t in merged.body["threads"]] == [ig_tid, wa_tid]  # one history, newest first
    assert {h["channel"] for h in merged.body["handles"]} == {"whatsapp", "instagram"}
    assert [m["id"] for m in merged.body["merged"]] == [ig_id]
    again = call("POST", f"/api/customers/{wa_id}/merge", token=token, body={"other": ig_id})
    assert again.status == 200 and again.body["changed"] is False  # a retry changes nothing
    # the merged-away id answers with the customer it belongs to; later messages on its handle land there
    via_ig = call("GET", f"/api/customers/{ig_id}", token=token).body
    assert via_ig["id"] == wa_id and via_ig["requested"] == ig_id
    deliver([_from(inbound("i2", "hello again", channel="instagram", account="ig-acct", customer="ig181646332",
                           at=NOW - timedelta_minutes(1)), id="ig181646332")], inbox.config)
    thread_view = call("GET", f"/api/threads/{ig_tid}/customer", token=token).body
    assert thread_view["id"] == wa_id
    assert set(handles_of(resource_names(), wa_id)) == {Handle("whatsapp", "acct-1", "15551230000"),
                                                         Handle("instagram", "ig-acct", "ig181646332")}
    refused = call("POST", f"/api/customers/{ig_id}/merge", token=token, body={"other": wa_id})
    assert refused.status == 409 and refused.body["error"]["code"] == "customer_merged"
    assert call("POST", f"/api/customers/{wa_id}/merge", token=token, body={"other": wa_id}).status == 409

    undone = call("POST", f"/api/customers/{wa_id}/unmerge", token=token, body={"other": ig_id})
    assert undone.status == 200 and undone.body["changed"] is True
    assert [t["id"] for t in undone.body["threads"]] == [wa_tid] and undone.body["merged"] == []
    assert call("POST", f"/api/customers/{wa_id}/unmerge", token=token, body={"other": ig_id}).body["changed"] is False
    after = {pid: person.get(resource_names(), pid) for pid in (wa_id, ig_id)}
    for pid in (wa_id, ig_id):  # both records exactly as they were, but for the version
        was, now = dict(before[pid] or {}), dict(after[pid] or {})
        assert now.pop("version") == was.pop("version") + 2
        assert _set(now) == _set(was)
    assert call("GET", f"/api/customers/{ig_id}", token=token).body["id"] == ig_id
    actions = [r["action"] for r in audit.for_scope(person.audit_scope(ig_id))]
    assert actions == ["customer_merged", "customer_unmerged"]


def test_suggestions_name_the_typed_phone_and_never_merge(inbox) -> None:
    _, _, wa_id, ig_id = _two_people(inbox)
    token = token_for(ADMIN, "admin")
    found = call("GET", f"/api/customers/{ig_id}/suggestions", token=token)
    assert found.status == 200, found.body
    assert found.body["suggestions"] == [{"id": wa_id, "name": "Ana Lopez", "reasons": ["typed_phone"],
                                          "channels": ["whatsapp"]}]
    assert not (person.get(resource_names(), ig_id) or {}).get("merged_into")  # suggested, never merged
    # the same phone on another account's conversation
    deliver([_from(inbound("w9", "hi", account="acct-2", customer="15551230000"), id="15551230000",
                   phone="+1 555 123 0000")], inbox.config)
    other = thread_of("15551230000", account="acct-2")
    other_id = call("GET", f"/api/threads/{other['thread_id']}/customer", token=token).body["id"]
    same = call("GET", f"/api/customers/{wa_id}/suggestions", token=token).body["suggestions"]
    assert [(s["id"], s["reasons"]) for s in same] == [(other_id, ["same_phone"])]


def test_a_teammate_sees_only_customers_of_threads_they_may_read(inbox) -> None:
    wa_tid, _, wa_id, ig_id = _two_people(inbox)
    thread = thread_of("15551230000")
    team = thread.get("team") or thread.get("queued_team")
    outsider = "cho" if team != "accounts" else "ana"
    assert call("GET", f"/api/customers/{wa_id}", token=token_for(outsider)).status == 404
    assert call("GET", f"/api/threads/{wa_tid}/customer", token=token_for(outsider)).status == 403
    assert call("POST", f"/api/customers/{ig_id}/merge", token=token_for(outsider),
                body={"other": wa_id}).status == 404
    assert call("GET", "/api/customers/cus_nothere", token=token_for(ADMIN, "admin")).status == 404
    assert call("GET", f"/api/customers/{'cus_' + '0' * 24}", token=token_for(ADMIN, "admin")).status == 404
    assert call("GET", f"/api/customers/{wa_id}").status == 401
    assert call("POST", f"/api/customers/{wa_id}/merge", token=token_for(ADMIN, "admin"),
                body={"other": "../x"}).status == 422


def test_forget_customer_removes_the_record_its_merges_contacts_and_lookups(inbox) -> None:
    _, _, wa_id, ig_id = _two_people(inbox)
    token = token_for(ADMIN, "admin")
    assert call("POST", f"/api/customers/{wa_id}/merge", token=token, body={"other": ig_id}).status == 200
    names = resource_names()
    forget_customer(names, wa_id)
    forget_customer(names, wa_id)  # idempotent
    assert person.get(names, wa_id) is None and person.get(names, ig_id) is None
    assert person.merge_records(names, wa_id) == []
    contact = list(ddb.query_all(names.composer, key_condition="#p = :p", names={"#p": "pk"},
                                 vals=ddb.values(p=person.contact_partition("phone", "+15551230000"))))
    assert contact == []
    head = customers.get(keys.customer_key("whatsapp", "acct-1", "15551230000"))
    assert head is not None and head.person_id is None
    assert handles_of(names, wa_id) == []


def test_a_conversation_the_business_opened_has_one_customer_when_the_customer_answers(inbox) -> None:
    from pipeline_support import echo

    deliver([echo("e1", "Your parcel is ready", customer="c-echo", at=NOW - timedelta_minutes(9))], inbox.config)
    head = customers.get(keys.customer_key("whatsapp", "acct-1", "c-echo"))
    assert head is not None and head.person_id is not None
    deliver([inbound("e2", "thanks, when can I pick it up?", customer="c-echo")], inbox.config)
    deliver([inbound("e2", "thanks, when can I pick it up?", customer="c-echo")], inbox.config)  # redelivered
    again = customers.get(keys.customer_key("whatsapp", "acct-1", "c-echo"))
    assert again is not None and again.person_id == head.person_id
    assert handles_of(resource_names(), head.person_id) == [Handle("whatsapp", "acct-1", "c-echo")]
    body = call("GET", f"/api/customers/{head.person_id}", token=token_for(ADMIN, "admin")).body
    assert len(body["threads"]) == 1 and body["version"] == 1
