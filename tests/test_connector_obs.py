"""Observability (siu_core.obs) and the connector's import footprint."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from siu_core import obs


@pytest.fixture(autouse=True)
def clean_metrics() -> Iterator[None]:
    obs.discard_metrics()
    yield
    obs.discard_metrics()


def metric_names(blob: dict[str, Any]) -> set[str]:
    return {m["Name"] for d in blob["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}


def test_metrics_aggregate_per_dimension_set_into_valid_emf(capsys: pytest.CaptureFixture[str]) -> None:
    obs.metric("EventsEnqueued", 3, channel="whatsapp")
    obs.metric("EventsEnqueued", 2, channel="whatsapp")
    obs.metric("SignatureFailures", channel="whatsapp")
    obs.metric("EventsEnqueued", 1, channel="instagram")
    assert obs.pending_metrics() == {"EventsEnqueued": 6.0, "SignatureFailures": 1.0}
    blobs = obs.flush_metrics(service="connector")
    assert len(blobs) == 2
    wa = next(b for b in blobs if b["channel"] == "whatsapp")
    assert wa["EventsEnqueued"] == [3.0, 2.0] and wa["SignatureFailures"] == [1.0]
    assert metric_names(wa) == {"SignatureFailures"}  # EventsEnqueued: a property of the line, not a metric
    declared = {m["Name"]: sorted(d["Dimensions"][0]) for d in wa["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
    assert {d["Namespace"] for d in wa["_aws"]["CloudWatchMetrics"]} == {"siu-test"}
    # Only what an alarm reads is a dimension (a metric per channel costs per channel); the rest are properties.
    assert declared == {"SignatureFailures": ["channel", "service"]}
    assert wa["service"] == "connector" and wa["channel"] == "whatsapp"
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert printed == blobs
    assert obs.flush_metrics() == [] and obs.pending_metrics() == {}


def test_metric_mistakes_fail_loudly() -> None:
    with pytest.raises(ValueError, match="CamelCase"):
        obs.metric("signature failures")
    with pytest.raises(TypeError):
        obs.metric("Duplicates", True)
    obs.metric("LabelerLatency", 120, unit="Milliseconds")
    with pytest.raises(ValueError, match="recorded as Milliseconds"):
        obs.metric("LabelerLatency", 1, unit="Count")


def test_buffer_flushes_itself_before_emf_limits(capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(250):
        obs.metric("MessagesIn", channel="whatsapp")
    assert obs.pending_metrics() == {"MessagesIn": 70.0}
    obs.flush_metrics()
    counts = [len(json.loads(line)["MessagesIn"]) for line in capsys.readouterr().out.splitlines()]
    assert counts == [90, 90, 70]


def test_disabled_metrics_are_returned_not_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    obs.metric("Duplicates")
    assert len(obs.flush_metrics()) == 1
    assert capsys.readouterr().out == ""


@pytest.fixture
def log_stream(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    stream = io.StringIO()
    monkeypatch.setattr(obs.get_logger("obs-test").registered_handler, "stream", stream)
    return stream


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(x) for x in stream.getvalue().splitlines()]


def test_sensitive_keys_are_redacted_above_debug(log_stream: io.StringIO) -> None:
    log = obs.get_logger("obs-test")
    assert obs.get_logger("obs-test") is log
    log.info("got message", message_id="m1", text="my address is 1 Main St", app_secret="shh", summary="s")
    log.warning("odd", body="raw body", access_token="EAAG")
    info, warning = lines(log_stream)
    assert info["message_id"] == "m1"
    assert info["text"] == info["app_secret"] == info["summary"] == obs.REDACTED
    assert warning["body"] == warning["access_token"] == obs.REDACTED
    assert "Main St" not in log_stream.getvalue() and "shh" not in log_stream.getvalue()


def test_debug_may_carry_text_when_asked_for(log_stream: io.StringIO) -> None:
    log = obs.get_logger("obs-test")
    log.setLevel(logging.DEBUG)
    try:
        log.debug("debugging", text="visible at debug")
    finally:
        log.setLevel(logging.INFO)
    assert lines(log_stream)[0]["text"] == "visible at debug"


def test_instrument_sets_correlation_and_flushes_even_on_error(
    log_stream: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    @obs.instrument("obs-test", correlation_id_path="requestContext.requestId")
    def handler(event: dict[str, Any], context: Any) -> None:
        obs.metric("LabelerErrors")
        obs.get_logger("obs-test").info("working")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        handler({"requestContext": {"requestId": "abc-1"}}, None)
    assert lines(log_stream)[0]["correlation_id"] == "abc-1"
    [blob] = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert blob["LabelerErrors"] == [1.0] and blob["service"] == "obs-test"


def test_instrument_tolerates_odd_events(log_stream: io.StringIO) -> None:
    @obs.instrument("obs-test", correlation_id_path="requestContext.requestId")
    def handler(event: Any, context: Any) -> str:
        obs.get_logger("obs-test").info("ok")
        return "done"

    assert handler({"requestContext": "not a dict"}, None) == "done"
    assert handler(["a list"], None) == "done"


def _fresh(code: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_importing_obs_does_not_import_powertools() -> None:
    code = "import sys, json, siu_core.obs; print(json.dumps(sorted(m for m in sys.modules if 'powertools' in m)))"
    loaded = _fresh(code)
    assert loaded == []  # type: ignore[comparison-overlap]


def test_connector_loads_only_what_it_needs() -> None:
    """A connector that answered a request has imported no requests, jsonschema, labeling or extra clients."""
    code = """
