"""End to end on moto: signed webhooks of every installed channel -> connector -> queue -> labeler.

Each channel's own ``simulate_webhook`` signs realistic deliveries with a secret stored in Secrets
Manager; the connector handler verifies and enqueues them; the labeler handler drains the queue the
way the event source mapping would. Every message must end up in its customer's thread, labeled,
assigned and audited, and a redelivery of the whole webhook must change nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import timedelta
from typing import Any

from pipeline_support import NOW, counters, dump_state, install_services, open_threads_by_assignee, run_batch

from siu_core.aws import clients
from siu_core.aws.names import resource_names
from siu_core.dev.lambda_events import function_url_event, sqs_record
from siu_core.handlers.connector import build_connector
from siu_core.models import SimulatedMessage
from siu_core.plugins import Channel, load_channels
from siu_core.secrets import SecretStore
from siu_core.store import audit, ddb, keys, messages, threads

#: (customer, text, expected team): two messages of one customer, one of another. Numeric ids fit
#: every platform's id format (Telegram's chat ids are integers).
SCRIPT = [
    ("6591000001", "Hi, where is my order? The tracking has not moved", "care"),
    ("6591000001", "It was supposed to arrive yesterday", "care"),
    ("6591000002", "I was charged twice, please check the invoice", "accounts"),
]


def channels_under_test() -> dict[str, Channel]:
    registry = load_channels()
    usable = {n: registry.get(n) for n in registry.names() if registry.get(n).has_hook("simulate_webhook")}
    assert usable, f"no channel plugin loads with simulate_webhook (failures: {registry.failures})"
    return usable


def store_secret(channel: Channel) -> tuple[dict[str, str], str]:
    info = channel.info
    account = f"{channel.name}-acct-1"
    secret = {f: f"{channel.name}-{f}-0123456789abcdef" for f in [*info.secret_fields, *info.optional_secret_fields]}
    if info.account_secret_field:
        secret[info.account_secret_field] = account
    clients.client("ssm").put_parameter(Type="SecureString", Name=f"/siu/secrets/{channel.name}",
                                        Value=json.dumps(secret))
    return secret, account


#: Where the Function URL is reached in these tests: a channel that signs the URL (Twilio) signs this one.
URL_HOST = "abc123.lambda-url.ap-southeast-1.on.aws"
URL = f"https://{URL_HOST}/"


def post(channel: Channel, body: bytes, headers: dict[str, str], queue_url: str) -> dict[str, Any]:
    connector = build_connector(channel.name, secrets=SecretStore(), queue_url=queue_url)
    event = function_url_event("POST", "/", "", headers.items(), body, domain=URL_HOST, scheme="https")
    result: dict[str, Any] = connector.handle(event)
    return result


def drain_queue(queue_url: str) -> int:
    """Receive and hand batches of 10 to the labeler handler; delete what it did not report failed."""
    sqs = clients.sqs()
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    handled = 0
    while True:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                  WaitTimeSeconds=0).get("Messages", [])
        if not got:
            return handled
        records = [sqs_record(m, arn, "ap-southeast-1") for m in got]
        response = run_batch(event={"Records": records})
        assert response == {"batchItemFailures": []}
        for m in got:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
        handled += len(got)


def test_signed_webhooks_of_every_channel_become_labeled_assigned_audited_threads(aws) -> None:
    install_services(aws.config)
    queue_url = aws.provisioned.queue_urls["IntakeQueue"]
    sent: dict[str, list[tuple[str, str, str]]] = {}  # channel -> (text, customer, team)
    webhooks = {}
    for name, channel in channels_under_test().items():
        secret, account = store_secret(channel)
        simulated = [
            SimulatedMessage(sender_id=who, sender_name=f"Customer {who[-1]}", text=text,
                             message_id=str(7001 + i), timestamp=NOW - timedelta(minutes=10 - i))
            for i, (who, text, _team) in enumerate(SCRIPT)
        ]
        hooks = channel.simulate_webhooks(simulated, account, secret, url=URL)  # one POST, or one per message
        wrong = {**secret, **{f: "not-the-secret" for f in channel.info.signing_secret_fields}}
        forged = channel.simulate_webhooks(simulated[:1], account, wrong, url=URL)[0]
        assert post(channel, forged.body, forged.headers, queue_url)["statusCode"] in (401, 403)
        for hook in hooks:
            answer = post(channel, hook.body, hook.headers, queue_url)
            assert answer["statusCode"] == 200, (name, answer)
        sent[name] = [(text, who, team) for who, text, team in SCRIPT]
        webhooks[name] = hooks

    assert drain_queue(queue_url) == sum(len(v) for v in sent.values())
    # Platforms may qualify ids (Telegram: "<chat>:<message>"): find each message by its channel and text.
    stored = {(m.get("channel"), m.get("text")): m for m in ddb.scan_all(resource_names().messages)}
    roster_ids = {e.id for e in aws.config.roster}
    for name, expected in sent.items():
        by_customer: dict[str, set[str]] = defaultdict(set)
        for text, customer, team in expected:
            message = stored.get((name, text))
            assert message is not None, f"{name}: {text!r} was not stored"
            assert message["labels"]["labeler"] == "rules"
            thread = threads.get(message["thread_id"])
            assert thread is not None and thread["status"] == "open"
            assert thread["customer_id"] == customer and thread["team"] == team
            assert thread["assignee"] in roster_ids and thread["topic"] in ("shipping", "billing")
            acts = {r["action"] for r in audit.for_scope(thread["thread_id"])}
            assert {"thread_opened", "assigned", "message_in"} <= acts
            by_customer[customer].add(thread["thread_id"])
        assert all(len(ids) == 1 for ids in by_customer.values()), f"{name}: a customer got two threads"
        first_thread = next(iter(by_customer[SCRIPT[0][0]]))
        assert [m["text"] for m in messages.list_thread(first_thread)] == [SCRIPT[0][1], SCRIPT[1][1]]
        account = stored[(name, SCRIPT[0][1])]["account_id"]
        assert threads.get(first_thread)["customer_key"] == keys.customer_key(name, account, SCRIPT[0][0])  # type: ignore[index]
    assert counters() == open_threads_by_assignee()

    # The platform delivers the same webhooks again (it does, for hours): nothing changes.
    before = dump_state()
    for name, hooks in webhooks.items():
        for hook in hooks:
            assert post(channels_under_test()[name], hook.body, hook.headers, queue_url)["statusCode"] == 200
    drain_queue(queue_url)
    assert dump_state() == before
