"""The connector handler under moto: handshake, signatures, bodies, batching, rotation, failures."""

from __future__ import annotations

import base64
import io
import json
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from connector_support import APP_SECRET, VERIFY_TOKEN, fake_registry, payload, url_event
from moto import mock_aws

import siu_core.handlers.connector as conn_mod
from siu_core import obs
from siu_core.handlers.connector import Connector, chunk_bodies, handler, queue_body
from siu_core.limits import MAX_WEBHOOK_BODY_BYTES
from siu_core.models import QueueMessage
from siu_core.secrets import SecretStore

QUEUE = "siu-intake-queue"


class Calls:
    """Counts AWS API calls made through one client (botocore's before-call event)."""

    def __init__(self, client: Any) -> None:
        self.names: list[str] = []
        client.meta.events.register("before-call", self._seen)

    def _seen(self, model: Any, **_: Any) -> None:
        self.names.append(model.name)

    def count(self, name: str) -> int:
        return self.names.count(name)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with mock_aws():
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
        sm = boto3.client("ssm")
        fields = {"app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN}
        sm.put_parameter(Type="SecureString", Name="/siu/secrets/fake", Value=json.dumps(fields))
        monkeypatch.setenv("SIU_QUEUE_URL", url)
        obs.discard_metrics()
        yield {"sqs": sqs, "url": url, "sm": sm}
        obs.discard_metrics()


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """The connector's JSON log lines (Powertools holds the stream it was created with)."""
    stream = io.StringIO()
    monkeypatch.setattr(obs.get_logger("connector").registered_handler, "stream", stream)
    return stream


@pytest.fixture
def connector(aws_env: dict[str, Any]) -> Connector:
    sm = boto3.client("ssm")
    return Connector(
        channel=fake_registry().get("fake"),
        secrets=SecretStore(sm),
        sqs_client=aws_env["sqs"],
        sleep=lambda _s: None,
    )


def drain(aws_env: dict[str, Any]) -> list[QueueMessage]:
    """Every message on the queue, parsed the way the labeler parses it."""
    out: list[QueueMessage] = []
    while True:
        resp = aws_env["sqs"].receive_message(QueueUrl=aws_env["url"], MaxNumberOfMessages=10)
        msgs = resp.get("Messages", [])
        if not msgs:
            return out
        for m in msgs:
            out.append(QueueMessage.model_validate_json(m["Body"]))
            aws_env["sqs"].delete_message(QueueUrl=aws_env["url"], ReceiptHandle=m["ReceiptHandle"])


def message_ids(msgs: list[QueueMessage]) -> list[str]:
    return [getattr(m.event, "message_id", "") for m in msgs]


# --- GET: the handshake ------------------------------------------------------------------------


def test_handshake_echoes_the_challenge_for_the_right_token(connector: Connector) -> None:
    query = f"hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1158201444%2Bx"
    resp = connector.handle(url_event("GET", raw_query=query))
    assert resp["statusCode"] == 200
    assert resp["body"] == "1158201444+x"  # decoded once, byte for byte


@pytest.mark.parametrize(
    "query",
    [
        "hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=42",
        f"hub.mode=unsubscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=42",
        "",
    ],
)
def test_handshake_refused(connector: Connector, aws_env: dict[str, Any], query: str) -> None:
    resp = connector.handle(url_event("GET", raw_query=query))
    assert resp["statusCode"] == 403
    assert "42" not in resp["body"]
    assert drain(aws_env) == []


def test_handshake_picks_up_a_rotated_verify_token(connector: Connector, aws_env: dict[str, Any]) -> None:
    assert connector.handle(url_event("GET", raw_query="hub.mode=subscribe&hub.verify_token=x&hub.challenge=1"))[
        "statusCode"
    ] == 403
    connector.secrets._read_at["fake"] = -1e9  # the cold-start read is long past
    aws_env["sm"].put_parameter(Type="SecureString", Overwrite=True, Name="/siu/secrets/fake",
                                Value=json.dumps({"app_secret": APP_SECRET, "verify_token": "new-token"})
    )
    resp = connector.handle(url_event("GET", raw_query="hub.mode=subscribe&hub.verify_token=new-token&hub.challenge=7"))
    assert (resp["statusCode"], resp["body"]) == (200, "7")


# --- POST: good webhooks -----------------------------------------------------------------------


def test_single_message_is_enqueued(connector: Connector, aws_env: dict[str, Any]) -> None:
    resp = connector.handle(url_event("POST", payload(1)))
    assert resp["statusCode"] == 200
    msgs = drain(aws_env)
    assert message_ids(msgs) == ["m-0"]
    assert msgs[0].event.channel == "fake"
    assert msgs[0].received_at.tzinfo is not None


def test_batched_webhook_enqueues_every_event_in_batches_of_ten(connector: Connector, aws_env: dict[str, Any]) -> None:
    calls = Calls(aws_env["sqs"])
    resp = connector.handle(url_event("POST", payload(25)))
    assert resp["statusCode"] == 200
    assert sorted(message_ids(drain(aws_env))) == sorted(f"m-{i}" for i in range(25))
    assert calls.count("SendMessageBatch") == 3
    assert calls.count("SendMessage") == 0


class RecordingSqs:
    """An in-memory SQS stand-in (moto slows down with a thousand queued messages)."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self._lock = threading.Lock()

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        assert len(Entries) <= 10
        with self._lock:
            self.batches.append([e["MessageBody"] for e in Entries])
        return {"Successful": [{"Id": e["Id"]} for e in Entries], "Failed": []}


def test_large_delivery_of_a_thousand_events(aws_env: dict[str, Any]) -> None:
    """Meta batches up to 1000 updates per POST: every one reaches the queue, 10 per call."""
    sqs = RecordingSqs()
    connector = Connector(
        channel=fake_registry().get("fake"), secrets=SecretStore(boto3.client("ssm")),
        sqs_client=sqs, queue_url="https://sqs.example/q",
    )
    assert connector.handle(url_event("POST", payload(1000)))["statusCode"] == 200
    assert len(sqs.batches) == 100
    ids = [getattr(QueueMessage.model_validate_json(b).event, "message_id", "") for c in sqs.batches for b in c]
    assert sorted(ids) == sorted(f"m-{i}" for i in range(1000))


def test_webhook_with_no_events_is_accepted_and_enqueues_nothing(connector: Connector, aws_env: dict[str, Any]) -> None:
    body = json.dumps({"object": "fake", "entry": [{"messages": []}]}).encode()
    assert connector.handle(url_event("POST", body))["statusCode"] == 200
    assert drain(aws_env) == []


def test_escaped_unicode_verifies_on_raw_bytes(connector: Connector, aws_env: dict[str, Any]) -> None:
    body = b'{"object":"fake","entry":[{"messages":[{"id":"m-u","from":"c","timestamp":1,'
    body += b'"text":"caf\\u00e9 \\ud83d\\ude00"}]}]}'
    assert connector.handle(url_event("POST", body))["statusCode"] == 200
    [msg] = drain(aws_env)
    assert msg.event.text == "café 😀"  # type: ignore[union-attr]


def test_base64_flagged_body_is_decoded_before_verifying(connector: Connector, aws_env: dict[str, Any]) -> None:
    resp = connector.handle(url_event("POST", payload(3, text="naïve ✓"), base64_encoded=True))
    assert resp["statusCode"] == 200
    assert len(drain(aws_env)) == 3


def test_replayed_webhook_is_enqueued_again(connector: Connector, aws_env: dict[str, Any]) -> None:
    """The connector does not dedupe: a replay is enqueued again and the labeler drops it by message id."""
    event = url_event("POST", payload(2))
    assert connector.handle(event)["statusCode"] == 200
    assert connector.handle(event)["statusCode"] == 200
    assert sorted(message_ids(drain(aws_env))) == ["m-0", "m-0", "m-1", "m-1"]


def test_json_body_with_an_odd_content_type_is_still_accepted(connector: Connector, aws_env: dict[str, Any]) -> None:
    """The signature covers the body, not the headers: a signed, readable body is never dropped for a header."""
    resp = connector.handle(url_event("POST", payload(1), headers={"content-type": "text/plain"}))
    assert resp["statusCode"] == 200
    assert len(drain(aws_env)) == 1


def test_lone_surrogate_in_text_is_replaced_not_fatal(connector: Connector, aws_env: dict[str, Any]) -> None:
    body = b'{"object":"fake","entry":[{"messages":[{"id":"m-s","from":"c","timestamp":1,'
    body += b'"text":"half \\ud83d emoji \\uffff"}]}]}'
    assert connector.handle(url_event("POST", body))["statusCode"] == 200
    [msg] = drain(aws_env)
    assert msg.event.text is not None and msg.event.text.startswith("half ")  # type: ignore[union-attr]


# --- POST: refused -----------------------------------------------------------------------------


def _refused(connector: Connector, aws_env: dict[str, Any], event: dict[str, Any], status: int) -> dict[str, Any]:
    resp = connector.handle(event)
    assert resp["statusCode"] == status, resp
    assert drain(aws_env) == []
    return resp


def test_tampered_body_is_403(connector: Connector, aws_env: dict[str, Any]) -> None:
    event = url_event("POST", payload(1))
    event["body"] = event["body"].replace("order", "ordex")
    _refused(connector, aws_env, event, 403)


def test_missing_signature_is_401(connector: Connector, aws_env: dict[str, Any]) -> None:
    _refused(connector, aws_env, url_event("POST", payload(1), secret=None), 401)


def test_wrong_secret_is_403(connector: Connector, aws_env: dict[str, Any]) -> None:
    _refused(connector, aws_env, url_event("POST", payload(1), secret="not-the-secret"), 403)


def test_sha1_signature_is_403(connector: Connector, aws_env: dict[str, Any]) -> None:
    event = url_event("POST", payload(1))
    event["headers"]["x-hub-signature-256"] = "sha1=" + "0" * 40
    _refused(connector, aws_env, event, 403)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"object":"fake","entry":[{"messages":[', "application/json"),  # truncated JSON
        (b"not json at all", "application/json"),
        (b"a=1&b=2", "application/x-www-form-urlencoded"),  # wrong content type, unreadable
        (b'{"object":"page","entry":[]}', "application/json"),  # another channel's payload
        (b"[]", "application/json"),
        (b"", "application/json"),  # empty, yet correctly signed
        (b"   ", "application/json"),
    ],
)
def test_malformed_signed_body_is_400(
    connector: Connector, aws_env: dict[str, Any], body: bytes, content_type: str
) -> None:
    _refused(connector, aws_env, url_event("POST", body, headers={"content-type": content_type}), 400)


def test_unsigned_malformed_body_is_refused_for_signature_first(connector: Connector, aws_env: dict[str, Any]) -> None:
    _refused(connector, aws_env, url_event("POST", b"garbage", secret=None), 401)


def test_invalid_base64_is_400(connector: Connector, aws_env: dict[str, Any]) -> None:
    event = url_event("POST", payload(1), base64_encoded=True)
    event["body"] = "!!!not-base64!!!"
    _refused(connector, aws_env, event, 400)


def test_oversized_body_is_413_before_any_hmac(connector: Connector, aws_env: dict[str, Any]) -> None:
    big = b'{"object":"fake","entry":[],"pad":"' + b"x" * (MAX_WEBHOOK_BODY_BYTES + 1) + b'"}'
    _refused(connector, aws_env, url_event("POST", big), 413)
    event = url_event("POST", big, base64_encoded=True)
    _refused(connector, aws_env, event, 413)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "HEAD", ""])
def test_wrong_method_is_405(connector: Connector, aws_env: dict[str, Any], method: str) -> None:
    event = url_event("POST", payload(1))
    event["requestContext"]["http"]["method"] = method
    resp = _refused(connector, aws_env, event, 405)
    assert resp["headers"]["allow"] == "GET, POST"


# --- secrets: cold start, rotation ---------------------------------------------------------------


def test_secret_is_read_once_per_cold_start(aws_env: dict[str, Any]) -> None:
    sm = boto3.client("ssm")
    calls = Calls(sm)
    connector = Connector(channel=fake_registry().get("fake"), secrets=SecretStore(sm), sqs_client=aws_env["sqs"])
    for i in range(5):
        assert connector.handle(url_event("POST", payload(1, start=i)))["statusCode"] == 200
    assert calls.count("GetParameter") == 1


def test_rotated_secret_needs_no_redeploy(aws_env: dict[str, Any]) -> None:
    sm = boto3.client("ssm")
    calls = Calls(sm)
    clock = [1000.0]
    store = SecretStore(sm, clock=lambda: clock[0])
    connector = Connector(channel=fake_registry().get("fake"), secrets=store, sqs_client=aws_env["sqs"])
    assert connector.handle(url_event("POST", payload(1)))["statusCode"] == 200

    # The app secret is rotated in Parameter Store; the warm connector still holds the old one.
    rotated = "rotated-app-secret-9876543210"
    aws_env["sm"].put_parameter(Type="SecureString", Overwrite=True, Name="/siu/secrets/fake",
                                Value=json.dumps({"app_secret": rotated, "verify_token": VERIFY_TOKEN}))
    clock[0] += 60
    resp = connector.handle(url_event("POST", payload(1, start=1), secret=rotated))
    assert resp["statusCode"] == 200
    assert calls.count("GetParameter") == 2  # cold start + exactly one re-read
    assert connector.handle(url_event("POST", payload(1, start=2), secret=rotated))["statusCode"] == 200
    assert calls.count("GetParameter") == 2
    # The old secret no longer verifies, and forged requests do not hammer Parameter Store.
    for _ in range(20):
        assert connector.handle(url_event("POST", payload(1, start=3)))["statusCode"] == 403
    assert calls.count("GetParameter") == 2
    assert message_ids(drain(aws_env)) == ["m-0", "m-1", "m-2"]


def test_missing_secret_is_500_and_names_it(connector: Connector, aws_env: dict[str, Any], logs: io.StringIO) -> None:
    aws_env["sm"].delete_parameter(Name="/siu/secrets/fake")
    _refused(connector, aws_env, url_event("POST", payload(1)), 500)
    assert "/siu/secrets/fake does not exist" in logs.getvalue()


def test_secret_missing_a_field_is_500_and_names_the_field_not_values(
    connector: Connector, aws_env: dict[str, Any], logs: io.StringIO
) -> None:
    aws_env["sm"].put_parameter(Type="SecureString", Overwrite=True, Name="/siu/secrets/fake",
                                Value=json.dumps({"app_secret": APP_SECRET}))
    _refused(connector, aws_env, url_event("POST", payload(1)), 500)
    out = logs.getvalue()
    assert "verify_token" in out
    assert APP_SECRET not in out


# --- the queue refusing ----------------------------------------------------------------------------


class FlakySqs:
    """An SQS stand-in that fails given entries a number of times, then forwards to the real client."""

    def __init__(self, real: Any, fail_times: int, code: str = "InternalError") -> None:
        self.real, self.fail_times, self.code = real, fail_times, code
        self.calls = 0

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        self.calls += 1
        if self.fail_times > 0:
            self.fail_times -= 1
            # The first entry fails, the others go through.
            ok = self.real.send_message_batch(QueueUrl=QueueUrl, Entries=Entries[1:]) if len(Entries) > 1 else {}
            return {
                "Successful": ok.get("Successful", []),
                "Failed": [{"Id": Entries[0]["Id"], "SenderFault": False, "Code": self.code}],
            }
        return dict(self.real.send_message_batch(QueueUrl=QueueUrl, Entries=Entries))


def test_entries_the_queue_refuses_are_retried(aws_env: dict[str, Any]) -> None:
    flaky = FlakySqs(aws_env["sqs"], fail_times=2)
    connector = Connector(
        channel=fake_registry().get("fake"), secrets=SecretStore(boto3.client("ssm")),
        sqs_client=flaky, queue_url=aws_env["url"], sleep=lambda _s: None,
    )
    assert connector.handle(url_event("POST", payload(4)))["statusCode"] == 200
    assert flaky.calls == 3
    assert sorted(message_ids(drain(aws_env))) == ["m-0", "m-1", "m-2", "m-3"]  # each exactly once


def test_queue_that_keeps_refusing_means_500_so_the_platform_retries(aws_env: dict[str, Any]) -> None:
    flaky = FlakySqs(aws_env["sqs"], fail_times=100)
    connector = Connector(
        channel=fake_registry().get("fake"), secrets=SecretStore(boto3.client("ssm")),
        sqs_client=flaky, queue_url=aws_env["url"], sleep=lambda _s: None,
    )
    assert connector.handle(url_event("POST", payload(3)))["statusCode"] == 500
    assert len(drain(aws_env)) == 2  # the platform re-delivers all three; the labeler drops the repeats


def test_missing_queue_means_500(connector: Connector, aws_env: dict[str, Any]) -> None:
    aws_env["sqs"].delete_queue(QueueUrl=aws_env["url"])
    assert connector.handle(url_event("POST", payload(1)))["statusCode"] == 500


def test_chunks_respect_entry_and_byte_limits() -> None:
    bodies = ["x" * 100_000, "y" * 100_000, "z" * 100_000, *["s"] * 12]
    chunks = list(chunk_bodies(bodies))
    assert [len(c) for c in chunks] == [2, 10, 3]
    assert [b for c in chunks for b in c] == bodies
    assert all(sum(len(b) for b in c) <= 256 * 1024 for c in chunks)


def test_queue_body_is_ascii_and_round_trips(connector: Connector) -> None:
    events = connector.channel.normalize(payload(1, text="订单 ✓ \uffff"), {}, {})
    from datetime import UTC, datetime

    body = queue_body(QueueMessage(event=events[0], received_at=datetime.now(UTC)))
    assert body.isascii()
    assert QueueMessage.model_validate_json(body).event == events[0]


@pytest.mark.parametrize("text", ["plain ascii", "订单 ✓ \uffff", "cut emoji \ud83d here", 'quote " and \\ slash'])
def test_the_fast_queue_body_is_the_queue_message_exactly(connector: Connector, text: str) -> None:
    """The connector frames the plugin's validated event instead of validating it again: same bytes."""
    from datetime import UTC, datetime

    from siu_core.connector.bodies import event_body

    now = datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)
    for event in connector.channel.normalize(payload(2, text=text), {}, {}):
        fast = event_body(event, now)
        assert fast.isascii()
        assert fast == queue_body(QueueMessage(event=event, received_at=now))
        assert QueueMessage.model_validate_json(fast).received_at == now


