"""The Bedrock labeler against an in-process stand-in: concurrency, retries, budget, never raising."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError, NoRegionError, ReadTimeoutError

from siu_core import obs
from siu_core.config import SiuConfig, example_config
from siu_core.labeling import LabelInput, build_labeler
from siu_core.labeling.bedrock import BedrockLabeler
from siu_core.labeling.prompt import TOOL_NAME

MODEL_ID = "global.anthropic.claude-haiku-4-5-20251001-v1:0"


@pytest.fixture(autouse=True)
def clean_metrics():
    obs.discard_metrics()
    yield
    obs.discard_metrics()


@pytest.fixture(scope="module")
def config() -> SiuConfig:
    return example_config()


_MESSAGE = re.compile(r'<m id="(\d+)"[^>]*>(.*?)</m>', re.DOTALL)


def good_answer(request: dict[str, Any], *, reverse: bool = False) -> dict[str, Any]:
    """A valid structured-output answer whose summaries echo the customers' texts, so order can be checked."""
    messages = _MESSAGE.findall(request["messages"][0]["content"][0]["text"])
    entries = [{"id": local, "topic": "other", "urgency": "normal", "language": "en", "summary": text}
               for local, text in messages]
    if reverse:
        entries.reverse()
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": json.dumps({"labels": entries})}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 400, "outputTokens": 50, "totalTokens": 450},
    }


def client_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Converse"
    )


class StandIn:
    """A bedrock-runtime stand-in: scripted answers per call, concurrency observed."""

    def __init__(self, script: Callable[[int, dict[str, Any]], Any] | None = None) -> None:
        self.script = script or (lambda _n, request: good_answer(request))
        self.calls: list[dict[str, Any]] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()

    def converse(self, **request: Any) -> dict[str, Any]:
        with self._lock:
            self.calls.append(request)
            number = len(self.calls)
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            answer = self.script(number, request)
            if isinstance(answer, Exception):
                raise answer
            result: dict[str, Any] = answer
            return result
        finally:
            with self._lock:
                self.active -= 1


def items(n: int) -> list[LabelInput]:
    return [LabelInput(f"m-{i}", "whatsapp", f"c-{i}", "text", f"message number {i}") for i in range(n)]


def labeler(config: SiuConfig, client: Any, **options: Any) -> BedrockLabeler:
    options.setdefault("sleep", lambda _s: None)
    return BedrockLabeler.from_config(config, client=client, **options)


def test_a_batch_of_ten_is_one_call_and_keeps_order(config: SiuConfig) -> None:
    standin = StandIn(lambda _n, request: good_answer(request, reverse=True))  # entries in any order
    outcomes = labeler(config, standin).label_batch_detailed(items(10))
    assert len(standin.calls) == 1
    assert [o.labels.summary for o in outcomes] == [f"message number {i}" for i in range(10)]
    assert all(o.labels.labeler == f"bedrock:{MODEL_ID}" and not o.labels.fallback for o in outcomes)
    assert [o.model_calls for o in outcomes] == [1] * 10
    assert sum(o.usage.input_tokens for o in outcomes) == 400 and sum(o.usage.output_tokens for o in outcomes) == 50


def test_a_batch_too_big_for_one_call_is_split_and_the_calls_run_concurrently(config: SiuConfig) -> None:
    # Every call waits at a barrier until all three are in flight: sequential calls could never pass it.
    barrier = threading.Barrier(3, timeout=10)

    def together(_n: int, request: dict[str, Any]) -> Any:
        barrier.wait()
        return good_answer(request)

    standin = StandIn(together)
    labels = labeler(config, standin).label_batch(items(23))
    assert standin.max_active == 3 and len(standin.calls) == 3
    assert [lab.summary for lab in labels] == [f"message number {i}" for i in range(23)]


def test_concurrency_is_bounded_by_max_workers(config: SiuConfig) -> None:
    barrier = threading.Barrier(3, timeout=10)  # three rounds of three: a fourth in flight would be seen

    def in_threes(_n: int, request: dict[str, Any]) -> Any:
        barrier.wait()
        time.sleep(0.01)
        return good_answer(request)

    standin = StandIn(in_threes)
    labels = labeler(config, standin, max_workers=3).label_batch(items(90))
    assert standin.max_active == 3 and len(standin.calls) == 9
    assert not any(lab.fallback for lab in labels)


