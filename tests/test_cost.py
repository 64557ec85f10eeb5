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
    assert set(est.by_service()) == {"Lambda", "SQS", "DynamoDB", "S3", "SSM Parameter Store", "KMS",
                                     "EventBridge Scheduler", "CloudWatch", "Bedrock", "EFS"}


def test_variable_costs_scale_with_messages_and_fixed_ones_do_not() -> None:
    zero, ten, twenty = (cost.estimate(n, 3) for n in (0, 10_000, 20_000))
    assert zero.by_service()["Bedrock"] == 0
    assert twenty.by_service()["Bedrock"] == pytest.approx(2 * ten.by_service()["Bedrock"], rel=1e-3)
    assert zero.by_service()["KMS"] > 0  # secret reads at cold starts and alarms cost the same at any volume
    ten_more, first_ten = twenty.total - ten.total, ten.total - zero.total
    # No metric is published per message; the tabs poll faster with more changes, up to the fast pace.
    assert 0.8 * first_ten < ten_more <= first_ten


def test_alarms_and_logs_are_what_the_template_configures() -> None:
    from siu_core.aws.template import load_template

    resources = load_template()["Resources"]
    alarms = [r for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    line = next(line for line in cost.estimate(0, 3).lines if line.item.startswith("alarms"))
    assert line.quantity == len(alarms) == cost.ASSUMPTIONS["alarm_metrics"]  # the connectors stack has none
    functions = [r for r in resources.values() if r["Type"] == "AWS::Serverless::Function"]
    # log_bytes_per_poll is 0 only because no function ingests Lambda's START/END/REPORT lines.
    assert cost.ASSUMPTIONS["log_bytes_per_poll"] == 0
    assert all(f["Properties"]["LoggingConfig"]["SystemLogLevel"] == "WARN" for f in functions)


def test_one_secret_per_channel_is_counted_and_standard_securestrings_are_free() -> None:
    three, four = cost.estimate(0, 3), cost.estimate(0, 4)
    secret = next(line for line in four.lines if line.unit == "secrets")
    assert secret.quantity == 4 + 2  # one JSON secret per channel + inbox key + Slack token
    assert secret.usd == 0 and four.by_service()["SSM Parameter Store"] == 0
    # A channel more is one function more reading (and decrypting) its secret at cold starts.
    assert four.by_service()["KMS"] - three.by_service()["KMS"] == pytest.approx(
        2 * 24 * 30 * prices.PRICES["kms_request"], abs=0.01)
    assert "Secrets Manager" not in four.by_service()


def test_tokens_per_label_are_one_stated_constant_and_labels_follow_threads() -> None:
    assert cost.tokens_per_label() == (cost.LABEL_INPUT_TOKENS, cost.LABEL_OUTPUT_TOKENS)
    est = cost.estimate(9_000, 3)
    tokens = next(line for line in est.lines if line.service == "Bedrock" and "input" in line.item)
    threads = 9_000 / cost.ASSUMPTIONS["messages_per_thread"]  # follow-ups are not labeled by the model
    assert tokens.quantity == pytest.approx(threads * cost.LABEL_INPUT_TOKENS)


def test_the_stated_tokens_are_at_most_what_the_measured_request_works_out_to() -> None:
    measured_in, measured_out = cost.measured_tokens_per_label()
    assert measured_in >= cost.LABEL_INPUT_TOKENS and measured_out + 20 >= cost.LABEL_OUTPUT_TOKENS


def test_the_inbox_traffic_index_writes_metrics_and_storage_are_lines() -> None:
    items = " | ".join(line.item for line in cost.estimate(10_000, 3, teammates=5).lines)
    for word in ("inbox polls", "global secondary indexes", "custom metrics", "storage", "alarms"):
        assert word in items, word


def test_inbox_polls_scale_with_teammates_and_cost_little_when_nothing_changes() -> None:
    none, five = cost.estimate(0, 3, teammates=0), cost.estimate(0, 3, teammates=5)
    per_teammate = (five.total - none.total) / 5
    assert 0 < per_teammate < 0.05  # every 4 s unconditionally was $1.78 a teammate-month; with 304s $0.13
    full, unchanged = cost.polls_per_teammate_hour(0.0)
    # Idle: a full poll (every section, the thread half the time) only every five minutes; the rest 304.
    assert full == pytest.approx(3600 / cost.FRESH_SECONDS * 2.5) and unchanged == cost.polls_per_hour(10) - 12


def test_the_idle_floor_has_no_per_message_line_above_zero() -> None:
    idle = cost.estimate(0, 3, teammates=0)
    assert idle.by_service()["Bedrock"] == 0 and idle.by_service()["S3"] == 0
    metrics = next(line for line in idle.lines if "custom metrics" in line.item)
    assert metrics.usd == 0  # EMF metrics are billed only in months they publish


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


@pytest.mark.parametrize(("gap", "polls"), [(3.9, 0), (4, 1), (10, 2), (52.75, 5), (82.75, 6), (112.75, 7),
                                             (3600, 6 + int((3600 - 82.75) // 30))])
def test_a_quiet_tab_slows_down_from_4_to_30_seconds(gap: float, polls: int) -> None:
    assert cost.polls_between(gap) == polls  # 4, 6, 9, 13.5, 20.25, then every 30 s


@pytest.mark.parametrize(("changes", "per_hour"), [(0, 120), (10, 150), (227, 454), (900, 900), (5000, 900)])
def test_polls_an_hour_follow_the_changes_and_never_exceed_the_fast_pace(changes: float, per_hour: float) -> None:
    assert cost.polls_per_hour(changes) == pytest.approx(per_hour)


def test_the_cost_model_counts_the_schedule_the_page_runs() -> None:
    import re
    from pathlib import Path

    js = (Path(cost.__file__).parents[1] / "ui" / "live.js").read_text(encoding="utf-8")
    declared = {name: float(value) for name, value in re.findall(r"export const (POLL_\w+) = ([\d.]+);", js)}
    assert declared == {"POLL_FAST_SECONDS": cost.POLL_FAST_SECONDS, "POLL_IDLE_SECONDS": cost.POLL_IDLE_SECONDS,
                        "POLL_GROWTH": cost.POLL_GROWTH}


def test_the_bill_holds_the_issues_bar_at_10k_messages_and_with_none() -> None:
    assert cost.estimate(10_000, 3, teammates=5).total <= 5.00
    assert cost.estimate(0, 3, teammates=5).total <= 1.00


def test_every_read_a_poll_makes_is_counted() -> None:
    one_team = cost.polls_per_teammate_hour(0.0)
    two_teams = cost.polls_per_teammate_hour(0.0, {**cost.ASSUMPTIONS, "queue_team_sections": 2.0})
    # A full poll reads mine + each team + the thread half the time; an unchanged one only its first section.
    assert two_teams[0] == pytest.approx(one_team[0] * 3.5 / 2.5) and two_teams[1] == one_team[1]
    idle = cost.estimate(0, 3, teammates=5)
    requests = next(line for line in idle.lines if line.item.startswith("requests: inbox polls"))
    tab_hours = 5 * cost.ASSUMPTIONS["teammate_hours_per_month"]
    mentions = tab_hours * 3600 / cost.FRESH_SECONDS  # idle: only after the five-minute full reads
    assert requests.quantity == pytest.approx(tab_hours * sum(one_team) + mentions)
