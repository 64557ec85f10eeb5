"""Pipeline benchmark: AWS calls per message (connector to assignment) and the labeler's peak memory.

- ``aws_calls_per_new_message``: every AWS API call the connector and the labeler make for new
  customer messages, counted through botocore ``before-call`` events under moto (plus each Converse
  call, counted by a Bedrock stand-in), divided by the number of messages. One webhook per message,
  the labeler fed batches of 10 the way the event source mapping delivers them (target <= 8).
  ``..._batch_of_1`` is the worst case: every message in its own labeler batch.
- ``aws_calls_per_duplicate``: the same for the platform delivering the same webhooks again (target
  <= 2); ``..._batch_of_1`` as above. Queue receives and deletes are the event source mapping's, not
  the code's, and are not counted; neither are cold-start reads (config, secret, queue URL).
- ``labeler_peak_rss_mb``: peak RSS (VmHWM) of a fresh Python process that cold-starts the
  labeler handler and handles one batch of 10 new messages with the Bedrock labeler (against the
  stand-in) and the AWS services of a moto server on loopback (target <= 128).

Run alone: ``.venv/bin/python -m bench.pipeline``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
#: A Wednesday, 10:00 in Singapore: inside the example roster's working hours.
NOW = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
MESSAGES = 60
SINGLES = 10
CHANNEL = "whatsapp"
TEXTS = [
    "Hi, where is my order? The tracking has not moved since Monday",
    "I was charged twice for the same invoice, please check",
    "Do you have the light roast beans in stock again?",
    "The mug arrived cracked, I would like a refund",
    "We run a cafe and would like your wholesale price list",
]
_ENV = {
    "AWS_DEFAULT_REGION": "ap-southeast-1",
    "AWS_REGION": "ap-southeast-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
    "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
}
# Peak RSS: VmHWM of /proc/self/status where there is one. ru_maxrss would be wrong here: Linux
# carries the forking parent's peak (this benchmark's, moto included) across fork and exec.
_CHILD = """
import json, resource, sys
from datetime import datetime
from siu_core.handlers import labeler
labeler.clock = lambda: datetime.fromisoformat(sys.argv[1])
response = labeler.handler(json.load(sys.stdin), None)
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    with open("/proc/self/status") as status:
        peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    pass
