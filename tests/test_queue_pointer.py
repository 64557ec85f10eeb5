"""Oversized and failing input: events too big for one queue message travel as a pointer to their
stored copy (the SQS extended-client pattern), and a failing record is logged at its first failure.

On moto, provisioned from infra/template.yaml (the queue's 256 KiB MaximumMessageSize included):
the connector stores what does not fit under the bucket's ``queue/`` prefix and queues a pointer;
the labeler reads it back, verified, before ingest sees the event. Missing, altered or tampered
pointers fail their record with a clear error (redelivery, then the DLQ), and nothing is lost.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from connector_support import APP_SECRET, VERIFY_TOKEN, fake_registry, payload, url_event
from pipeline_support import (
    NOW,
    dump_state,
    failed_ids,
    inbound,
    install_services,
    records,
    run_batch,
)

from siu_core import obs
from siu_core.aws import clients
from siu_core.aws.names import resource_names
from siu_core.handlers import connector as conn_mod
from siu_core.handlers import labeler as labeler_mod
from siu_core.handlers.connector import (
    MAX_INLINE_BYTES,
    SQS_BATCH_BYTES,
    SQS_BATCH_ENTRIES,
    Connector,
    EnqueueError,
    chunk_bodies,
)
from siu_core.models import QueueMessage, QueuePointerMessage, SnapshotPointer
from siu_core.secrets import SecretStore
from siu_core.store import keys, messages, snapshots

#: One customer message of ~10 KB: thirty of them make a ~300 KB delivery.
PARAGRAPH = "Where is my order? The tracking number has not moved since Monday. " * 150


class RecordingSqs:
    """The real (moto) SQS client, remembering every SendMessageBatch call's bodies."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.batches: list[list[str]] = []

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> Any:
        self.batches.append([e["MessageBody"] for e in Entries])
        return self.real.send_message_batch(QueueUrl=QueueUrl, Entries=Entries)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.fixture
def stream(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, io.StringIO]]:
    """The connector's and the labeler's JSON log lines."""
    out = {name: io.StringIO() for name in ("connector", "labeler")}
    for name, buffer in out.items():
        monkeypatch.setattr(obs.get_logger(name).registered_handler, "stream", buffer)
    yield out


def log_lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]


@pytest.fixture
def metrics(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, float, dict[str, str]]]:
    seen: list[tuple[str, float, dict[str, str]]] = []

    def record(name: str, value: float = 1, unit: str = "Count", **dims: str) -> None:
        seen.append((name, value, dims))

    monkeypatch.setattr(conn_mod, "metric", record)
    monkeypatch.setattr(obs, "metric", record)
    return seen


@pytest.fixture
def fake(aws: Any) -> Iterator[tuple[Connector, RecordingSqs, str]]:
    """A connector of the fake channel on the provisioned queue, recording its batches."""
    install_services(aws.config)
    url = aws.provisioned.queue_urls["IntakeQueue"]
    sm = boto3.client("ssm")
    sm.put_parameter(Type="SecureString", Name="/siu/secrets/fake", Value=json.dumps({"app_secret": APP_SECRET,
                                                               "verify_token": VERIFY_TOKEN}))
    sqs = RecordingSqs(boto3.client("sqs"))
    conn = Connector(channel=fake_registry().get("fake"), secrets=SecretStore(sm), sqs_client=sqs, queue_url=url,
                     sleep=lambda _s: None, clock=lambda: NOW)
    yield conn, sqs, url


def receive_all(url: str) -> list[dict[str, Any]]:
    """Every message on the queue (received and deleted), as SQS gave them."""
    sqs = clients.sqs()
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
        if not got:
            return out
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        out += got


def pointer_versions() -> dict[str, int]:
    """Versions of every object under queue/ in the snapshot bucket."""
    s3 = clients.s3()
    found: dict[str, int] = {}
    for v in s3.list_object_versions(Bucket=resource_names().bucket, Prefix="queue/").get("Versions", []):
        found[v["Key"]] = found.get(v["Key"], 0) + 1
    return found


# --- the connector: what goes on the queue ---------------------------------------------------------