# --- the Lambda entry point ----------------------------------------------------------------------


@pytest.fixture
def lambda_env(aws_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SIU_CHANNEL", "fake")
    monkeypatch.setattr(conn_mod, "load_channels", lambda only, checked=True: fake_registry())
    conn_mod.reset()
    yield
    conn_mod.reset()


class LambdaContext:
    function_name = "siu-fake-connector"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:ap-southeast-1:123456789012:function:siu-fake-connector"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"


@pytest.mark.parametrize("context", [None, LambdaContext()])
def test_handler_end_to_end(
    lambda_env: None, aws_env: dict[str, Any], capsys: pytest.CaptureFixture[str], logs: io.StringIO, context: Any
) -> None:
    secret_text = "my card number is 4111"
    resp = handler(url_event("POST", payload(3, text=secret_text)), context)
    assert resp["statusCode"] == 200
    assert len(drain(aws_env)) == 3
    out = capsys.readouterr().out + logs.getvalue()
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    logs = [x for x in lines if "message" in x]
    emf = [x for x in lines if "_aws" in x]
    accepted = next(x for x in logs if x["message"] == "webhook accepted")
    assert emf == [accepted]  # one line per request: the request's metrics ride on its log line
    assert accepted["channel"] == "fake" and accepted["message_ids"] == ["m-0", "m-1", "m-2"]
    assert accepted["correlation_id"] == "req-123"
    # The same keys as a Powertools line, with the Lambda context's when there is one.
    assert {"level", "location", "message", "timestamp", "service"} <= set(accepted)
    assert accepted["level"] == "INFO" and accepted["service"] == "connector"
    assert accepted["location"].startswith("_webhook:")
    if context is not None:
        assert accepted["function_request_id"] == context.aws_request_id and accepted["cold_start"] in (True, False)
    assert emf and emf[0]["EventsEnqueued"] == [3.0] and emf[0]["channel"] == "fake"
    assert secret_text not in out and APP_SECRET not in out and VERIFY_TOKEN not in out


def test_handler_metrics_for_refusals(lambda_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert handler(url_event("POST", payload(1), secret="forged"), None)["statusCode"] == 403
    assert handler(url_event("POST", b"nope"), None)["statusCode"] == 400
    emf = [json.loads(x) for x in capsys.readouterr().out.splitlines() if '"_aws"' in x]
    names = {m["Name"] for blob in emf for d in blob["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
    counted = {k for blob in emf for k, v in blob.items() if isinstance(v, list)}
    assert names == {"SignatureFailures"}  # the alarm's metric; MalformedWebhooks is a count in the line
    assert counted == {"SignatureFailures", "MalformedWebhooks"}


def test_handler_without_a_channel_is_500(aws_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIU_CHANNEL", raising=False)
    conn_mod.reset()
    try:
        assert handler(url_event("POST", payload(1)), None)["statusCode"] == 500
        assert drain(aws_env) == []
    finally:
        conn_mod.reset()


def test_handler_with_an_uninstalled_channel_is_500(aws_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIU_CHANNEL", "nosuchchannel")
    conn_mod.reset()
    try:
        assert handler(url_event("POST", payload(1)), None)["statusCode"] == 500
    finally:
        conn_mod.reset()


def test_channel_settings_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIU_CHANNEL_SETTINGS", '{"graph_version": "v25.0"}')
    assert conn_mod.channel_settings_from_env() == {"graph_version": "v25.0"}
    monkeypatch.setenv("SIU_CHANNEL_SETTINGS", "[1]")
    with pytest.raises(conn_mod.ConfigError, match="SIU_CHANNEL_SETTINGS"):
        conn_mod.channel_settings_from_env()


def test_base64_body_equals_raw_bytes() -> None:
    raw = payload(2)
    event = url_event("POST", raw, base64_encoded=True)
    assert conn_mod.read_body(event) == raw
    assert base64.b64decode(event["body"]) == raw


@pytest.mark.parametrize(
    "event",
    [{}, {"requestContext": "x"}, {"requestContext": {"http": None}}, {"requestContext": {"http": {"method": 5}}}],
)
def test_events_that_are_not_function_url_requests_are_405(connector: Connector, event: dict[str, Any]) -> None:
    assert connector.handle(event)["statusCode"] == 405


def test_headers_that_are_not_a_mapping_mean_no_signature(connector: Connector, aws_env: dict[str, Any]) -> None:
    event = url_event("POST", payload(1))
    event["headers"] = ["x-hub-signature-256", "sha256=00"]
    _refused(connector, aws_env, event, 401)