import json, sys, os
os.environ.update(SIU_CHANNEL="fake", AWS_DEFAULT_REGION="ap-southeast-1", AWS_ACCESS_KEY_ID="x",
                  AWS_SECRET_ACCESS_KEY="x", POWERTOOLS_METRICS_DISABLED="true")
sys.path.insert(0, "tests")
import siu_core.handlers.connector as c
from connector_support import fake_registry, url_event, payload
c.load_channels = lambda only, checked=True: fake_registry()
class Sqs:
    def send_message_batch(self, QueueUrl, Entries):
        return {"Successful": [{"Id": e["Id"]} for e in Entries]}
class Sm:
    def get_parameter(self, Name, WithDecryption):
        return {"Parameter": {"Value": json.dumps({"app_secret": "fake-app-secret-0123456789", "verify_token": "t"})}}
conn = c.connector()
conn.sqs_client, conn.queue_url, conn.secrets._client = Sqs(), "q", Sm()
import io, logging
c.log.registered_handler.stream = io.StringIO()
assert c.handler(url_event("POST", payload(2)), None)["statusCode"] == 200
print(json.dumps(sorted(sys.modules)))
"""
    modules = set(_fresh(code))
    for banned in ("requests", "jsonschema", "siu_core.labeling", "siu_core.store", "yaml", "rich", "click",
                   "aws_lambda_powertools", "concurrent.futures", "siu_core.dev", "siu_core.cli"):
        assert banned not in modules, banned


def test_the_connectors_light_logger_redacts_and_names_exceptions() -> None:
    """The connector's JSON logger keeps the rules of the Powertools ones: no text or secrets above DEBUG."""
    from siu_core.jsonlog import JsonLogger

    log = JsonLogger("light-test", obs.SENSITIVE_KEYS, obs.REDACTED)
    stream = io.StringIO()
    log.registered_handler.setStream(stream)
    log.set_correlation_id("req-9")
    log.info("got message", message_id="m1", text="my address is 1 Main St", app_secret="shh")
    log.debug("hidden at info", text="x")
    try:
        raise KeyError("boom")
    except KeyError:
        log.exception("failed", extra={"channel": "wa"})
    log.setLevel(logging.DEBUG)
    log.debug("shown at debug", text="visible")
    info, error, debug = lines(stream)
    assert info["message_id"] == "m1" and info["text"] == info["app_secret"] == obs.REDACTED
    assert info["correlation_id"] == "req-9" and info["service"] == "light-test" and info["level"] == "INFO"
    assert error["exception_name"] == "KeyError" and "boom" in error["exception"] and error["channel"] == "wa"
    assert debug["text"] == "visible"
    assert "Main St" not in stream.getvalue() and "shh" not in stream.getvalue()


def test_obs_gives_the_connector_the_light_logger() -> None:
    from siu_core.jsonlog import JsonLogger

    assert isinstance(obs.get_logger("connector"), JsonLogger)
    assert not isinstance(obs.get_logger("labeler"), JsonLogger)


def test_every_metric_an_alarm_reads_keeps_the_dimensions_the_alarm_names() -> None:
    from siu_core.deploy.connectors import channel_resources
    from siu_core.deploy.stacks import core_template

    alarms = [r for r in core_template()["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    alarms += [r for r in channel_resources("whatsapp").values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    text = json.dumps(alarms)
    for name, dims in obs.METRIC_DIMENSIONS.items():
        assert name in text, name
        for dim in dims:
            assert dim in text, (name, dim)
    assert obs.declared_dimensions("UnassignedThreads", {"team": "care", "service": "labeler"}) == ("service",)
