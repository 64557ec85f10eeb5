"""The Bedrock labeler contract: recorded Converse answers drive the labeler; every label must be valid.

A cassette directory holds ``cases.yaml`` (the config the cassettes were recorded with, and one case
per cassette: the messages of a batch, optionally the model it was recorded with, and what must come
of each) and vcrpy cassettes (YAML,
version 1) of ``bedrock-runtime`` ``Converse`` calls: good answers, malformed ones, throttling then
a good answer, refusals, filtered content, ``max_tokens``. :func:`check_labeler_contract` replays
every case with a strict labeler (a request no cassette answers is an error, never a fallback) and
returns what is wrong, empty when the labeler honours the contract:

- every message gets labels that validate against the labels schema of the taxonomy;
- a good answer becomes the model's labels, after retries where the case says so;
- a bad answer ends, after the bounded retries, in the rule-based fallback marked ``fallback=True``;
- every recorded interaction is used, and no more calls are made than recorded.

vcrpy is a test-time dependency, imported only here, inside the functions that need it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siu_core.cassettes import scrubber
from siu_core.labeling import LabelInput
from siu_core.labeling.bedrock import BedrockLabeler, LabelOutcome
from siu_core.labeling.output import schema_problems
from siu_core.labeling.prompt import PromptSpec, request_body
from siu_core.labeling.rules import RuleLabeler

#: Request headers botocore adds that change on every call or identify the caller: never recorded.
BEDROCK_SCRUBBED_HEADERS = (
    "x-amz-date",
    "x-amz-content-sha256",
    "x-amz-security-token",
    "amz-sdk-invocation-id",
    "amz-sdk-request",
    "user-agent",
)
MATCH_ON = ("method", "uri", "json_body")
CASES_FILE = "cases.yaml"
REGION = "ap-southeast-1"


def converse_uri(model_id: str, region: str = REGION) -> str:
    """The URL botocore calls for Converse (the ``:`` of a model id is percent-encoded)."""
    from urllib.parse import quote

    return f"https://bedrock-runtime.{region}.amazonaws.com/model/{quote(model_id, safe='')}/converse"


def _json_of(body: Any) -> Any:
    if body is None:
        return None
    raw = body.decode("utf-8") if isinstance(body, bytes | bytearray) else str(body)
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def json_body_matcher(r1: Any, r2: Any) -> None:
    """vcrpy matcher: request bodies equal as JSON (key order and escaping do not matter)."""
    left, right = _json_of(r1.body), _json_of(r2.body)
    if left != right:
        raise AssertionError("the JSON request bodies differ (regenerate the cassettes if the prompt changed)")


def bedrock_vcr(cassette_dir: str | Path, *, record_mode: str = "none") -> Any:
    """A ``vcr.VCR`` for Bedrock cassettes (replay only unless told): core scrubbing plus botocore's volatile
    headers."""
    import vcr

    scrub = scrubber(extra_headers=BEDROCK_SCRUBBED_HEADERS)
    recorder = vcr.VCR(
        cassette_library_dir=str(cassette_dir),
        record_mode=record_mode,
        match_on=MATCH_ON,
        before_record_request=scrub.before_record_request,
        before_record_response=scrub.before_record_response,
    )
    recorder.register_matcher("json_body", json_body_matcher)
    return recorder


# --- cases ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expectation:
    """What must come of one message: who labeled it, after how many calls, and optionally which labels."""

    source: str  # "model" | "fallback" | "rules"
    calls: int
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ContractCase:
    """One cassette and the batch it answers."""

    name: str
    cassette: str
    items: tuple[LabelInput, ...]
    expect: tuple[Expectation, ...]
    #: The model the case was recorded with, when not the config's (a Nova case: forced tool).
    model_id: str | None = None


@dataclass(frozen=True)
class ContractSuite:
    """A cassette directory: the config the cassettes were recorded with, and its cases."""

    config: Any  # SiuConfig
    cases: tuple[ContractCase, ...]

    def prompt(self, model_id: str | None = None) -> PromptSpec:
        """The prompt the cassettes' requests were made from (``model_id``: a case's own model)."""
        return PromptSpec.from_config(self.config, model_id=model_id)

    def labeler(self, client: Any, *, model_id: str | None = None, **options: Any) -> BedrockLabeler:
        """A strict labeler for replay: no real sleeping, unknown errors raise, one call at a time.

        One at a time because vcrpy is not thread-safe: while it builds a connection it puts the real
        connection classes back process-wide (``vcr.patch.force_reset``), so a connection another
        thread builds meanwhile is a real one and its request escapes the cassette. Concurrency is
        proven against a stand-in instead (tests, ``bench/labeler.py``).
        """
        options.setdefault("strict", True)
        options.setdefault("sleep", lambda _s: None)
        options.setdefault("max_workers", 1)
        return BedrockLabeler(self.prompt(model_id), RuleLabeler.from_config(self.config), client=client,
                              **options)


def load_suite(cassette_dir: str | Path) -> ContractSuite:
    """Read ``cases.yaml`` of a cassette directory (ConfigError if its config is invalid)."""
    import yaml

    from siu_core.config import parse_config

    path = Path(cassette_dir) / CASES_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    config = parse_config(data["config"], source=str(path))
    cases = []
    for raw in data["cases"]:
        items = tuple(
            LabelInput(
                message_id=str(i["message_id"]),
                channel=str(i["channel"]),
                customer_id=str(i["customer_id"]),
                kind=str(i.get("kind", "text")),
                text=i.get("text"),
                attachment_types=tuple(i.get("attachment_types", ())),
            )
            for i in raw["items"]
        )
        expect = tuple(
            Expectation(str(e["source"]), int(e["calls"]), {k: str(v) for k, v in (e.get("labels") or {}).items()})
            for e in raw["expect"]
        )
        if len(items) != len(expect):
            raise ValueError(f"{path}: case {raw['name']!r} has {len(items)} items but {len(expect)} expectations")
        model_id = str(raw["model_id"]) if raw.get("model_id") else None
        cases.append(ContractCase(str(raw["name"]), str(raw["cassette"]), items, expect, model_id))
    return ContractSuite(config, tuple(cases))


def bedrock_client(region: str = REGION) -> Any:
    """A bedrock-runtime client for replay, with placeholder credentials (botocore signs before VCR sees it).

    Never the caller's real credentials: a replay needs none, and none should be near a cassette.
    """
    import boto3
    from botocore.config import Config

    return boto3.client(
        "bedrock-runtime",
        region_name=region,
        aws_access_key_id="replay",
        aws_secret_access_key="replay",  # noqa: S106 - a placeholder, not a secret
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )


@dataclass(frozen=True)
class Replay:
    """What replaying one case produced."""

    outcomes: list[LabelOutcome]
    recorded: int
    played: int


def replay_case(
    suite: ContractSuite, case: ContractCase, cassette_dir: str | Path, *, client: Any | None = None, **options: Any
) -> Replay:
    """Run a case's batch through a strict labeler against its cassette."""
    client = client or bedrock_client()
    with bedrock_vcr(cassette_dir).use_cassette(case.cassette) as cassette:
        outcomes = suite.labeler(client, model_id=case.model_id, **options).label_batch_detailed(case.items)
        return Replay(outcomes, len(cassette.data), cassette.play_count)