def test_the_queue_limit_is_pinned_and_the_threshold_leaves_a_margin(aws: Any) -> None:
    sqs = clients.sqs()
    for logical in ("IntakeQueue", "IntakeDLQ"):
        attrs = sqs.get_queue_attributes(QueueUrl=aws.provisioned.queue_urls[logical],
                                         AttributeNames=["MaximumMessageSize"])["Attributes"]
        assert int(attrs["MaximumMessageSize"]) == SQS_BATCH_BYTES == 256 * 1024, logical
    assert MAX_INLINE_BYTES <= SQS_BATCH_BYTES - 16 * 1024


def test_a_300_kb_delivery_of_small_events_is_packed_into_batches_sqs_accepts(fake: Any) -> None:
    conn, sqs, url = fake
    body = payload(30, text=PARAGRAPH)
    assert len(body) > 300_000
    answer = conn.handle(url_event("POST", body))
    assert answer["statusCode"] == 200 and answer["headers"][conn_mod.ENQUEUED_HEADER] == "30"
    assert len(sqs.batches) > 1
    for batch in sqs.batches:
        assert len(batch) <= SQS_BATCH_ENTRIES
        assert sum(len(b.encode()) for b in batch) <= SQS_BATCH_BYTES
    got = receive_all(url)
    assert sorted(QueueMessage.model_validate_json(m["Body"]).event.message_id for m in got) == sorted(  # type: ignore[union-attr]
        f"m-{i}" for i in range(30))
    assert pointer_versions() == {}  # every one fitted: no S3 call at all


def test_an_event_above_the_queue_limit_travels_as_a_pointer_to_its_stored_copy(
    fake: Any, stream: dict[str, io.StringIO], metrics: list[Any]
) -> None:
    conn, sqs, url = fake
    text = "订单 " * 60_000  # ~180k characters, ~720 KB once JSON-escaped for the queue
    answer = conn.handle(url_event("POST", payload(1, text=text)))
    assert answer["statusCode"] == 200
    (body,) = [b for batch in sqs.batches for b in batch]
    assert len(body) < 1024
    message = QueuePointerMessage.model_validate_json(body)
    assert (message.channel, message.ref, message.received_at) == ("fake", "m-0", NOW)
    assert (message.account_id, message.customer_id) == ("acct-1", "cust-1")
    assert message.pointer.key == f"queue/fake/{message.pointer.sha256}.json"
    data = snapshots.get_pointed(message.pointer)
    assert hashlib.sha256(data).hexdigest() == message.pointer.sha256 and len(data) == message.pointer.size
    assert message.pointer.size > SQS_BATCH_BYTES
    assert json.loads(data)["text"] == f"{text} #0"
    assert ("QueuePointers", 1, {"channel": "fake"}) in metrics
    (line,) = [x for x in log_lines(stream["connector"]) if "pointer" in x["message"]]
    assert line["key"] == message.pointer.key and line["message_id"] == "m-0"
    assert "订单" not in stream["connector"].getvalue()
    assert len(receive_all(url)) == 1


def test_only_the_events_that_do_not_fit_are_stored(fake: Any) -> None:
    conn, sqs, _url = fake
    small = json.loads(payload(3))
    big = json.loads(payload(2, text="x" * (MAX_INLINE_BYTES + 1), start=3))
    small["entry"][0]["messages"] += big["entry"][0]["messages"]
    assert conn.handle(url_event("POST", json.dumps(small).encode()))["statusCode"] == 200
    bodies = [b for batch in sqs.batches for b in batch]
    pointers = [QueuePointerMessage.model_validate_json(b) for b in bodies if '"pointer"' in b]
    assert sorted(p.ref or "" for p in pointers) == ["m-3", "m-4"]
    assert len(bodies) == 5 and len(pointer_versions()) == 2


def test_a_redelivered_oversized_event_writes_the_same_key_once(fake: Any) -> None:
    conn, sqs, _url = fake
    body = payload(1, text="y" * 300_000)
    assert conn.handle(url_event("POST", body))["statusCode"] == 200
    conn.clock = lambda: NOW + timedelta(hours=1)  # the platform delivers it again, later
    assert conn.handle(url_event("POST", body))["statusCode"] == 200
    first, again = (QueuePointerMessage.model_validate_json(b) for batch in sqs.batches for b in batch)
    assert first.pointer == again.pointer and first.received_at != again.received_at
    assert pointer_versions() == {first.pointer.key: 1}