def test_entries_missing_from_an_answer_are_asked_again_alone(config: SiuConfig) -> None:
    def drop_second(n: int, request: dict[str, Any]) -> Any:
        answer = good_answer(request)
        if n == 1:
            body = json.loads(answer["output"]["message"]["content"][0]["text"])
            body["labels"] = [e for e in body["labels"] if e["id"] != "2"] + [{**body["labels"][0], "id": "99"}]
            answer["output"]["message"]["content"][0]["text"] = json.dumps(body)
        return answer

    standin = StandIn(drop_second)
    outcomes = labeler(config, standin).label_batch_detailed(items(3))
    assert len(standin.calls) == 2
    assert standin.calls[1]["messages"][0]["content"][0]["text"] == '<m id="1">message number 1</m>'
    assert standin.calls[1]["inferenceConfig"]["temperature"] > 0
    assert [o.model_calls for o in outcomes] == [1, 2, 1]
    assert outcomes[1].errors == ["invalid_output"] and outcomes[1].attempts[0].detail == "no labels for this message"
    assert [o.labels.summary for o in outcomes] == [f"message number {i}" for i in range(3)]
    assert not any(o.labels.fallback for o in outcomes)


def test_a_fault_of_the_whole_call_falls_back_per_message(config: SiuConfig) -> None:
    standin = StandIn(lambda _n, _r: client_error("AccessDeniedException", 403))
    outcomes = labeler(config, standin).label_batch_detailed(items(4))
    assert len(standin.calls) == 1
    assert [o.message_id for o in outcomes] == [f"m-{i}" for i in range(4)]
    assert all(o.labels.fallback and o.errors == ["AccessDeniedException"] for o in outcomes)
    assert obs.pending_metrics() == {"LabelerErrors": 4.0, "FallbackLabels": 4.0}


def test_messages_without_text_never_reach_the_model(config: SiuConfig) -> None:
    standin = StandIn()
    batch = [
        LabelInput("m-img", "instagram", "c", "image", None, ("image",)),
        LabelInput("m-txt", "instagram", "c", "text", "where is my order"),
    ]
    outcomes = labeler(config, standin).label_batch_detailed(batch)
    assert len(standin.calls) == 1
    assert (outcomes[0].labels.labeler, outcomes[0].labels.fallback, outcomes[0].model_calls) == ("rules", False, 0)
    assert outcomes[0].labels.summary == "[image]"
    assert outcomes[1].labels.labeler.startswith("bedrock:")
    assert labeler(config, StandIn()).label_batch([]) == []


def test_persistent_throttling_backs_off_with_jitter_then_falls_back(config: SiuConfig) -> None:
    pauses: list[float] = []
    standin = StandIn(lambda _n, _r: client_error("ThrottlingException", 429))
    outcome = labeler(config, standin, sleep=pauses.append).label_batch_detailed(items(1))[0]
    assert outcome.errors == ["ThrottlingException"] * 3 and outcome.labels.fallback is True
    assert len(pauses) == 2 and 0 <= pauses[0] <= 0.5 and 0 <= pauses[1] <= 1.0
    assert obs.pending_metrics() == {"LabelerErrors": 3.0, "FallbackLabels": 1.0}
    # throttling is not the model's fault: the retries do not resample
    assert {c["inferenceConfig"]["temperature"] for c in standin.calls} == {0.0}


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (client_error("ServiceUnavailableException", 503), "ServiceUnavailableException"),
        (client_error("ModelNotReadyException", 429), "ModelNotReadyException"),
        (client_error("InternalServerException", 500), "InternalServerException"),
        (ReadTimeoutError(endpoint_url="https://bedrock"), "transport"),
    ],
)
def test_transient_errors_are_retried(config: SiuConfig, error: Exception, kind: str) -> None:
    standin = StandIn(lambda n, r: error if n == 1 else good_answer(r))
    outcome = labeler(config, standin).label_batch_detailed(items(1))[0]
    assert outcome.errors == [kind] and outcome.model_calls == 2 and outcome.labels.fallback is False


@pytest.mark.parametrize("code", ["AccessDeniedException", "ValidationException", "ResourceNotFoundException"])
def test_client_errors_fall_back_without_retrying(config: SiuConfig, code: str) -> None:
    standin = StandIn(lambda _n, _r: client_error(code, 400 if code == "ValidationException" else 403))
    outcome = labeler(config, standin).label_batch_detailed(items(1))[0]
    assert outcome.errors == [code] and len(standin.calls) == 1 and outcome.labels.fallback is True


def test_no_attempt_starts_that_could_outlast_the_budget(config: SiuConfig) -> None:
    now = [0.0]

    def slow_throttle(_n: int, _r: dict[str, Any]) -> Any:
        now[0] += 13.0  # a call eats 13 s of the 20 s budget: 10 s more (the read timeout) would overrun
        return client_error("ThrottlingException", 429)

    standin = StandIn(slow_throttle)
    outcome = labeler(config, standin, clock=lambda: now[0]).label_batch_detailed(items(1))[0]
    assert outcome.errors == ["ThrottlingException", "budget_exhausted"]
    assert outcome.model_calls == 1 and outcome.labels.fallback is True


