"""infra/template.yaml and the local provisioner: the resources tests and `siu dev` run on are the template's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from siu_core.aws import clients, names
from siu_core.aws.provision import ProvisionError, lifecycle_rule, provision
from siu_core.aws.template import TemplateError, load_template, resolve, template_path


def test_template_is_found_from_the_checkout() -> None:
    path = template_path()
    assert path.name == "template.yaml" and path.parent.name == "infra"


def test_short_form_tags_load_as_long_form_intrinsics() -> None:
    template = load_template()
    queue = template["Resources"]["IntakeQueue"]["Properties"]
    assert queue["QueueName"] == {"Fn::Sub": "${NamePrefix}-intake-queue.fifo"}
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["IntakeDLQ", "Arn"]}
    assert template["Transform"] == "AWS::Serverless-2016-10-31"


def test_every_table_is_on_demand_and_defined_once() -> None:
    resources = load_template()["Resources"]
    tables = {k: v for k, v in resources.items() if v["Type"] == "AWS::DynamoDB::Table"}
    assert all(t["Properties"]["BillingMode"] == "PAY_PER_REQUEST" for t in tables.values())
    table_names = [t["Properties"]["TableName"]["Fn::Sub"] for t in tables.values()]
    assert len(table_names) == len(set(table_names)) == 9  # six of the build sheet + two + the composer's
    expected = {logical for _f, (_e, _s, logical) in names.RESOURCES.items()}
    assert expected <= set(resources)


def test_bucket_denies_plain_http_and_blocks_public_access() -> None:
    resources = load_template()["Resources"]
    bucket = resources["SnapshotBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    statement = resources["SnapshotBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_dlq_threshold_is_the_one_the_labeler_reports() -> None:
    from siu_core.handlers.labeler import MAX_RECEIVES

    policy = load_template()["Resources"]["IntakeQueue"]["Properties"]["RedrivePolicy"]
    assert policy["maxReceiveCount"] == MAX_RECEIVES


def test_name_defaults_equal_the_template_names(aws) -> None:
    provisioned = aws.provisioned
    for field, (_env, _suffix, logical) in names.RESOURCES.items():
        assert provisioned.physical[logical] == names.default_name(field, "siu")
    assert provisioned.names == names.resource_names()


def test_provisioned_resources_match_the_template(aws) -> None:
    ddb = clients.dynamodb()
    dedupe = aws.provisioned.names.dedupe
    ttl = ddb.describe_time_to_live(TableName=dedupe)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    threads = ddb.describe_table(TableName=aws.provisioned.names.threads)["Table"]
    indexes = [i["IndexName"] for i in threads["GlobalSecondaryIndexes"]]
    assert indexes == [names.THREADS_BY_CUSTOMER]
    assignments = ddb.describe_table(TableName=aws.provisioned.names.assignments)["Table"]
    gsi = assignments["GlobalSecondaryIndexes"][0]
    assert gsi["IndexName"] == names.ASSIGNMENTS_BY_ASSIGNEE
    assert [k["AttributeName"] for k in gsi["KeySchema"]] == ["assignee", "status"]
    backups = ddb.describe_continuous_backups(TableName=aws.provisioned.names.audit)
    assert backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
        "PointInTimeRecoveryStatus"] == "ENABLED"

    sqs = clients.sqs()
    attrs = sqs.get_queue_attributes(QueueUrl=aws.provisioned.queue_urls["IntakeQueue"],
                                     AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "180"
    assert attrs["FifoQueue"] == "true" and attrs["FifoThroughputLimit"] == "perMessageGroupId"
    assert attrs["DeduplicationScope"] == "messageGroup"
    dlq = sqs.get_queue_attributes(QueueUrl=aws.provisioned.queue_urls["IntakeDLQ"],
                                   AttributeNames=["FifoQueue"])["Attributes"]
    assert dlq["FifoQueue"] == "true"  # SQS: a FIFO queue's dead-letter queue is FIFO too
    redrive = json.loads(attrs["RedrivePolicy"])
    assert redrive == {"deadLetterTargetArn": aws.provisioned.arns["IntakeDLQ"], "maxReceiveCount": 5}

    s3 = clients.s3()
    bucket = aws.provisioned.names.bucket
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rule = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]
    assert rule["Transitions"] == [{"Days": 90, "StorageClass": "GLACIER"}]
    assert rule["Expiration"] == {"Days": 730}
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    assert "SnapshotBucketPolicy" in aws.provisioned.skipped


def test_provisioning_twice_converges(aws) -> None:
    again = provision()
    assert again.names == aws.provisioned.names
    assert again.queue_urls == aws.provisioned.queue_urls


def test_a_name_prefix_renames_everything(aws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(names.PREFIX_ENV, "shop2")
    for env, _suffix, _logical in names.RESOURCES.values():
        monkeypatch.delenv(env, raising=False)
    other = provision()
    assert other.names.threads == "shop2-threads"
    assert other.names == names.resource_names()
    assert other.env()[names.QUEUE_URL_ENV].endswith("/shop2-intake-queue.fifo")


def test_an_unknown_property_fails_loudly(tmp_path: Path, aws) -> None:
    text = template_path().read_text()
    sse = "      SqsManagedSseEnabled: true\n"
    text = text.replace(sse, sse + "      KmsMasterKeyId: alias/aws/sqs\n", 1)
    bad = tmp_path / "template.yaml"
    bad.write_text(text)
    with pytest.raises(ProvisionError, match=r"IntakeDLQ.*KmsMasterKeyId"):
        provision(bad)


def test_an_unknown_reference_names_itself() -> None:
    with pytest.raises(TemplateError, match="Nope"):
        resolve({"Ref": "Nope"}, lambda kind, name, attr: (_ for _ in ()).throw(TemplateError(f"!Ref {name}")))
    with pytest.raises(TemplateError, match="Fn::If"):
        resolve({"Fn::If": ["c", 1, 2]}, lambda *a: None)


def test_sub_resolves_parameters_and_attributes() -> None:
    def lookup(kind: str, name: str, attr: str | None) -> str:
        return {"Ref": {"NamePrefix": "siu", "AWS::Region": "ap-southeast-1"}, "GetAtt": {}}[kind].get(
            name, f"arn:{name}.{attr}")

    assert resolve({"Fn::Sub": "${NamePrefix}-x-${AWS::Region}"}, lookup) == "siu-x-ap-southeast-1"
    assert resolve({"Fn::Sub": "${Bucket.Arn}/*"}, lookup) == "arn:Bucket.Arn/*"
    assert resolve({"Fn::Join": ["-", ["a", {"Ref": "NamePrefix"}]]}, lookup) == "a-siu"


def test_lifecycle_rules_translate_to_the_s3_api() -> None:
    rule = lifecycle_rule({"Id": "r", "Status": "Enabled", "ExpirationInDays": 3,
                           "Transitions": [{"StorageClass": "GLACIER", "TransitionInDays": 1}]})
    assert rule == {"ID": "r", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 3},
                    "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]}
    with pytest.raises(ProvisionError, match="Bogus"):
        lifecycle_rule({"Status": "Enabled", "Bogus": 1})
