"""The per-message figures ``siu cost`` uses are what the code does: re-measured under moto on every run."""

from __future__ import annotations

from typing import Any

import pytest

from siu_core.deploy import cost


@pytest.fixture(scope="module")
def measured() -> dict[str, Any]:
    from siu_core.deploy.measure import measure

    return measure()


def test_a_new_message_is_one_transaction_one_snapshot_and_one_model_call(measured: dict[str, Any]) -> None:
    ops = dict(measured["labeler_message_ops"])
    assert ops["dynamodb:TransactWriteItems"] == 1 and ops["s3:PutObject"] == 1 and ops["bedrock:Converse"] == 1
    message = measured["labeler_message"]
    assert message.dynamodb_write_units == cost.MEASURED["message_dynamodb_write_units"]
    assert message.dynamodb_read_units == cost.MEASURED["message_dynamodb_read_units"]
    assert message.s3_puts == cost.MEASURED["message_s3_puts"]
    assert message.model_calls == cost.MEASURED["message_model_calls"]


def test_a_status_and_a_webhook_cost_what_the_table_says(measured: dict[str, Any]) -> None:
    status = measured["labeler_status"]
    assert status.dynamodb_write_units == cost.MEASURED["status_dynamodb_write_units"]
    assert status.dynamodb_read_units == cost.MEASURED["status_dynamodb_read_units"]
    assert status.s3_puts == cost.MEASURED["status_s3_puts"]
    assert measured["connector"].sqs_requests == cost.MEASURED["connector_sqs_requests"]


def test_the_prompt_size_is_the_labelers_real_request(measured: dict[str, Any]) -> None:
    assert measured["prompt_chars"] == cost.MEASURED["prompt_chars"]
    assert measured["summary_chars"] == cost.MEASURED["answer_chars"]


@pytest.fixture(scope="module")
def inbox_measured() -> dict[str, Any]:
    from siu_core.deploy.measure_inbox import measure_inbox

    return measure_inbox()


def test_an_unchanged_poll_is_small_reads_only_and_a_full_one_what_the_table_says(
        inbox_measured: dict[str, Any]) -> None:
    unchanged, full = inbox_measured["poll_unchanged"], inbox_measured["poll_full"]
    assert inbox_measured["poll_unchanged_ops"] == ["dynamodb:GetItem"]  # no query, no batch read
    assert unchanged.dynamodb_read_units == cost.MEASURED["poll_unchanged_read_units"]
    assert full.dynamodb_read_units == cost.MEASURED["poll_full_read_units"]
    assert unchanged.dynamodb_write_units == full.dynamodb_write_units == 0


def test_index_writes_and_stored_bytes_are_what_the_table_says(inbox_measured: dict[str, Any]) -> None:
    assert inbox_measured["message_index_write_units"] == cost.MEASURED["message_index_write_units"]
    assert inbox_measured["message_dynamodb_bytes"] == pytest.approx(cost.MEASURED["message_dynamodb_bytes"], rel=0.05)
    assert inbox_measured["message_s3_bytes"] == pytest.approx(cost.MEASURED["message_s3_bytes"], rel=0.05)