def case_problems(suite: ContractSuite, case: ContractCase, replay: Replay) -> list[str]:
    """How a replayed case breaks the contract (empty when it holds)."""
    problems: list[str] = []
    topics = suite.prompt(case.model_id).topics
    if replay.played != replay.recorded:
        problems.append(f"{case.name}: {replay.played} of {replay.recorded} recorded calls were made")
    for item, outcome, want in zip(case.items, replay.outcomes, case.expect, strict=True):
        where = f"{case.name}/{item.message_id}"
        labels = outcome.labels
        for problem in schema_problems(labels.model_dump(mode="json"), topics):
            problems.append(f"{where}: labels break the labels schema: {problem}")
        source = "fallback" if labels.fallback else ("model" if labels.labeler.startswith("bedrock:") else "rules")
        if source != want.source:
            problems.append(f"{where}: labeled by {source}, expected {want.source} (attempts: {outcome.errors})")
        if outcome.model_calls != want.calls:
            problems.append(f"{where}: {outcome.model_calls} model calls, expected {want.calls}")
        got = labels.model_dump(mode="json")
        for key, value in want.labels.items():
            if str(got.get(key)) != value:
                problems.append(f"{where}: {key} is {got.get(key)!r}, expected {value!r}")
    return problems


def shipped_cassette_dir() -> Path:
    """The recorded Converse cases that ship with siu-core (the contract suite's ``labeler`` checks)."""
    from importlib import resources

    return Path(str(resources.files("siu_core").joinpath("data", "bedrock_contract")))


def check_labeler_contract(cassette_dir: str | Path) -> list[str]:
    """Replay every recorded case; every problem found, empty when the Bedrock labeler honours the contract."""
    try:
        suite = load_suite(cassette_dir)
    except Exception as exc:
        return [f"{cassette_dir}/{CASES_FILE}: cannot read the cases: {type(exc).__name__}: {exc}"]
    problems: list[str] = []
    for case in suite.cases:
        try:
            replay = replay_case(suite, case, cassette_dir)
        except Exception as exc:  # strict mode: an unanswered request or a labeler bug lands here
            problems.append(f"{case.name}: replay failed: {type(exc).__name__}: {exc}")
            continue
        problems.extend(case_problems(suite, case, replay))
    return problems


# --- writing cassettes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedAnswer:
    """One Converse answer as Bedrock sends it: an HTTP status, JSON body and headers."""

    status: int
    body: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)


_REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 429: "Too Many Requests", 500: "Internal Server Error",
            503: "Service Unavailable"}  # fmt: skip


def interaction(
    spec: PromptSpec, items: Sequence[LabelInput], answer: RecordedAnswer, request_id: str, *, resample: bool = False
) -> dict[str, Any]:
    """One vcrpy interaction: the request the labeler sends for the batch ``items``, and the recorded answer.

    ``resample`` marks a retry after an unusable answer (the labeler then samples a little).
    """
    body = json.dumps(request_body(spec.request(items, resample=resample)), ensure_ascii=False,
                      separators=(",", ":"))
    answer_body = json.dumps(answer.body, ensure_ascii=False, separators=(",", ":"))
    headers = {
        "Content-Type": ["application/json"],
        "Content-Length": [str(len(answer_body.encode("utf-8")))],
        "x-amzn-RequestId": [request_id],
        **{k: [v] for k, v in answer.headers.items()},
    }
    return {
        "request": {
            "body": body,
            "headers": {"Content-Type": ["application/json"]},
            "method": "POST",
            "uri": converse_uri(spec.model_id),
        },
        "response": {
            "body": {"string": answer_body},
            "headers": headers,
            "status": {"code": answer.status, "message": _REASONS.get(answer.status, "Error")},
        },
    }


def cassette_text(interactions: Sequence[Mapping[str, Any]], header: str = "") -> str:
    """A vcrpy cassette (YAML, version 1) holding these interactions, with an optional comment header."""
    import yaml

    text = yaml.safe_dump(
        {"interactions": list(interactions), "version": 1}, allow_unicode=True, sort_keys=True, width=100
    )
    comment = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return comment + text