def test_a_client_that_cannot_be_built_means_fallback_not_failure(
    config: SiuConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    def no_region(*_a: Any, **_k: Any) -> Any:
        raise NoRegionError()

    monkeypatch.setattr(boto3, "client", no_region)
    lenient = BedrockLabeler.from_config(config)
    outcomes = lenient.label_batch_detailed(items(2))
    assert [o.errors for o in outcomes] == [["client_unavailable"]] * 2
    assert [o.model_calls for o in outcomes] == [0, 0]
    assert all(o.labels.fallback for o in outcomes)
    with pytest.raises(NoRegionError):
        BedrockLabeler.from_config(config, strict=True).label_batch(items(1))


def test_a_bug_in_the_rules_still_yields_labels(config: SiuConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    lab = labeler(config, StandIn(lambda _n, _r: client_error("AccessDeniedException", 403)))

    def broken(*_a: Any, **_k: Any) -> Any:
        raise MemoryError("language model could not load")

    monkeypatch.setattr(lab.fallback, "label", broken)
    labels = lab.label_batch(items(1))[0]
    assert (labels.topic, labels.language, labels.fallback, labels.labeler) == ("other", "und", True, "rules-fallback")


def test_unexpected_errors_are_not_retried_and_raise_when_strict(config: SiuConfig) -> None:
    standin = StandIn(lambda _n, _r: KeyError("surprise"))
    outcome = labeler(config, standin).label_batch_detailed(items(1))[0]
    assert outcome.errors == ["unexpected"] and len(standin.calls) == 1 and outcome.labels.fallback
    with pytest.raises(KeyError):
        labeler(config, StandIn(lambda _n, _r: KeyError("surprise")), strict=True).label_batch(items(3))


def test_the_client_is_built_lazily_once_without_botocore_retries(config: SiuConfig) -> None:
    lab = build_labeler(config, kind="bedrock")
    assert isinstance(lab, BedrockLabeler)
    assert lab._client is None  # nothing built at construction
    client = lab.client()
    assert lab.client() is client
    assert client.meta.service_model.service_name == "bedrock-runtime"
    assert client.meta.region_name == "ap-southeast-1"
    cfg = client.meta.config
    assert cfg.retries["total_max_attempts"] == 1
    assert (cfg.connect_timeout, cfg.read_timeout) == (2.0, 10.0)
    assert cfg.max_pool_connections >= 10


@pytest.mark.parametrize(
    "answer",
    [
        {"output": ["not", "a", "message"], "stopReason": "end_turn"},
        {"output": {"message": {"content": [{"toolUse": {"name": TOOL_NAME, "input": {}}}]}}},
        {"output": {"message": {"content": [{"text": '["a list"]'}]}}, "stopReason": "end_turn"},
        {"output": {"message": {"content": [{"text": '{"labels": "none"}'}]}}, "stopReason": "end_turn"},
        {"output": {"message": {"content": "text"}}, "stopReason": "end_turn"},
        {},
    ],
)
def test_answers_of_an_unexpected_shape_are_unusable_not_fatal(config: SiuConfig, answer: dict[str, Any]) -> None:
    standin = StandIn(lambda n, r: answer if n == 1 else good_answer(r))
    outcome = labeler(config, standin).label_batch_detailed(items(1))[0]
    assert outcome.errors in (["invalid_output"], ["refusal"])
    assert outcome.model_calls == 2 and outcome.labels.fallback is False


def test_a_bug_of_ours_costs_the_model_labels_never_the_message(
    config: SiuConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    lab = labeler(config, StandIn())

    def broken(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr("siu_core.labeling.bedrock.parse_batch", broken)
    outcomes = lab.label_batch_detailed(items(3))
    assert [o.errors for o in outcomes] == [["internal_error"]] * 3
    assert all(o.labels.fallback and o.labels.topic == "other" for o in outcomes)
    with pytest.raises(RuntimeError):
        labeler(config, StandIn(), strict=True).label_batch(items(2))


def test_the_budget_must_leave_room_for_one_call(config: SiuConfig) -> None:
    with pytest.raises(ValueError, match="budget_seconds"):
        labeler(config, StandIn(), budget_seconds=5.0, read_timeout=8.0)
    with pytest.raises(ValueError, match="at least 1"):
        labeler(config, StandIn(), max_workers=0)


def test_the_labeler_benchmark_runs_against_its_loopback_standin() -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    code = "import json, bench.labeler as b\nb.LATENCY_S, b.RUNS = 0.05, 1\nprint(json.dumps(b.run()))\n"
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["labeler_batch_latency_ratio"] < 5  # sequential calls would be ~10
    assert figures["label_prompt_overhead_chars"] > 0
    assert figures["label_input_tokens_ratio"] >= 3  # issue 16: at least 3 times fewer input tokens
    assert figures["label_input_tokens_per_message_batches_of_10"] < figures["label_input_tokens_per_message"]
