"""Connector benchmark: per-request overhead over the unavoidable floor, and cold-import cost.

- ``connector_overhead_ratio``: time per request of the Lambda handler (Function URL event in,
  logs and EMF metrics on, SQS and SSM stubbed, no network) over the floor, HMAC-SHA256
  of the raw body + ``json.loads``, on the same bytes; for one message and a 50-message batch. The
  figure is the larger of the two (target <= 3), each the median over short interleaved rounds of the
  handler's time over the floor measured beside it (robust to a shared machine's load); both are
  reported, with the share of the plugin's ``normalize`` so the cost can be placed
  (``..._normalize_ratio``: normalize alone over the floor; ``..._rest_ratio``: everything else the
  request does over the floor).
- ``connector_cold_import_ratio``: in fresh processes, importing the connector handler and
  building what its first request needs (the channel plugin loaded, the SQS and SSM
  clients created) over importing boto3 and creating those two clients. CPU time, median of
  several interleaved runs (target <= 1.3); the import-only time and the wall-time ratio too.
  Both sides read bytecode, as deployed: ``siu build`` ships ``.pyc`` for siu's code and pip
  compiled boto3's at install, so siu's first-party sources are compiled first (a
  ``PYTHONDONTWRITEBYTECODE`` environment would otherwise charge every run for compiling them).

A second baseline says how close to the floor a connector can get at all: ``connector_minimal_ratio``
is a bare handler doing only the work every delivery needs (:mod:`bench._connector_minimal`: signature,
parse, per message the event mapping, its queue body and both FIFO ids, the batch entries, one log
line) over the same floor, and ``connector_over_minimal`` siu's handler over that one, per round.

Uses the WhatsApp plugin when it loads, else the tests' fake Graph channel (and says so).
Run alone: ``.venv/bin/python -m bench.connector``.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._connector_minimal import minimal_handler

REPO = Path(__file__).resolve().parent.parent
SECRETS = {
    "app_secret": "bench-app-secret-0123456789abcdef",
    "verify_token": "bench-verify-token",
    "access_token": "bench-access-token",
    "phone_number_id": "106540352242922",
}
TEXT = "Hi! Is my order #{i} shipped yet? I paid yesterday by PayNow. Thanks"
COLD_RUNS = 7
#: Short interleaved rounds of floor, handler and normalize; the overhead is the median of per-round ratios.
PAIRED_ROUNDS = 15
ENV = {
    "AWS_DEFAULT_REGION": "ap-southeast-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "POWERTOOLS_METRICS_DISABLED": "true",
}


class _StubSqs:
    """Accepts every entry, like SQS on a good day, with no network."""

    def __init__(self) -> None:
        self.entries = 0

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        self.entries += len(Entries)
        return {"Successful": [{"Id": e["Id"]} for e in Entries], "Failed": []}


class _StubSecrets:
    def get_parameter(self, Name: str, WithDecryption: bool) -> dict[str, dict[str, str]]:
        return {"Parameter": {"Value": json.dumps(SECRETS)}}


def _channel() -> tuple[Any, str]:
    from siu_core.plugins import load_channels

    registry = load_channels(["whatsapp"])
    if "whatsapp" in registry.channels:
        return registry.get("whatsapp"), "whatsapp"
    sys.path.insert(0, str(REPO / "tests"))
    from connector_support import fake_registry  # type: ignore[import-not-found]

    return fake_registry().get("fake"), "fake (siu-whatsapp did not load: " + registry.failures.get(
        "whatsapp", "not installed"
    ) + ")"


def _webhook(channel: Any, n: int) -> tuple[bytes, dict[str, Any]]:
    """A signed webhook with n messages and the Function URL event carrying it."""
    if channel.name == "whatsapp":
        from siu_core.models import SimulatedMessage

        start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        messages = [
            SimulatedMessage(
                sender_id=f"659{i:07d}", sender_name="Tan Mei Ling", text=TEXT.format(i=i),
                message_id=f"wamid.BENCH{i:05d}", timestamp=start + timedelta(seconds=i),
            )
            for i in range(n)
        ]
        req = channel.simulate_webhook(messages, SECRETS["phone_number_id"], SECRETS)
        body, headers = req.body, {k.lower(): v for k, v in req.headers.items()}
    else:
        from connector_support import payload
        from siu_meta.graph import sign_body

        body = payload(n, text=TEXT.format(i=0))
        headers = {"content-type": "application/json", "x-hub-signature-256": sign_body(body, SECRETS["app_secret"])}
    event = {
        "version": "2.0",
        "rawPath": "/",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {"requestId": "bench", "http": {"method": "POST", "path": "/"}},
        "body": body.decode("utf-8"),
        "isBase64Encoded": False,
    }
    return body, event


def _per_call(fn: Callable[[], Any], budget_s: float = 0.6, rounds: int = 7, warm: bool = True) -> float:
    """Median seconds per call over several timed rounds, each about budget_s / rounds long."""
    for _ in range(20 if warm else 1):
        fn()
    start = time.perf_counter()
    fn()
    single = max(time.perf_counter() - start, 1e-7)
    loops = max(5, int(budget_s / rounds / single))
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        samples.append((time.perf_counter() - start) / loops)
    return statistics.median(samples)


def overhead() -> dict[str, float | int]:
    """Handler time over the HMAC + json.loads floor, for one message and a 50-message batch."""
    for name, value in ENV.items():
        os.environ.setdefault(name, value)
    # Metrics on, as deployed: the request's EMF rides its one log line (into the sink below, not stdout).
    metrics_were = os.environ.get("POWERTOOLS_METRICS_DISABLED")
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "false"
    import siu_core.handlers.connector as conn_mod
    from siu_core.secrets import SecretStore

    channel, used = _channel()
    print(f"connector bench channel: {used}")
    conn_mod.reset()
    conn_mod._connector = conn_mod.Connector(
        channel=channel, secrets=SecretStore(_StubSecrets()), sqs_client=_StubSqs(), queue_url="stub"
    )
    # The log lines are formatted and written, to memory instead of the terminal.
    sink = io.StringIO()
    log_handler = conn_mod.log.registered_handler
    assert isinstance(log_handler, logging.StreamHandler)
    log_handler.setStream(sink)
    key = SECRETS["app_secret"].encode()
    bare = minimal_handler(SECRETS["app_secret"], _StubSqs(), sink)
    figures: dict[str, float | int] = {}
    ratios = []
    for n, label in ((1, "single"), (50, "batch50")):
        body, event = _webhook(channel, n)

        def floor(body: bytes = body) -> None:
            hmac.new(key, body, hashlib.sha256).hexdigest()
            json.loads(body)

        def request(event: dict[str, Any] = event) -> None:
            resp = conn_mod.handler(event, None)
            if resp["statusCode"] != 200:
                raise RuntimeError(f"connector answered {resp['statusCode']}")
            sink.seek(0)
            sink.truncate()

        def normalize(body: bytes = body, headers: dict[str, str] = event["headers"]) -> None:
            channel.normalize(body, headers, {})

        def minimal(event: dict[str, Any] = event,
                    bare: Callable[[dict[str, Any]], dict[str, Any]] = bare) -> None:
            if bare(event)["statusCode"] != 200:
                raise RuntimeError("the minimal handler refused the webhook")
            sink.seek(0)
            sink.truncate()

        # Interleave in short rounds so a noisy neighbour hits both sides alike, and compare each round's
        # handler with the floor measured next to it: the figure is the median of those paired ratios
        # (on a shared machine the load moves between rounds far more than within one).
        bare_too = channel.name == "whatsapp"  # the minimal handler reads WhatsApp's payload only
        for fn in (floor, request, normalize, *((minimal,) if bare_too else ())):
            _per_call(fn, 0.05, rounds=1)  # warm
        floors, handlers, norms, paired, over_bare = [], [], [], [], []
        for _ in range(PAIRED_ROUNDS):
            f_round = _per_call(floor, 0.03, rounds=3, warm=False)
            h_round = _per_call(request, 0.06, rounds=3, warm=False)
            n_round = _per_call(normalize, 0.03, rounds=3, warm=False)
            floors.append(f_round)
            handlers.append(h_round)
            norms.append(n_round)
            paired.append(h_round / f_round)
            if bare_too:
                over_bare.append((_per_call(minimal, 0.03, rounds=3, warm=False), f_round, h_round))
        f, h, nz = statistics.median(floors), statistics.median(handlers), statistics.median(norms)
        ratio = statistics.median(paired)
        if over_bare:
            # The least any connector queueing one event per message costs, over the same floor; and siu's over it.
            figures[f"connector_minimal_ratio_{label}"] = round(statistics.median(m / fr for m, fr, _ in over_bare), 2)
            figures[f"connector_over_minimal_{label}"] = round(statistics.median(hr / m for m, _, hr in over_bare), 2)
        ratios.append(ratio)
        figures[f"connector_overhead_ratio_{label}"] = round(ratio, 2)
        figures[f"connector_{label}_request_us"] = round(h * 1e6, 1)
        figures[f"connector_{label}_floor_us"] = round(f * 1e6, 1)
        figures[f"connector_{label}_normalize_share"] = round(nz / h, 2)
        # Where the time goes: the plugin's normalize alone over the floor, and the rest of the
        # request (signature, queue bodies, SQS call, log line, metrics) over the floor.
        figures[f"connector_{label}_normalize_ratio"] = round(nz / f, 2)
        figures[f"connector_{label}_rest_ratio"] = round(max(h - nz, 0.0) / f, 2)
    conn_mod.reset()
    if metrics_were is None:
        os.environ.pop("POWERTOOLS_METRICS_DISABLED", None)
    else:
        os.environ["POWERTOOLS_METRICS_DISABLED"] = metrics_were
    figures["connector_overhead_ratio"] = round(max(ratios), 2)
    return figures


# Each child prints: CPU seconds of the import alone, CPU seconds in all, wall seconds in all.
# CPU time (process_time) is the figure: on a shared machine it moves far less than wall time.
_COLD_CONNECTOR = """
import time
c0, w0 = time.process_time(), time.perf_counter()
import siu_core.handlers.connector as c
c1 = time.process_time()
conn = c.build_connector({channel!r})
conn.sqs
conn.secrets.client
print(c1 - c0, time.process_time() - c0, time.perf_counter() - w0)
"""
_COLD_BOTO3 = """
import time
c0, w0 = time.process_time(), time.perf_counter()
import boto3
boto3.client("sqs")
boto3.client("ssm")
c1 = time.process_time()
print(c1 - c0, c1 - c0, time.perf_counter() - w0)
"""


def _fresh(code: str) -> tuple[float, float, float]:
    env = {**os.environ, **ENV}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env, cwd=REPO)
    imported, total, wall = (float(x) for x in out.stdout.split())
    return imported, total, wall


def _compile_first_party() -> None:
    """Bytecode for siu's own sources (core and plugins), as the Lambda artifacts ship it."""
    import compileall

    for source in (REPO / "siu_core", REPO / "plugins"):
        compileall.compile_dir(source, quiet=2, workers=1)


