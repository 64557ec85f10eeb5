"""siu dev's DynamoDB emulation answers each request atomically, as DynamoDB does."""

from __future__ import annotations

import threading
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler

from siu_core.dev.emulation import DYNAMODB_ACTIONS, atomic_dynamodb_actions


def _table(client: Any) -> None:
    client.create_table(TableName="t", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                        BillingMode="PAY_PER_REQUEST")


def test_a_write_waits_while_a_transaction_is_inside_the_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto rolls a failed transaction back by restoring whole tables: nothing may write meanwhile."""
    for name, handler in atomic_dynamodb_actions(threading.RLock()).items():
        monkeypatch.setattr(DynamoHandler, name, handler)
    entered, release = threading.Event(), threading.Event()
    original = DynamoDBBackend.transact_write_items

    def slow(self: Any, *args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(10)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", slow)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="ap-southeast-1")
        _table(client)
        refused: list[str] = []

        def transaction() -> None:
            try:
                client.transact_write_items(TransactItems=[{"ConditionCheck": {
                    "TableName": "t", "Key": {"k": {"S": "absent"}}, "ConditionExpression": "attribute_exists(k)"}}])
            except client.exceptions.TransactionCanceledException:
                refused.append("cancelled")

        def write() -> None:
            client.put_item(TableName="t", Item={"k": {"S": "concurrent"}})

        first = threading.Thread(target=transaction)
        first.start()
        assert entered.wait(10)
        second = threading.Thread(target=write)
        second.start()
        second.join(0.5)
        waited = second.is_alive()
        release.set()
        first.join(10)
        second.join(10)
        assert waited, "the write ran inside the transaction's rollback window"
        assert refused == ["cancelled"]
        assert client.get_item(TableName="t", Key={"k": {"S": "concurrent"}}).get("Item"), "the write was kept"


def test_every_item_action_is_wrapped_and_keeps_its_name() -> None:
    wrapped = atomic_dynamodb_actions(threading.RLock())
    assert set(wrapped) == set(DYNAMODB_ACTIONS)
    assert all(fn.__name__ == name and hasattr(DynamoHandler, name) for name, fn in wrapped.items())


def test_the_dev_stack_installs_it_before_the_emulator_starts() -> None:
    import inspect

    from siu_core.dev.stack import DevStack

    source = inspect.getsource(DevStack._start_emulation)
    assert source.index("make_dynamodb_atomic()") < source.index("recording_server(")


def _state(client: Any) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for table in ("hashed", "ranged"):
        items = [i for page in client.get_paginator("scan").paginate(TableName=table) for i in page["Items"]]
        out[table] = sorted(items, key=lambda i: repr(sorted(i.items())))
    return out


def test_a_failed_transaction_restores_exactly_what_it_touched_and_nothing_else(monkeypatch) -> None:
    """The lighter rollback: every kind of write, then a failing condition, leaves the tables as they were."""
    from siu_core.dev.emulation import emulator_patches

    for target, name, value in emulator_patches():
        monkeypatch.setattr(target, name, value)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="ap-southeast-1")
        client.create_table(TableName="hashed", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                            BillingMode="PAY_PER_REQUEST")
        client.create_table(TableName="ranged", KeySchema=[{"AttributeName": "p", "KeyType": "HASH"},
                                                           {"AttributeName": "s", "KeyType": "RANGE"}],
                            AttributeDefinitions=[{"AttributeName": "p", "AttributeType": "S"},
                                                  {"AttributeName": "s", "AttributeType": "S"}],
                            BillingMode="PAY_PER_REQUEST")
        for i in range(5):
            client.put_item(TableName="hashed", Item={"k": {"S": f"h{i}"}, "n": {"N": str(i)},
                                                      "m": {"M": {"tags": {"L": [{"S": "a"}]}}}})
            client.put_item(TableName="ranged", Item={"p": {"S": "thread"}, "s": {"S": f"{i:03d}"},
                                                      "text": {"S": f"message {i}"}})
        before = _state(client)
        with pytest.raises(client.exceptions.TransactionCanceledException):
            client.transact_write_items(TransactItems=[
                {"Update": {"TableName": "hashed", "Key": {"k": {"S": "h1"}},
                            "UpdateExpression": "SET n = n + :one, m.tags = list_append(m.tags, :more)",
                            "ExpressionAttributeValues": {":one": {"N": "1"}, ":more": {"L": [{"S": "b"}]}}}},
                {"Put": {"TableName": "hashed", "Item": {"k": {"S": "new"}}}},
                {"Delete": {"TableName": "hashed", "Key": {"k": {"S": "h2"}}}},
                {"Update": {"TableName": "ranged", "Key": {"p": {"S": "thread"}, "s": {"S": "001"}},
                            "UpdateExpression": "SET #t = :t", "ExpressionAttributeNames": {"#t": "text"},
                            "ExpressionAttributeValues": {":t": {"S": "edited"}}}},
                {"Put": {"TableName": "ranged", "Item": {"p": {"S": "thread"}, "s": {"S": "999"}}}},
                {"Delete": {"TableName": "ranged", "Key": {"p": {"S": "thread"}, "s": {"S": "003"}}}},
                {"ConditionCheck": {"TableName": "hashed", "Key": {"k": {"S": "h4"}},
                                    "ConditionExpression": "n = :zero",
                                    "ExpressionAttributeValues": {":zero": {"N": "0"}}}},
            ])
        assert _state(client) == before
        client.transact_write_items(TransactItems=[
            {"Update": {"TableName": "hashed", "Key": {"k": {"S": "h1"}}, "UpdateExpression": "SET n = :n",
                        "ExpressionAttributeValues": {":n": {"N": "42"}}}},
            {"Delete": {"TableName": "ranged", "Key": {"p": {"S": "thread"}, "s": {"S": "003"}}}},
        ])
        after = _state(client)
        assert {i["k"]["S"]: i["n"]["N"] for i in after["hashed"]}["h1"] == "42"
        assert len(after["ranged"]) == 4
