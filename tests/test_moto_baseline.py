"""The session-wide moto (``moto_baseline``): each test starts from the provisioned baseline, whatever the last did."""

from __future__ import annotations

import json

import pytest
from moto_baseline import SharedMoto
from pipeline_support import dump_state

from siu_core.aws import clients
from siu_core.aws.names import resource_names
from siu_core.store import ddb


def _everything() -> dict[str, object]:
    """Every table item, S3 version, queued message, SSM parameter and secret."""
    names = resource_names()
    sqs = clients.sqs()
    queued = {}
    for url in sqs.list_queues().get("QueueUrls", []):
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        queued[url] = (attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"])
    ssm = clients.client("ssm")
    parameters = {p["Name"]: p["Value"] for page in ssm.get_paginator("get_parameters_by_path").paginate(
        Path="/", Recursive=True) for p in page["Parameters"]}
    return {"state": dump_state(), "queues": queued, "parameters": parameters,
            "tables": sorted(clients.dynamodb().list_tables()["TableNames"]), "bucket": names.bucket}


def _dirty_everything() -> None:
    names = resource_names()
    for table in (names.dedupe, names.threads, names.messages, names.customers, names.assignments,
                  names.loadcount, names.roster, names.audit, names.composer):
        described = clients.dynamodb().describe_table(TableName=table)["Table"]
        types = {a["AttributeName"]: a["AttributeType"] for a in described["AttributeDefinitions"]}
        item = {k["AttributeName"]: {"N": "1"} if types[k["AttributeName"]] == "N" else {"S": "dirty"}
                for k in described["KeySchema"]}
        clients.dynamodb().put_item(TableName=table, Item=item | {"note": {"S": "left by a test"}})
    s3 = clients.s3()
    s3.put_object(Bucket=names.bucket, Key="snap/one", Body=b"1")
    s3.put_object(Bucket=names.bucket, Key="snap/one", Body=b"2")
    s3.delete_object(Bucket=names.bucket, Key="snap/one")  # two versions and a delete marker
    sqs = clients.sqs()
    for url in sqs.list_queues()["QueueUrls"]:
        sqs.send_message(QueueUrl=url, MessageBody="left", MessageGroupId="a", MessageDeduplicationId="1")
        sqs.send_message(QueueUrl=url, MessageBody="in flight", MessageGroupId="b", MessageDeduplicationId="2")
    sqs.receive_message(QueueUrl=clients.queue_url(), MaxNumberOfMessages=1)
    ssm = clients.client("ssm")
    ssm.put_parameter(Name="/siu/config/default_team", Value='"accounts"', Type="String", Overwrite=True)
    ssm.put_parameter(Name="/left/behind", Value="x", Type="String")
    clients.client("ssm").put_parameter(Type="SecureString", Name="/siu/secrets/left", Value=json.dumps({"a": "b"}))


@pytest.fixture
def shared(monkeypatch):
    """A SharedMoto of the test's own (not the session's), its names in the environment."""
    shared = SharedMoto()

    def scope():
        cm = shared.test_scope()
        baseline = cm.__enter__()
        for key, value in baseline.env.items():
            monkeypatch.setenv(key, value)
        return cm

    shared.scope = scope
    return shared


def test_the_next_test_gets_every_table_queue_bucket_parameter_and_secret_back(shared) -> None:
    scope = shared.scope()
    before = _everything()
    assert before["state"][resource_names().roster]  # the seeded roster is part of the baseline
    _dirty_everything()
    dirty = _everything()
    assert all(dirty[k] != before[k] for k in ("state", "queues", "parameters")), dirty
    scope.__exit__(None, None, None)

    scope = shared.scope()
    assert _everything() == before
    scope.__exit__(None, None, None)
    assert (shared.provisioned, shared.lent) == (1, 1), shared.refused


def test_between_tests_moto_is_empty(shared) -> None:
    from moto import mock_aws

    shared.scope().__exit__(None, None, None)
    with mock_aws():  # a test with its own moto (a moto server in-process sees the same)
        assert clients.dynamodb().list_tables()["TableNames"] == []
        assert clients.s3().list_buckets()["Buckets"] == []
        assert "QueueUrls" not in clients.sqs().list_queues()
    scope = shared.scope()
    assert resource_names().threads in clients.dynamodb().list_tables()["TableNames"]
    scope.__exit__(None, None, None)
    assert (shared.provisioned, shared.lent) == (1, 1), shared.refused


def test_a_deleted_resource_means_provisioning_again(shared) -> None:
    scope = shared.scope()
    clients.dynamodb().delete_table(TableName=resource_names().threads)
    scope.__exit__(None, None, None)
    assert shared.baseline is None
    scope = shared.scope()
    assert resource_names().threads in clients.dynamodb().list_tables()["TableNames"]
    scope.__exit__(None, None, None)
    assert (shared.provisioned, shared.lent) == (2, 0)


def test_another_region_provisions_for_that_region(shared, monkeypatch) -> None:
    shared.scope().__exit__(None, None, None)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    scope = shared.scope()
    assert shared.baseline.region == "eu-west-1"
    scope.__exit__(None, None, None)
    assert (shared.provisioned, shared.lent) == (2, 0), shared.refused


@pytest.mark.parametrize("round_", [1, 2])
def test_writes_of_one_test_are_gone_in_the_next(aws, round_: int) -> None:
    names = aws.provisioned.names
    assert ddb.get(names.threads, {"thread_id": "leak-check"}) is None
    assert "Contents" not in clients.s3().list_objects_v2(Bucket=names.bucket)
    clients.dynamodb().put_item(TableName=names.threads, Item={"thread_id": {"S": "leak-check"}})
    clients.s3().put_object(Bucket=names.bucket, Key="leak-check", Body=b"x")