def cold_import(channel_name: str) -> dict[str, float | int]:
    """Fresh-process cold init of the connector over boto3 + its two clients (medians, CPU time)."""
    _compile_first_party()
    conn: list[tuple[float, float, float]] = []
    boto: list[tuple[float, float, float]] = []
    for _ in range(COLD_RUNS):
        conn.append(_fresh(_COLD_CONNECTOR.format(channel=channel_name)))
        boto.append(_fresh(_COLD_BOTO3))

    def med(runs: list[tuple[float, float, float]], i: int) -> float:
        return statistics.median(r[i] for r in runs)

    return {
        "connector_cold_import_ratio": round(med(conn, 1) / med(boto, 1), 2),
        "connector_cold_init_cpu_ms": round(med(conn, 1) * 1000, 1),
        "connector_import_only_cpu_ms": round(med(conn, 0) * 1000, 1),
        "boto3_two_clients_cpu_ms": round(med(boto, 1) * 1000, 1),
        "connector_cold_import_ratio_wall": round(med(conn, 2) / med(boto, 2), 2),
    }


def run() -> dict[str, float | int]:
    """Every connector figure (about 20 seconds)."""
    figures = overhead()
    from siu_core.plugins import load_channels

    name = "whatsapp" if "whatsapp" in load_channels(["whatsapp"]).channels else None
    if name is None:
        print("  cold import: siu-whatsapp did not load; measured without a plugin is meaningless, skipped")
    else:
        figures.update(cold_import(name))
    return figures


if __name__ == "__main__":
    print(json.dumps(run()))