print(json.dumps({"peak_kb": peak_kb, "response": response}))
"""


@contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _deployment(config: Any) -> Any:
    """Resources from the template, the config in SSM, the roster seeded: what a deploy leaves."""
    from siu_core.aws import clients
    from siu_core.aws.provision import provision
    from siu_core.config import config_to_parameters
    from siu_core.store import roster

    clients.reset_clients()
    provisioned = provision()
    os.environ.update(provisioned.env())
    ssm = clients.client("ssm")
    for name, value in config_to_parameters(config).items():
        ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
    roster.seed(config.roster)
    return provisioned


def _channel() -> Any:
    from siu_core.plugins import load_channels

    registry = load_channels()
    names = [CHANNEL, *registry.names()]
    for name in names:
        if name in registry.channels and registry.get(name).has_hook("simulate_webhook"):
            return registry.get(name)
    raise RuntimeError(f"no channel plugin with simulate_webhook loads: {registry.failures}")


def _webhooks(channel: Any, secret: dict[str, str], account: str, start: int, count: int) -> list[Any]:
    from siu_core.models import SimulatedMessage

    hooks = []
    for i in range(start, start + count):
        msg = SimulatedMessage(sender_id=str(6590000000 + i), sender_name=f"Customer {i}", text=TEXTS[i % len(TEXTS)],
                               message_id=str(50000 + i), timestamp=NOW - timedelta(minutes=30) + timedelta(seconds=i))
        hooks += channel.simulate_webhooks([msg], account, secret)
    return hooks


def _count_calls() -> dict[str, float | int]:
    from moto import mock_aws

    from bench.labeler import converse_standin
    from siu_core.aws import clients
    from siu_core.config import example_config
    from siu_core.dev.lambda_events import function_url_event, sqs_record
    from siu_core.handlers import labeler as labeler_handler
    from siu_core.handlers.connector import build_connector
    from siu_core.labeling import build_labeler
    from siu_core.pipeline.ingest import Services
    from siu_core.secrets import SecretStore

    config = example_config()
    counted: Counter[str] = Counter()
    state = {"on": False}

    def count(model: Any, **_: Any) -> None:
        if state["on"]:
            counted[model.name] += 1

    with converse_standin(0.0) as (url, bodies), mock_aws(
        config={"core": {"passthrough": {"services": ["bedrockruntime"]}}}
    ):
        provisioned = _deployment(config)
        channel = _channel()
        info = channel.info
        account = "106540352242922"
        secret = {f: f"bench-{f}-0123456789" for f in [*info.secret_fields, *info.optional_secret_fields]}
        if info.account_secret_field:
            secret[info.account_secret_field] = account
        clients.client("ssm").put_parameter(Type="SecureString", Name=f"/siu/secrets/{channel.name}",
                                            Value=json.dumps(secret))
        queue_url = provisioned.queue_urls["IntakeQueue"]
        connector = build_connector(channel.name, secrets=SecretStore(client=clients.client("ssm")),
                                    queue_url=queue_url, sqs_client=clients.sqs())
        import boto3

        labeler = build_labeler(config, kind="bedrock",
                                bedrock_client=boto3.client("bedrock-runtime", endpoint_url=url))
        labeler_handler.set_services(Services(config=config, labeler=labeler))
        labeler_handler.clock = lambda: NOW
        sqs = clients.sqs()
        arn = provisioned.arns["IntakeQueue"]
        undo = clients.observe_calls(count)

        def post(hooks: list[Any]) -> None:
            state["on"] = True
            for hook in hooks:
                answer = connector.handle(function_url_event("POST", "/", "", hook.headers.items(), hook.body))
                if answer["statusCode"] != 200:
                    raise RuntimeError(f"connector answered {answer['statusCode']}")
            state["on"] = False

        def drain(batch: int) -> None:
            while True:
                got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=batch, WaitTimeSeconds=0,
                                          AttributeNames=["All"]).get("Messages", [])
                if not got:
                    return
                state["on"] = True
                response = labeler_handler.handler({"Records": [sqs_record(m, arn, "ap-southeast-1") for m in got]},
                                                   None)
                state["on"] = False
                if response["batchItemFailures"]:
                    raise RuntimeError(f"labeler failed records: {response}")
                sqs.delete_message_batch(QueueUrl=queue_url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])

        def measure(hooks: list[Any], batch: int) -> float:
            counted.clear()
            converse_before = len(bodies)
            post(hooks)
            drain(batch)
            if len(bodies) > converse_before:
                counted["Converse"] += len(bodies) - converse_before
            return sum(counted.values()) / len(hooks)

        post(_webhooks(channel, secret, account, 0, 1))  # cold start: secret, clients, config
        drain(10)
        new = _webhooks(channel, secret, account, 1, MESSAGES)
        per_new = measure(new, 10)
        breakdown = dict(counted)
        per_duplicate = measure(new, 10)
        singles = _webhooks(channel, secret, account, 1 + MESSAGES, SINGLES)
        per_new_single = measure(singles, 1)
        per_duplicate_single = measure(singles, 1)
        undo()
        labeler_handler.set_services(None)
    figures: dict[str, float | int] = {
        "aws_calls_per_new_message": round(per_new, 2),
        "aws_calls_per_duplicate": round(per_duplicate, 2),
        "aws_calls_per_new_message_batch_of_1": round(per_new_single, 2),
        "aws_calls_per_duplicate_batch_of_1": round(per_duplicate_single, 2),
    }
    figures.update({f"calls_new_{op}": round(n / MESSAGES, 2) for op, n in sorted(breakdown.items())})
    return figures


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _peak_rss() -> float:
    import logging

    from moto.server import ThreadedMotoServer

    from bench.labeler import converse_standin
    from siu_core.aws import clients
    from siu_core.config import example_config
    from siu_core.models import MessageEvent, Participant, QueueMessage

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the server's per-request log lines
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        with _environ({"AWS_ENDPOINT_URL": endpoint}), converse_standin(0.05) as (url, _bodies):
            provisioned = _deployment(example_config())
            records = []
            for i in range(10):
                event = MessageEvent(type="message", channel=CHANNEL, account_id="106540352242922",
                                     customer=Participant(id=str(6591000000 + i)), message_id=f"rss-{i}",
                                     timestamp=NOW - timedelta(minutes=5), kind="text", text=TEXTS[i % len(TEXTS)])
                body = QueueMessage(event=event, received_at=NOW).model_dump_json(exclude_none=True)
                records.append({"messageId": f"rss-{i}", "receiptHandle": f"h{i}", "body": body,
                                "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
                                "eventSource": "aws:sqs", "awsRegion": "ap-southeast-1"})
            env = {**os.environ, **provisioned.env(), "AWS_ENDPOINT_URL": endpoint,
                   "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": url}
            proc = subprocess.run([sys.executable, "-c", _CHILD, NOW.isoformat()], input=json.dumps(
                {"Records": records}), capture_output=True, text=True, cwd=REPO, env=env, timeout=120, check=False)
        clients.reset_clients()
    finally:
        server.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"labeler process failed: {proc.stderr[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result["response"]["batchItemFailures"]:
        raise RuntimeError(f"labeler process failed records: {result['response']}")
    return round(float(result["peak_kb"]) / 1024, 1)


def run() -> dict[str, float | int]:
    """Measure the pipeline's figures; returns name -> value."""
    with _environ(_ENV):
        figures = _count_calls()
        figures["labeler_peak_rss_mb"] = _peak_rss()
    return figures


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name:40} {value}")
