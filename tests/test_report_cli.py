"""``siu report`` without a stack: usage errors, and the text rendering of a report."""

from __future__ import annotations

from click.testing import CliRunner

from siu_core.cli import cli
from siu_core.cli.report import render


def test_csv_and_json_together_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["report", "--csv", "--json"])
    assert result.exit_code == 2 and "choose one of --csv and --json" in result.output


def test_an_unknown_report_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["report", "--report", "nope"])
    assert result.exit_code == 2 and "nope" in result.output


def test_one_row_reads_as_figures_and_many_as_a_table() -> None:
    one = render(("day", "first_response_median_s", "sla_attainment", "opened"),
                 [{"day": "2026-03-09", "first_response_median_s": 3900.0, "sla_attainment": 0.75, "opened": 2}], "t")
    assert one.splitlines()[2:] == ["day                      2026-03-09", "first_response_median_s  1h 05m",
                                    "sla_attainment           75.0%", "opened                   2"]
    many = render(("day", "resolution_s"), [{"day": "a", "resolution_s": 90000}, {"day": "b", "resolution_s": None}],
                  "t")
    assert many.splitlines()[2:] == ["day  resolution_s", "a    1d 1h 00m", "b    -"]
    assert render(("day",), [], "t").endswith("(nothing in this range)")