def test_when_the_copy_cannot_be_stored_the_answer_is_500_and_nothing_is_queued(
    fake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn, sqs, url = fake

    def broken(channel: str, data: bytes) -> SnapshotPointer:
        raise RuntimeError("S3 is down")

    monkeypatch.setattr(snapshots, "put_pointed", broken)
    small = json.loads(payload(2))
    small["entry"][0]["messages"] += json.loads(payload(1, text="z" * 300_000, start=2))["entry"][0]["messages"]
    answer = conn.handle(url_event("POST", json.dumps(small).encode()))
    assert answer["statusCode"] == 500 and answer["body"] == "not enqueued"
    assert sqs.batches == [] and receive_all(url) == []  # the platform delivers all three again


def test_a_body_no_batch_can_carry_is_refused_before_sending() -> None:
    with pytest.raises(EnqueueError, match="exceeds"):
        list(chunk_bodies(["a", "b" * (SQS_BATCH_BYTES + 1)]))


# --- the labeler: resolving pointers --------------------------------------------------------------


def pointer_record(event: Any, *, record_id: str = "ptr-0", receive_count: int = 1,
                   **changes: Any) -> dict[str, Any]:
    """A queue record carrying ``event`` by pointer (stored now), with optional tampering."""
    data = QueueMessage(event=event, received_at=NOW).model_dump(mode="json", exclude_none=True)["event"]
    raw = json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode()
    pointer = snapshots.put_pointed(event.channel, raw)
    message = QueuePointerMessage(channel=event.channel, ref=event.message_id, pointer=pointer, received_at=NOW,
                                  account_id=event.account_id, customer_id=event.customer.id)
    body = message.model_dump(mode="json", exclude_none=True)
    for path, value in changes.items():
        target = body["pointer"] if path in ("key", "sha256", "size") else body
        target[path] = value
    (record,) = records([event], prefix=record_id.split("-")[0], receive_count=receive_count)
    record["messageId"] = record_id
    record["body"] = json.dumps(body)
    return record


def stored_text(mid: str) -> str | None:
    found = messages.get(keys.message_key("whatsapp", "acct-1", mid))
    return None if found is None else found.get("text")


def test_the_labeler_threads_an_event_that_came_by_pointer(aws: Any) -> None:
    install_services(aws.config)
    big = inbound("m-big", "Where is my order? " + "x" * 300_000)
    event = {"Records": [pointer_record(big), *records([inbound("m-small", "and a small one", customer="c2")])]}
    assert failed_ids(run_batch(event=event)) == set()
    assert stored_text("m-big") == big.text
    found = messages.get(keys.message_key("whatsapp", "acct-1", "m-big"))
    assert found is not None and found["received_at"] == keys.ts(NOW) and found["thread_id"]


def test_a_missing_copy_fails_its_record_clearly_and_the_redelivery_finishes_the_job(
    aws: Any, stream: dict[str, io.StringIO], metrics: list[Any]
) -> None:
    install_services(aws.config)
    big = inbound("m-big", "Please call me at my home number " + "x" * 300_000)
    record = pointer_record(big)
    key = json.loads(record["body"])["pointer"]["key"]
    saved = clients.s3().get_object(Bucket=resource_names().bucket, Key=key)["Body"].read()
    clients.s3().delete_object(Bucket=resource_names().bucket, Key=key)
    other = records([inbound("m-2", "unrelated", customer="c2")])
    assert failed_ids(run_batch(event={"Records": [record, *other]})) == {"ptr-0"}
    assert stored_text("m-big") is None and stored_text("m-2") == "unrelated"
    (line,) = [x for x in log_lines(stream["labeler"]) if x["message"].startswith("record failed")]
    assert line["level"] == "WARNING"
    assert (line["record_id"], line["receive_count"], line["channel"], line["channel_message_id"]) == (
        "ptr-0", 1, "whatsapp", "m-big")
    assert line["error"] == "ValueError" and key in line["reason"] and "NoSuchKey" in line["reason"]
    assert line["pointer_key"] == key
    assert ("RecordFailures", 1, {}) in metrics
    assert "home number" not in stream["labeler"].getvalue()
    # The copy comes back (restored, or the connector stores it again): the redelivery threads it.
    snapshots.put_pointed("whatsapp", saved)
    record["attributes"]["ApproximateReceiveCount"] = "2"
    assert failed_ids(run_batch(event={"Records": [record]})) == set()
    assert stored_text("m-big") == big.text


def test_an_unresolved_pointer_holds_back_its_customers_later_events_so_order_survives(aws: Any) -> None:
    install_services(aws.config)
    big = inbound("m-big", "x" * 300_000, at=NOW - timedelta(minutes=5))
    record = pointer_record(big)
    pointer = json.loads(record["body"])
    assert (pointer["account_id"], pointer["customer_id"]) == ("acct-1", "cust-1")
    saved = clients.s3().get_object(Bucket=resource_names().bucket, Key=pointer["pointer"]["key"])["Body"].read()
    clients.s3().delete_object(Bucket=resource_names().bucket, Key=pointer["pointer"]["key"])
    later = records([inbound("m-later", "and then this", at=NOW - timedelta(minutes=4)),
                     inbound("m-other", "someone else", customer="c2")])
    assert failed_ids(run_batch(event={"Records": [record, *later]})) == {"ptr-0", "rec-0"}
    assert stored_text("m-later") is None and stored_text("m-other") == "someone else"
    snapshots.put_pointed("whatsapp", saved)
    assert failed_ids(run_batch(event={"Records": [record, later[0]]})) == set()
    thread_id = messages.get(keys.message_key("whatsapp", "acct-1", "m-big"))["thread_id"]  # type: ignore[index]
    assert [m["message_id"] for m in messages.list_thread(thread_id)] == ["m-big", "m-later"]


def test_an_altered_copy_is_refused(aws: Any, stream: dict[str, io.StringIO]) -> None:
    install_services(aws.config)
    record = pointer_record(inbound("m-big", "x" * 300_000))
    pointer = json.loads(record["body"])["pointer"]
    s3 = clients.s3()
    original = s3.get_object(Bucket=resource_names().bucket, Key=pointer["key"])["Body"].read()
    for altered, why in ((original.replace(b"xxxx", b"yyyy", 1), "sha256"), (original + b" ", "bytes")):
        s3.put_object(Bucket=resource_names().bucket, Key=pointer["key"], Body=altered)
        assert failed_ids(run_batch(event={"Records": [record]})) == {"ptr-0"}
        line = [x for x in log_lines(stream["labeler"]) if x["message"].startswith("record failed")][-1]
        assert why in line["reason"], line
    assert stored_text("m-big") is None


@pytest.mark.parametrize(("change", "expected"), [
    ({"key": "queue/facebook/" + "0" * 64 + ".json"}, "malformed queue pointer"),  # another channel's key
    ({"key": "events/whatsapp/x.json"}, "malformed queue pointer"),  # outside queue/
    ({"key": "queue/whatsapp/../../media/" + "0" * 48 + ".json"}, "malformed queue pointer"),
    ({"sha256": "0" * 64}, "malformed queue pointer"),  # the key no longer names the hash
    ({"size": 0}, "malformed queue pointer"),
    ({"size": 10}, "bytes, the pointer says 10"),
    ({"channel": "facebook"}, "malformed queue pointer"),
    ({"surprise": 1}, "malformed queue pointer"),
    ({"received_at": "yesterday"}, "malformed queue pointer"),
])
def test_a_tampered_pointer_fails_its_record_alone_with_a_clear_error(
    aws: Any, stream: dict[str, io.StringIO], change: dict[str, Any], expected: str
) -> None:
    install_services(aws.config)
    record = pointer_record(inbound("m-big", "x" * 300_000), **change)
    other = records([inbound("m-2", "unrelated", customer="c2")])
    assert failed_ids(run_batch(event={"Records": [record, *other]})) == {"ptr-0"}
    assert stored_text("m-2") == "unrelated" and stored_text("m-big") is None
    (line,) = [x for x in log_lines(stream["labeler"]) if x["message"].startswith("record failed")]
    assert expected in line["reason"] and line["record_id"] == "ptr-0"
    assert "xxxx" not in stream["labeler"].getvalue()


def test_a_small_body_that_mentions_pointer_is_an_ordinary_event(aws: Any) -> None:
    install_services(aws.config)
    assert failed_ids(run_batch([inbound("m-1", 'my "pointer": it broke')])) == set()
    assert stored_text("m-1") == 'my "pointer": it broke'


# --- the labeler: failures are logged at once -----------------------------------------------------


def test_a_failing_record_is_logged_at_its_first_failure_without_customer_text(
    aws: Any, stream: dict[str, io.StringIO], metrics: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    install_services(aws.config)
    real = snapshots.put_event

    def flaky(ev: Any, received_at: datetime) -> str:
        if getattr(ev, "message_id", "") == "m1":
            raise RuntimeError("S3 hiccup")
        return real(ev, received_at)

    monkeypatch.setattr(snapshots, "put_event", flaky)
    event = {"Records": records([inbound("m1", "my card number is 4111 1111")])}
    assert failed_ids(run_batch(event=event)) == {"rec-0"}
    (line,) = [x for x in log_lines(stream["labeler"]) if "record" in x["message"]]
    assert line["message"] == "record failed; the queue will deliver it again" and line["level"] == "WARNING"
    assert {k: line[k] for k in ("record_id", "receive_count", "channel", "channel_message_id", "error",
                                 "reason")} == {
        "record_id": "rec-0", "receive_count": 1, "channel": "whatsapp", "channel_message_id": "m1",
        "error": "RuntimeError", "reason": "S3 hiccup"}
    assert [m[0] for m in metrics if m[0] in ("RecordFailures", "DlqBound")] == ["RecordFailures"]
    assert "4111" not in stream["labeler"].getvalue()

    # Its last receive: the DLQ line and metric, with the same fields.
    event = {"Records": records([inbound("m1", "my card number is 4111 1111")], receive_count=5)}
    assert failed_ids(run_batch(event=event)) == {"rec-0"}
    last = [x for x in log_lines(stream["labeler"]) if "record" in x["message"]][-1]
    assert last["message"] == "record goes to the DLQ after this failure" and last["level"] == "ERROR"
    assert (last["record_id"], last["receive_count"], last["channel_message_id"]) == ("rec-0", 5, "m1")
    assert ("DlqBound", 1, {}) in metrics


def test_an_unreadable_record_is_logged_with_where_it_failed_not_what_it_said(
    aws: Any, stream: dict[str, io.StringIO]
) -> None:
    install_services(aws.config)
    event = {"Records": records([inbound("m1", "x")])}
    event["Records"][0]["body"] = json.dumps({"schema_version": "1", "event": {"text": "my secret"}})
    assert failed_ids(run_batch(event=event)) == {"rec-0"}
    (line,) = [x for x in log_lines(stream["labeler"]) if "record" in x["message"]]
    assert line["record_id"] == "rec-0" and line.get("channel") is None and "not a queue message" in line["reason"]
    assert "my secret" not in stream["labeler"].getvalue()


def test_a_validation_error_reason_names_places_not_values() -> None:
    with pytest.raises(ValueError) as caught:
        QueuePointerMessage.model_validate({"channel": "whatsapp", "pointer": {"key": "my secret"}})
    text = labeler_mod.reason(caught.value)
    assert "validation error" in text and "pointer.key" in text and "my secret" not in text


# --- retention and least privilege --------------------------------------------------------------------


def test_pointer_copies_expire_after_every_message_that_can_point_at_them(aws: Any) -> None:
    from siu_core.aws.template import load_template

    resources = load_template()["Resources"]
    retention = max(int(resources[q]["Properties"]["MessageRetentionPeriod"]) for q in ("IntakeQueue", "IntakeDLQ"))
    rules = resources["SnapshotBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    (rule,) = [r for r in rules if r.get("Prefix") == "queue/"]
    assert rule["ExpirationInDays"] == snapshots.POINTER_RETENTION_DAYS >= 2 * retention // 86400
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    live = clients.s3().get_bucket_lifecycle_configuration(Bucket=resource_names().bucket)["Rules"]
    assert any(r["Filter"] == {"Prefix": "queue/"} and r["Expiration"] == {"Days": 30} for r in live)


def test_connectors_may_only_put_under_their_own_queue_prefix_and_the_labeler_only_read_it() -> None:
    from siu_core.deploy import iam
    from siu_core.deploy.stacks import analysis_stacks

    stacks = analysis_stacks(["whatsapp", "facebook"])
    grants = iam.role_grants([stacks.core, stacks.connectors])
    bucket = "arn:aws:s3:::siu-message-snapshots"
    for channel in ("whatsapp", "facebook"):
        role = f"siu-connectors-{channel.capitalize()}ConnectorRole"
        s3 = {(g.action, g.resource) for g in grants[role] if g.action.startswith("s3:")}
        assert s3 == {("s3:PutObject", f"{bucket}/queue/{channel}/*")}, role
    reads = {g.resource for g in grants["siu-LabelerRole"] if g.action == "s3:GetObject"}
    assert reads == {f"{bucket}/queue/*"}
    assert not any(g.resource.endswith("/queue/*") for g in grants["siu-InboxRole"])


# --- end to end: webhook -> connector -> queue -> labeler -> thread ---------------------------------------


#: Channels whose platform never sends a body near 300 KB (the plugin refuses one as malformed, rightly).
SMALL_BODIES = {"twilio": "a Twilio message is at most 1,600 characters; its plugin caps form bodies at 64 KiB"}


def test_300_kb_deliveries_and_a_single_huge_event_are_threaded_on_every_channel(aws: Any) -> None:
    from test_pipeline_e2e import URL, channels_under_test, drain_queue, post, store_secret

    from siu_core.models import SimulatedMessage

    install_services(aws.config)
    queue_url = aws.provisioned.queue_urls["IntakeQueue"]
    huge = "I was charged twice, here is every detail of my invoice. " + "z" * 300_000
    sent: dict[str, list[str]] = {}
    hooks_by_channel = {}
    at = NOW - timedelta(minutes=30)
    for name, channel in channels_under_test().items():
        secret, account = store_secret(channel)
        texts = [f"Order {i}: {PARAGRAPH}" for i in range(30)]
        batch = [SimulatedMessage(sender_id="6591000001", sender_name="Ana", text=t, message_id=str(8001 + i),
                                  timestamp=at + timedelta(seconds=i)) for i, t in enumerate(texts)]
        single = [SimulatedMessage(sender_id="6591000002", text=huge, message_id="9001",
                                   timestamp=at + timedelta(minutes=1))]
        if name in SMALL_BODIES:  # the platform cannot send a 300 KB message: only the batch applies
            single = []
        hooks = (channel.simulate_webhooks(batch, account, secret, url=URL)
                 + (channel.simulate_webhooks(single, account, secret, url=URL) if single else []))
        assert name in SMALL_BODIES or sum(len(h.body) for h in hooks) > 600_000
        for hook in hooks:
            answer = post(channel, hook.body, hook.headers, queue_url)
            assert answer["statusCode"] == 200, (name, answer)
        sent[name] = [*texts, huge] if single else texts
        hooks_by_channel[name] = hooks
    assert drain_queue(queue_url) == sum(len(v) for v in sent.values())
    stored = {(m.get("channel"), m.get("text")): m for m in messages_scan()}
    for name, texts in sent.items():
        for text in texts:
            assert (name, text) in stored, f"{name}: a {len(text)}-character message was not threaded"
            assert stored[(name, text)]["thread_id"]
        assert name in SMALL_BODIES or stored[(name, huge)]["labels"]["topic"] == "billing"
    # at least each channel's huge event went by pointer
    assert len(pointer_versions()) >= len(set(sent) - set(SMALL_BODIES))

    before = dump_state()  # the platform delivers everything again: nothing changes, no new versions
    for name, hooks in hooks_by_channel.items():
        for hook in hooks:
            assert post(channels_under_test()[name], hook.body, hook.headers, queue_url)["statusCode"] == 200
    drain_queue(queue_url)
    assert dump_state() == before


def messages_scan() -> list[dict[str, Any]]:
    from siu_core.store import ddb

    return list(ddb.scan_all(resource_names().messages))


def test_received_at_survives_the_pointer() -> None:
    when = datetime(2026, 3, 4, 1, 2, 3, tzinfo=UTC)
    pointer = SnapshotPointer(key="queue/whatsapp/" + "a" * 64 + ".json", sha256="a" * 64, size=5)
    body = QueuePointerMessage(channel="whatsapp", pointer=pointer, received_at=when).model_dump_json()
    assert QueuePointerMessage.model_validate_json(body).received_at == when
