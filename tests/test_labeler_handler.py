"""The labeler handler on moto: dedupe, threads, labels, routing, reopen, echoes, statuses, failures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from pipeline_support import (
    NOW,
    counters,
    dump_state,
    echo,
    failed_ids,
    inbound,
    install_services,
    open_threads_by_assignee,
    reaction,
    records,
    run_batch,
    sqs_event,
    status,
    unsend,
)

from siu_core import obs
from siu_core.accounts import ChannelAccounts, channel_accounts
from siu_core.aws import clients
from siu_core.handlers import labeler as handler_module
from siu_core.labeling import LabelInput
from siu_core.models import Attachment, ChannelInfo, Labels, MediaContent, PlatformError
from siu_core.pipeline.router import drain_unassigned
from siu_core.store import (
    assignments,
    audit,
    customers,
    ddb,
    keys,
    lifecycle,
    messages,
    roster,
    snapshots,
    threads,
)

CUST = keys.customer_key("whatsapp", "acct-1", "cust-1")


@pytest.fixture
def metrics(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, float]]:
    seen: list[tuple[str, float]] = []
    monkeypatch.setattr(obs, "metric", lambda name, value=1, unit="Count", **dims: seen.append((name, value)))
    return seen


@pytest.fixture
def pipeline(aws):
    install_services(aws.config)
    return aws


def head(customer: str = "cust-1") -> customers.CurrentThread:
    found = customers.get(keys.customer_key("whatsapp", "acct-1", customer))
    assert found is not None
    return found


def thread(customer: str = "cust-1") -> dict[str, Any]:
    found = threads.get(head(customer).thread_id)
    assert found is not None
    return found


def thread_messages(thread_id: str) -> list[dict[str, Any]]:
    return list(messages.list_thread(thread_id))


def actions(thread_id: str) -> list[str]:
    return [r["action"] for r in audit.for_scope(thread_id)]


def test_a_new_message_is_labeled_threaded_assigned_and_audited(pipeline, metrics) -> None:
    response = run_batch([inbound("m1", "Where is my order? It has not arrived")])
    assert response == {"batchItemFailures": []}
    t = thread()
    assert t["status"] == "open" and t["topic"] == "shipping" and t["team"] == "care"
    assert t["assignee"] == "ana" and t["labeler"] == "rules" and t["message_count"] == 1
    [m] = thread_messages(t["thread_id"])
    assert m["text"] == "Where is my order? It has not arrived" and m["labels"]["topic"] == "shipping"
    assert snapshots.get(m["snapshot_key"])
    assert sorted(actions(t["thread_id"])) == ["assigned", "message_in", "thread_opened"]
    [row] = assignments.open_rows("ana")
    assert row["thread_id"] == t["thread_id"] and row["reason"] == "round_robin"
    assert row["sla_due"] == keys.ts(NOW - timedelta(minutes=5) + timedelta(hours=4))
    assert counters() == {"ana": 1}
    assert ("MessagesIn", 1) in metrics


def test_the_same_message_id_again_has_no_effect(pipeline, metrics) -> None:
    run_batch([inbound("m1", "Where is my order?")])
    before = dump_state()
    response = run_batch([inbound("m1", "Where is my order?"), inbound("m1", "Where is my order?")],
                         received_at=NOW + timedelta(hours=30))
    assert response == {"batchItemFailures": []}
    assert dump_state() == before
    assert metrics.count(("Duplicates", 1)) == 2


def test_a_duplicate_in_the_same_batch_is_also_a_no_op(pipeline) -> None:
    run_batch([inbound("m1", "Where is my order?"), inbound("m1", "Where is my order?")])
    assert thread()["message_count"] == 1 and counters() == {"ana": 1}


def test_repeated_content_is_appended_but_not_labeled_or_routed(pipeline) -> None:
    run_batch([inbound("m1", "Where is my order?"), inbound("m2", "where is my   ORDER?",
                                                            at=NOW - timedelta(minutes=4))])
    t = thread()
    first, second = thread_messages(t["thread_id"])
    assert second["duplicate_of"] == first["message_key"] and "labels" not in second
    assert t["message_count"] == 2 and t["assignment_seq"] == 1 and counters() == {"ana": 1}
    # The same words after the dedupe window are a new message: labeled again (same open thread).
    run_batch([inbound("m3", "Where is my order?", at=NOW + timedelta(hours=73))], now=NOW + timedelta(hours=73))
    third = thread_messages(t["thread_id"])[-1]
    assert "duplicate_of" not in third and third["labels"]["topic"] == "shipping"


def test_reopen_inside_the_window_goes_back_to_the_previous_assignee(pipeline) -> None:
    run_batch([inbound("m1", "Where is my order?")])
    t = thread()
    assert lifecycle.close_thread(t["thread_id"], by="user:ana", at=NOW)
    assert counters() == {} and head().status == "closed"
    run_batch([inbound("m2", "Still no parcel!", customer="cust-9")])  # ben gets the next turn...
    later = NOW + timedelta(days=2)
    run_batch([inbound("m3", "Hello? my order", at=later)], now=later)
    again = thread()
    assert again["thread_id"] == t["thread_id"] and again["status"] == "open"
    assert again["assignee"] == "ana" and again["reopen_count"] == 1  # ...but the reopen goes to ana
    assert "reopened" in actions(t["thread_id"])
    assert [r["status"] for r in assignments.history(t["thread_id"])] == ["closed", "open"]
    assert counters() == {"ana": 1, "ben": 1} == open_threads_by_assignee()


def test_reopen_routes_afresh_when_the_previous_assignee_is_away(pipeline) -> None:
    run_batch([inbound("m1", "Where is my order?")])
    lifecycle.close_thread(thread()["thread_id"], by="user:ana", at=NOW)
    roster.set_status("ana", "away", by="user:ana", at=NOW)
    later = NOW + timedelta(days=1)
    run_batch([inbound("m2", "hello again, my order?", at=later)], now=later)
    assert thread()["assignee"] == "ben"


def test_after_the_reopen_window_a_new_thread_starts(pipeline) -> None:
    run_batch([inbound("m1", "Where is my order?")])
    first = thread()["thread_id"]
    lifecycle.close_thread(first, by="user:ana", at=NOW)
    later = NOW + timedelta(days=8)  # a Thursday, in hours
    run_batch([inbound("m2", "new question about delivery", at=later)], now=later)
    h = head()
    assert h.seq == 2 and h.thread_id != first and h.status == "open"
    assert threads.get(first)["status"] == "closed"  # type: ignore[index]
    assert thread()["assignee"] == "ana"  # the returning customer's previous assignee, still eligible
    assert [t["thread_id"] for t in threads.for_customer(CUST)] == [h.thread_id, first]


def test_echoes_are_outbound_messages_and_own_replies_are_not_doubled(pipeline) -> None:
    run_batch([inbound("m1", "Where is my order?")])
    t = thread()
    reply_key = keys.message_key("whatsapp", "acct-1", "wamid.reply")
    ddb.run(messages.put_outbound_op({"message_key": reply_key, "thread_id": t["thread_id"], "direction": "out",
                                      "sort_key": keys.sort_key(NOW, "wamid.reply"), "text": "On its way!",
                                      "sent_by": "user:ana"}))
    run_batch([echo("wamid.reply", "On its way!", own_app=True), echo("e2", "Sent from the phone app")])
    msgs = thread_messages(t["thread_id"])
    assert [m["message_id"] if "message_id" in m else m["message_key"] for m in msgs].count(reply_key) <= 1
    assert len(msgs) == 3
    phone = next(m for m in msgs if m["message_key"].endswith("#e2"))
    assert phone["direction"] == "out" and phone["sent_by"] == "business_app"
    assert threads.get(t["thread_id"])["outbound_count"] == 1  # type: ignore[index]


def test_a_conversation_the_business_starts_waits_for_the_customer(pipeline) -> None:
    run_batch([echo("e1", "Your order shipped")])
    t = thread()
    assert t["status"] == "closed" and t["started_by"] == "business" and counters() == {}
    run_batch([inbound("m1", "Thanks! when is the delivery?")])
    t = thread()
    assert t["status"] == "open" and t["topic"] == "shipping" and t["assignee"] == "ana"


def test_statuses_only_move_forward(pipeline) -> None:
    run_batch([inbound("m1", "Where is my order?"), echo("e1", "On its way")])
    run_batch([status(["e1"], "read")])
    run_batch([status(["e1"], "delivered")])  # late and older: ignored
    e1 = messages.get(keys.message_key("whatsapp", "acct-1", "e1"))
    assert e1 is not None and e1["status"] == "read"
    run_batch([status(["e1"], "failed", error=PlatformError(code=131047, title="Re-engagement message"))])
    run_batch([status(["e1"], "read")])
    e1 = messages.get(keys.message_key("whatsapp", "acct-1", "e1"))
    assert e1 is not None and e1["status"] == "failed" and e1["status_error"]["code"] == 131047


def test_a_read_watermark_marks_the_thread(pipeline) -> None:
    run_batch([inbound("m1", "Where is my order?")])
    mark = NOW - timedelta(minutes=1)
    run_batch([status([], "read", watermark=mark)])
    run_batch([status([], "read", watermark=mark - timedelta(hours=1))])
    assert thread()["watermark_read"] == keys.ts(mark)


def test_reactions_unsends_and_edits_annotate_the_target(pipeline) -> None:
    run_batch([inbound("m1", "Where is my order?"), reaction("m1", "👍"), unsend("m1")])
    m1 = messages.get(keys.message_key("whatsapp", "acct-1", "m1"))
    assert m1 is not None and m1["reaction_customer"]["emoji"] == "👍" and m1["deleted"] and "text" not in m1
    assert {"reaction", "unsent"} <= set(actions(thread()["thread_id"]))
    assert thread()["message_count"] == 1  # annotations are not messages


def test_an_unsend_that_overtakes_its_message_still_hides_the_text(pipeline) -> None:
    run_batch([unsend("m1", at=NOW)])
    run_batch([inbound("m1", "oops, private text")])
    m1 = messages.get(keys.message_key("whatsapp", "acct-1", "m1"))
    assert m1 is not None and messages.is_stored(m1) and m1["deleted"] and "text" not in m1


def test_a_bad_record_fails_alone(pipeline) -> None:
    event = sqs_event([inbound("m1", "Where is my order?")])
    event["Records"].append({**event["Records"][0], "messageId": "bad", "body": "{not json"})
    response = run_batch(event=event)
    assert failed_ids(response) == {"bad"}
    assert thread()["message_count"] == 1


def test_a_failure_holds_back_that_customers_later_events(pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    real = snapshots.put_event

    def flaky(ev: Any, received_at: Any) -> str:
        if getattr(ev, "message_id", "") == "m1":
            raise RuntimeError("S3 hiccup")
        return real(ev, received_at)

    monkeypatch.setattr(snapshots, "put_event", flaky)
    batch = [inbound("m1", "first"), inbound("m2", "second", at=NOW - timedelta(minutes=4)),
             inbound("m3", "other customer", customer="cust-2")]
    response = run_batch(batch)
    assert failed_ids(response) == {"rec-0", "rec-1"}
    assert customers.get(CUST) is None and head("cust-2").status == "open"
    monkeypatch.setattr(snapshots, "put_event", real)
    response = run_batch(batch[:2])
    assert failed_ids(response) == set()
    first, second = thread_messages(thread()["thread_id"])
    assert (first["message_id"], second["message_id"]) == ("m1", "m2")
    assert thread()["first_message_key"].endswith("#m1")


def test_a_record_failing_its_last_receive_is_counted_as_dlq_bound(pipeline, metrics) -> None:
    event = {"Records": records([inbound("m1", "x")], receive_count=5)}
    event["Records"][0]["body"] = "{}"
    assert failed_ids(run_batch(event=event)) == {"rec-0"}
    assert ("DlqBound", 1) in metrics


def test_a_malformed_event_mapping_is_retried_then_dead_lettered(pipeline, metrics) -> None:
    # Contract 1.4: the connector queues a plugin's mapping as it is; the labeler's strict parse is the check.
    from siu_core.connector.bodies import event_body

    mapping = {"type": "message", "channel": "whatsapp", "account_id": "", "customer": {"id": CUST},
               "timestamp": "2026-03-02T09:00:00Z", "message_id": "m1", "kind": "banana"}
    for receive_count, dlq_bound in ((1, 0), (5, 1)):
        event = {"Records": records([inbound("m1", "x")], receive_count=receive_count)}
        event["Records"][0]["body"] = event_body(mapping, NOW)
        assert failed_ids(run_batch(event=event)) == {"rec-0"}
        assert metrics.count(("DlqBound", 1)) == dlq_bound
    assert customers.get(CUST) is None


def test_nobody_eligible_queues_the_thread_until_someone_is(pipeline, metrics) -> None:
    from siu_core.pipeline import notices

    for who in ("cho", "mei"):
        roster.set_status(who, "off", by="user:admin", at=NOW)
    told: list[notices.UnassignedNotice] = []
    notices.NOTIFIERS.append(told.append)
    try:
        run_batch([inbound("m1", "I was charged twice", customer="a1"),
                   inbound("m2", "refund please", customer="a2", at=NOW - timedelta(minutes=3))])
    finally:
        notices.NOTIFIERS.remove(told.append)
    assert [(n.team, n.thread_id) for n in told] == [("accounts", head("a1").thread_id),
                                                      ("accounts", head("a2").thread_id)]
    assert metrics.count(("UnassignedThreads", 1)) == 2
    assert thread("a1").get("assignee") is None and thread("a1")["queued_team"] == "accounts"
    queue = assignments.unassigned("accounts")
    assert [r["thread_id"] for r in queue] == [head("a1").thread_id, head("a2").thread_id]
    assert "queued" in actions(head("a1").thread_id)
    assert drain_unassigned("accounts", config=pipeline.config, now=NOW) == []
    roster.set_status("cho", "available", by="user:cho", at=NOW)
    handed = drain_unassigned("accounts", config=pipeline.config, now=NOW + timedelta(minutes=1))
    assert handed == [(head("a1").thread_id, "cho"), (head("a2").thread_id, "cho")]
    assert assignments.unassigned("accounts") == [] and counters() == {"cho": 2} == open_threads_by_assignee()
    assert head("a1").assignee == "cho" and thread("a1").get("queued_team") is None


def test_a_new_message_on_a_queued_thread_tries_routing_again(pipeline) -> None:
    for who in ("cho", "mei"):
        roster.set_status(who, "off", by="user:admin", at=NOW)
    run_batch([inbound("m1", "I was charged twice")])
    roster.set_status("cho", "available", by="user:cho", at=NOW)
    run_batch([inbound("m2", "hello?? anyone", at=NOW - timedelta(minutes=1))])
    assert thread()["assignee"] == "cho" and counters() == {"cho": 1}
    assert [r["status"] for r in assignments.history(thread()["thread_id"])] == ["superseded", "open"]


def test_the_team_backup_takes_it_when_the_team_cannot(pipeline) -> None:
    for who in ("ana", "ben"):
        roster.set_status(who, "away", by="user:admin", at=NOW)
    run_batch([inbound("m1", "Where is my order?")])
    assert thread()["assignee"] == "mei"
    assert assignments.history(thread()["thread_id"])[0]["reason"] == "backup"


def test_an_urgent_follow_up_escalates_the_thread(pipeline) -> None:
    run_batch([inbound("m1", "Where is my order?")])
    run_batch([inbound("m2", "URGENT I need it today", at=NOW - timedelta(minutes=1))])
    assert thread()["urgency"] == "urgent" and head().urgency == "urgent"
    assert "escalated" in actions(thread()["thread_id"])


def test_close_reassign_and_claim_keep_counters_exact(pipeline) -> None:
    run_batch([inbound("m1", "Where is my order?"), inbound("m2", "parcel?", customer="cust-2")])
    t1, t2 = head("cust-1").thread_id, head("cust-2").thread_id
    assert counters() == {"ana": 1, "ben": 1}
    assert lifecycle.reassign_thread(t1, "ben", by="user:ana", at=NOW)
    assert not lifecycle.reassign_thread(t1, "ben", by="user:ana", at=NOW)
    assert counters() == {"ben": 2} and head("cust-1").assignee == "ben"
    assert not lifecycle.claim_thread(t2, "ana", at=NOW)  # not queued: nothing to claim
    assert lifecycle.close_thread(t2, by="user:ben", at=NOW)
    assert not lifecycle.close_thread(t2, by="user:ben", at=NOW)
    assert counters() == {"ben": 1} == open_threads_by_assignee()
    with pytest.raises(ValueError, match="closed"):
        lifecycle.reassign_thread(t2, "ana", by="user:ben", at=NOW)
    with pytest.raises(lifecycle.ThreadNotFound):
        lifecycle.close_thread("th_nope", by="x", at=NOW)


def test_a_queued_thread_can_be_claimed_once(pipeline) -> None:
    for who in ("ana", "ben", "mei"):
        roster.set_status(who, "off", by="user:admin", at=NOW)
    run_batch([inbound("m1", "Where is my order?")])
    t1 = head().thread_id
    assert lifecycle.claim_thread(t1, "ben", at=NOW)
    assert not lifecycle.claim_thread(t1, "ana", at=NOW)
    assert head().assignee == "ben" and counters() == {"ben": 1} and assignments.unassigned("care") == []


def test_media_is_downloaded_through_the_channel_and_kept(pipeline) -> None:
    class FakeChannel:
        name = "whatsapp"
        info = ChannelInfo(name="whatsapp", display_name="WhatsApp", version="1", contract_version="1.3",
                           secret_fields=["access_token"], account_secret_field="phone_number_id")

        def has_hook(self, name: str) -> bool:
            return name == "download_media"

        def download_media(self, attachment: Attachment, secrets: Any, session: Any, settings: Any) -> MediaContent:
            if attachment.media_id == "broken":
                raise RuntimeError("expired media URL")
            assert secrets["access_token"] == "token-of-acct-1"  # the token of the account written to
            return MediaContent(content=b"JPEGDATA", mime_type="image/jpeg")

    class FakeRegistry:
        def get(self, name: str) -> FakeChannel:
            return FakeChannel()

    class FakeSecrets:
        def reread_if_stale(self, channel: str) -> bool:
            return False

        def accounts(self, channel: str, info: ChannelInfo) -> ChannelAccounts:
            return channel_accounts("siu/whatsapp", {"accounts": [
                {"id": "acct-0", "access_token": "token-of-acct-0"},
                {"id": "acct-1", "access_token": "token-of-acct-1"}]},
                account_field=info.account_secret_field, required=info.secret_fields)

    install_services(pipeline.config, channels_loader=FakeRegistry, secrets=FakeSecrets())
    run_batch([inbound("m1", None, kind="image", attachments=[Attachment(type="image", media_id="111"),
                                                                Attachment(type="image", media_id="broken")])])
    [m] = thread_messages(thread()["thread_id"])
    good, bad = m["attachments"]
    assert snapshots.get(good["media_key"]) == b"JPEGDATA" and good["media_size"] == 8
    assert bad["media_error"] == "RuntimeError" and "media_key" not in bad


def test_a_broken_labeler_falls_back_to_rules(pipeline, metrics) -> None:
    class Broken:
        name = "broken"

        def label_batch(self, items: Sequence[LabelInput]) -> list[Labels]:
            raise RuntimeError("model exploded")

    install_services(pipeline.config, labeler=Broken())
    assert run_batch([inbound("m1", "Where is my order?")]) == {"batchItemFailures": []}
    assert thread()["topic"] == "shipping" and ("LabelerErrors", 1) in metrics


def test_the_labeler_is_called_once_per_batch_with_every_new_message(pipeline) -> None:
    calls: list[list[str]] = []
    from siu_core.labeling import build_labeler

    rules = build_labeler(pipeline.config, kind="rules")

    class Spy:
        name = "spy"

        def label_batch(self, items: Sequence[LabelInput]) -> list[Labels]:
            calls.append([i.message_id for i in items])
            return rules.label_batch(items)

    install_services(pipeline.config, labeler=Spy())
    run_batch([inbound("m1", "order?"), inbound("m2", "order?", at=NOW - timedelta(minutes=4)),
               inbound("m3", "refund", customer="c2"), echo("e1", "hi")])
    run_batch([inbound("m1", "order?")])
    assert calls == [["m3", "m1"]]


class _ModelSpy:
    """A labeler standing in for the model: records what it is asked to label, answers with the rules."""

    name = "spy"

    def __init__(self, config: Any) -> None:
        from siu_core.labeling import build_labeler

        self.rules = build_labeler(config, kind="rules")
        self.calls: list[list[str]] = []

    def label_batch(self, items: Sequence[LabelInput]) -> list[Labels]:
        self.calls.append([i.message_id for i in items])
        return [lab.model_copy(update={"labeler": "bedrock:spy"}) for lab in self.rules.label_batch(items)]


def test_only_messages_that_open_or_reopen_a_thread_reach_the_model(pipeline) -> None:
    spy = _ModelSpy(pipeline.config)
    install_services(pipeline.config, labeler=spy)
    # a new customer writes three times in one batch: the first opens the thread, the others follow up
    run_batch([inbound("m1", "Where is my order?", at=NOW - timedelta(minutes=3)),
               inbound("m2", "I paid on Monday", at=NOW - timedelta(minutes=2)),
               inbound("m3", "tracking says nothing", at=NOW - timedelta(minutes=1))])
    assert spy.calls == [["m1"]]
    run_batch([inbound("m4", "any news about the parcel?", at=NOW)])  # a follow-up in a later batch
    assert spy.calls == [["m1"]]
    t = thread()
    first, *follow_ups = thread_messages(t["thread_id"])
    assert first["labels"]["labeler"] == "bedrock:spy" and t["labeler"] == "bedrock:spy"
    assert [m["labels"]["labeler"] for m in follow_ups] == ["rules"] * 3  # local signals only
    assert all(m["labels"]["language"] == "en" for m in follow_ups)
    lifecycle.close_thread(t["thread_id"], by="user:ana", at=NOW)
    later = NOW + timedelta(days=1)
    run_batch([inbound("m5", "hello again, the order?", at=later)], now=later)  # reopens: the model again
    assert spy.calls == [["m1"], ["m5"]] and thread()["reopen_count"] == 1


def test_an_urgent_follow_up_escalates_its_thread_without_a_model_call(pipeline) -> None:
    spy = _ModelSpy(pipeline.config)
    install_services(pipeline.config, labeler=spy)
    run_batch([inbound("m1", "Where is my order?")])
    assert thread()["urgency"] == "normal"
    run_batch([inbound("m2", "this is URGENT, I need it for tomorrow")])
    t = thread()
    assert spy.calls == [["m1"]] and t["urgency"] == "urgent"
    assert "escalated" in actions(t["thread_id"])
    assert t["labeler"] == "bedrock:spy" and t["topic"] == "shipping"  # the thread keeps the model's labels


def test_a_redelivered_batch_labels_nothing_again(pipeline) -> None:
    spy = _ModelSpy(pipeline.config)
    install_services(pipeline.config, labeler=spy)
    batch = [inbound("m1", "Where is my order?"), inbound("m2", "refund please", customer="cust-2")]
    run_batch(batch)
    before = dump_state()
    run_batch(batch)  # SQS delivers the same records again (a timeout after the writes)
    assert spy.calls == [["m1", "m2"]] and dump_state() == before


def test_services_load_once_per_cold_start_from_ssm(aws) -> None:
    handler_module.set_services(None)
    run_batch([inbound("m1", "Where is my order?")])
    first = handler_module.services()
    run_batch([inbound("m2", "refund", customer="c2")])
    assert handler_module.services() is first and first.config == aws.config
    assert thread()["assignee"] == "ana"


def test_racing_invocations_for_a_new_customer_open_one_thread(pipeline) -> None:
    from siu_core.pipeline.ingest import Batch, parse_entry

    services = handler_module.services()

    def batch(mid: str, at_minutes: int) -> Batch:
        body = records([inbound(mid, f"order {mid}", at=NOW - timedelta(minutes=at_minutes))])[0]["body"]
        b = Batch([parse_entry(mid, 0, body)], services, now=NOW)
        b.prefetch()
        b.label_all()
        return b

    one, two = batch("m1", 5), batch("m2", 4)  # both read "no thread yet"
    assert one.apply(one.entries[0]) == "created"
    assert two.apply(two.entries[0]) == "appended"  # lost the race, re-read, joined the thread
    assert head().seq == 1 and thread()["message_count"] == 2 and counters() == {"ana": 1}


def test_a_thread_with_5000_messages_keeps_working(pipeline) -> None:
    run_batch([inbound("m0", "Where is my order?", at=NOW - timedelta(days=20))])
    t = thread()
    client = clients.dynamodb()
    start = NOW - timedelta(days=19)
    for i in range(0, 4998, 25):  # history written in bulk: the point is the thread's size, not the speed
        batch = []
        for j in range(i, min(i + 25, 4998)):
            mid = f"h{j:05d}"
            batch.append({"PutRequest": {"Item": ddb.item({
                "message_key": keys.message_key("whatsapp", "acct-1", mid), "message_id": mid,
                "thread_id": t["thread_id"], "sort_key": keys.sort_key(start + timedelta(minutes=j), mid),
                "direction": "in", "text": "an ordinary customer message"})}})
        client.batch_write_item(RequestItems={messages.table(): batch})
    run_batch([inbound("m5000", "and one more question about my order")])
    listed = list(messages.list_thread(t["thread_id"], page_size=1000))
    assert len(listed) == 5000 and listed[-1]["message_id"] == "m5000" and listed[0]["message_id"] == "m0"
    after = threads.get(t["thread_id"])
    assert after is not None and len(repr(after)) < 2000 and after["message_count"] == 2


def test_an_empty_batch_is_fine(pipeline) -> None:
    assert run_batch([]) == {"batchItemFailures": []}


class _RefusingBedrock:
    """A Converse client whose every answer is a refusal: the labeler must fall back to its rules."""

    def __init__(self) -> None:
        self.calls = 0

    def converse(self, **_: Any) -> dict[str, Any]:
        self.calls += 1
        return {"output": {"message": {"role": "assistant", "content": [{"text": "I can't help with that."}]}},
                "stopReason": "end_turn", "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15}}


def test_a_fallback_label_is_counted_once_for_its_channel(
    aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    from siu_core.labeling import build_labeler

    seen: list[tuple[str, float, dict[str, str]]] = []
    monkeypatch.setattr(obs, "metric", lambda name, value=1, unit="Count", **dims: seen.append((name, value, dims)))
    client = _RefusingBedrock()
    install_services(aws.config, labeler=build_labeler(aws.config, kind="bedrock", bedrock_client=client))
    assert failed_ids(run_batch([inbound("m1", "Where is my order?")])) == set()
    assert client.calls >= 2  # retried before falling back
    stored = threads.get(customers.get(CUST).thread_id)  # type: ignore[union-attr]
    assert stored is not None and stored["fallback"] is True
    assert [(v, d) for n, v, d in seen if n == "FallbackLabels"] == [(1, {"channel": "whatsapp"})]


def test_edits_replace_the_text_and_keep_the_earlier_ones_in_order(pipeline) -> None:
    from pipeline_support import edit

    run_batch([inbound("m1", "Where is my order?"), edit("m1", "Where is my parcel?", at=NOW - timedelta(minutes=2))])
    run_batch([edit("m1", "Where is my parcel #42?", at=NOW - timedelta(minutes=1)),
               edit("m1", "stale", at=NOW - timedelta(minutes=3))])  # an older edit arriving late changes nothing
    m1 = messages.get(keys.message_key("whatsapp", "acct-1", "m1"))
    assert m1 is not None and m1["text"] == "Where is my parcel #42?"
    assert [e["text"] for e in m1["edits"]] == ["Where is my order?", "Where is my parcel?"]
    assert actions(thread()["thread_id"]).count("edited") == 2
