"""``siu cost``: the monthly estimate's arithmetic, its inputs, and the command."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from siu_core.deploy import cost, prices


def test_every_line_is_quantity_times_a_listed_price() -> None:
    est = cost.estimate(10_000, 3)
    assert est.lines and all(line.usd >= 0 for line in est.lines)
    assert est.total == round(sum(line.usd for line in est.lines), 2)
    assert set(est.by_service()) == {"Lambda", "SQS", "DynamoDB", "S3", "Secrets Manager", "EventBridge Scheduler",
                                     "CloudWatch", "Bedrock"}


def test_variable_costs_scale_with_messages_and_fixed_ones_do_not() -> None:
    zero, ten, twenty = (cost.estimate(n, 3) for n in (0, 10_000, 20_000))
    assert zero.by_service()["Bedrock"] == 0
    assert twenty.by_service()["Bedrock"] == pytest.approx(2 * ten.by_service()["Bedrock"])
    assert zero.by_service()["Secrets Manager"] > 0  # secrets and alarms cost the same at any volume
    assert twenty.total - ten.total == pytest.approx(ten.total - zero.total, rel=1e-3)


def test_one_secret_per_channel_is_what_the_fixed_cost_counts() -> None:
    three, four = cost.estimate(0, 3), cost.estimate(0, 4)
    secret = next(line for line in four.lines if line.unit == "secrets")
    assert secret.quantity == 4 + 2  # one JSON secret per channel + inbox key + Slack token
    assert four.by_service()["Secrets Manager"] - three.by_service()["Secrets Manager"] == pytest.approx(
        prices.PRICES["secret_month"])


def test_tokens_per_label_come_from_the_measured_prompt() -> None:
    tokens_in, tokens_out = cost.tokens_per_label()
    assert tokens_in == -(-cost.MEASURED["prompt_chars"] // cost.CHARS_PER_TOKEN) + cost.TOOL_USE_OVERHEAD_TOKENS
    assert 500 < tokens_in < 800 and 40 < tokens_out < 100


def test_the_price_table_is_dated_and_for_the_build_sheets_region() -> None:
    assert prices.REGION == "ap-southeast-1" and prices.AS_OF.startswith("20")
    output, input_ = prices.PRICES["bedrock_haiku45_output_token"], prices.PRICES["bedrock_haiku45_input_token"]
    assert output == pytest.approx(5 * input_)


def test_the_command_prints_a_bill_and_json() -> None:
    from siu_core.cli import cli

    text = CliRunner().invoke(cli, ["cost", "--messages-per-month", "10000"])
    assert text.exit_code == 0 and "total" in text.output and "ap-southeast-1" in text.output
    data = json.loads(CliRunner().invoke(cli, ["cost", "--messages-per-month", "10000", "--json"]).output)
    assert data["total_usd"] == cost.estimate(10_000).total and data["prices_as_of"] == prices.AS_OF
    assert CliRunner().invoke(cli, ["cost", "--messages-per-month", "-1"]).exit_code == 2
