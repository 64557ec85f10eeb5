"""The IAM analysis itself: calls become the actions AWS checks, wildcards match as IAM's do, gaps show."""

from __future__ import annotations

import pytest

from siu_core.deploy import iam
from siu_core.deploy.cfn import Context, Stack
from siu_core.deploy.stacks import analysis_stacks

CTX = Context()
TABLE = "arn:aws:dynamodb:ap-southeast-1:123456789012:table/"


def call(service: str, operation: str, **params: object) -> iam.Call:
    return iam.Call("fn", service, operation, params)


def test_a_transaction_is_authorised_item_by_item() -> None:
    needs = iam.needs_for(call("dynamodb", "TransactWriteItems", TransactItems=[
        {"Put": {"TableName": "siu-messages"}}, {"Update": {"TableName": "siu-threads"}},
        {"ConditionCheck": {"TableName": "siu-customers"}}, {"Delete": {"TableName": "siu-dedupe"}}]), CTX)
    assert needs == [iam.Need("dynamodb:PutItem", TABLE + "siu-messages"),
                     iam.Need("dynamodb:UpdateItem", TABLE + "siu-threads"),
                     iam.Need("dynamodb:ConditionCheckItem", TABLE + "siu-customers"),
                     iam.Need("dynamodb:DeleteItem", TABLE + "siu-dedupe")]


def test_index_queries_need_the_index_arn() -> None:
    (need,) = iam.needs_for(call("dynamodb", "Query", TableName="siu-threads", IndexName="by-customer"), CTX)
    assert need.resource == TABLE + "siu-threads/index/by-customer"


def test_converse_needs_invoke_model_on_profile_and_models() -> None:
    needs = iam.needs_for(call("bedrock", "Converse", modelId="global.anthropic.claude-haiku-4-5-20251001-v1:0"), CTX)
    assert {n.action for n in needs} == {"bedrock:InvokeModel"}
    assert {n.resource for n in needs} == {
        "arn:aws:bedrock:ap-southeast-1:123456789012:inference-profile/global.anthropic.claude-haiku-4-5-20251001-v1:0",
        "arn:aws:bedrock:ap-southeast-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
        "arn:aws:bedrock:::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
    }
    assert iam.split_model_id("anthropic.claude-x") == (None, "anthropic.claude-x")


def test_batch_sends_and_queue_urls_map_to_send_message_on_the_queue_arn() -> None:
    url = "https://sqs.ap-southeast-1.amazonaws.com/123456789012/siu-intake-queue"
    (need,) = iam.needs_for(call("sqs", "SendMessageBatch", QueueUrl=url), CTX)
    assert need == iam.Need("sqs:SendMessage", "arn:aws:sqs:ap-southeast-1:123456789012:siu-intake-queue")


def test_s3_ssm_secrets_and_free_calls() -> None:
    assert iam.needs_for(call("s3", "HeadObject", Bucket="b", Key="media/x"), CTX) == [
        iam.Need("s3:GetObject", "arn:aws:s3:::b/media/x")]
    assert iam.needs_for(call("ssm", "GetParametersByPath", Path="/siu/config/"), CTX) == [
        iam.Need("ssm:GetParametersByPath", "arn:aws:ssm:ap-southeast-1:123456789012:parameter/siu/config/")]
    # A SecureString read is also a kms:Decrypt on the account's aws/ssm key, made by SSM as the caller.
    assert iam.needs_for(call("ssm", "GetParameter", Name="/siu/secrets/whatsapp", WithDecryption=True), CTX) == [
        iam.Need("ssm:GetParameter", "arn:aws:ssm:ap-southeast-1:123456789012:parameter/siu/secrets/whatsapp"),
        iam.Need("kms:Decrypt", "arn:aws:kms:ap-southeast-1:123456789012:key/aws-ssm-0000")]
    assert [n.action for n in iam.needs_for(call("ssm", "GetParameter", Name="/siu/x"), CTX)] == ["ssm:GetParameter"]
    assert iam.needs_for(call("sts", "GetCallerIdentity"), CTX) == []
    assert iam.needs_for(call("kinesis", "PutRecord"), CTX) == [iam.Need("kinesis:PutRecord", "*")]
    fn = "arn:aws:lambda:ap-southeast-1:123456789012:function:siu-search"
    assert iam.needs_for(call("lambda", "Invoke", FunctionName="siu-search"), CTX) == [
        iam.Need("lambda:InvokeFunction", fn)]
    assert iam.needs_for(call("lambda", "Invoke", FunctionName=fn), CTX) == [iam.Need("lambda:InvokeFunction", fn)]


def test_version_listing_deletes_by_version_and_copies() -> None:
    assert iam.needs_for(call("s3", "ListObjectVersions", Bucket="b", Prefix="media/x"), CTX) == [
        iam.Need("s3:ListBucketVersions", "arn:aws:s3:::b")]
    assert iam.needs_for(call("s3", "DeleteObjects", Bucket="b", Delete={"Objects": [
        {"Key": "events/e", "VersionId": "v1"}, {"Key": "media/m"}]}), CTX) == [
        iam.Need("s3:DeleteObjectVersion", "arn:aws:s3:::b/events/e"),
        iam.Need("s3:DeleteObject", "arn:aws:s3:::b/media/m")]
    copy = call("s3", "CopyObject", Bucket="b", Key="exports/x", CopySource={"Bucket": "b", "Key": "media/m"})
    assert iam.needs_for(copy, CTX) == [iam.Need("s3:PutObject", "arn:aws:s3:::b/exports/x"),
                                        iam.Need("s3:GetObject", "arn:aws:s3:::b/media/m")]


@pytest.mark.parametrize(("grant", "need", "ok"), [
    (("dynamodb:GetItem", TABLE + "t"), ("dynamodb:GetItem", TABLE + "t"), True),
    (("dynamodb:getitem", TABLE + "t"), ("dynamodb:GetItem", TABLE + "t"), True),  # actions ignore case
    (("dynamodb:GetItem", TABLE + "t"), ("dynamodb:GetItem", TABLE + "T"), False),  # resources do not
    (("dynamodb:GetItem", TABLE + "t"), ("dynamodb:GetItem", TABLE + "t/index/i"), False),
    (("s3:PutObject", "arn:aws:s3:::b/events/*"), ("s3:PutObject", "arn:aws:s3:::b/events/x/y"), True),
    (("s3:PutObject", "arn:aws:s3:::b/events/*"), ("s3:PutObject", "arn:aws:s3:::b/media/x"), False),
    (("kms:Decrypt", "arn:x:kms:r:1:key/*"), ("kms:Decrypt", "arn:x:kms:r:1:key/aws-ssm-0000"), True),
    (("ssm:GetParameter", "arn:x:parameter/siu/secrets/wa"), ("ssm:GetParameter", "arn:x:parameter/siu/secrets/ig"),
     False),
    (("dynamodb:*", "*"), ("dynamodb:PutItem", TABLE + "t"), True),
])
def test_wildcards_match_as_iam_matches(grant: tuple[str, str], need: tuple[str, str], ok: bool) -> None:
    assert iam.covers(iam.Grant(*grant), iam.Need(*need)) is ok


def test_compare_reports_missing_and_unused() -> None:
    grants = [iam.Grant("dynamodb:GetItem", TABLE + "a"), iam.Grant("dynamodb:PutItem", TABLE + "b")]
    result = iam.compare(grants, [iam.Need("dynamodb:GetItem", TABLE + "a"), iam.Need("dynamodb:Query", TABLE + "a")])
    assert result.missing == [iam.Need("dynamodb:Query", TABLE + "a")]
    assert result.unused == [grants[1]]
    assert not result.exact


def test_connector_roles_and_core_grants_come_from_both_stacks() -> None:
    stacks = analysis_stacks(["whatsapp"])
    grants = iam.role_grants([stacks.core, stacks.connectors])
    labeler = grants["siu-LabelerRole"]
    secret = [g for g in labeler if g.action == "ssm:GetParameter" and not g.resource.endswith("/slack")]
    assert [g.resource for g in secret] == [
        "arn:aws:ssm:ap-southeast-1:123456789012:parameter/siu/secrets/whatsapp"]  # and Slack's, its own grant
    assert secret[0].where.startswith("WhatsappSecretReaders#")
    assert not any(iam.managed_policies(s).get(r) for s in (stacks.core, stacks.connectors) for r in s.resources)


#: Actions IAM authorises on no resource, so "*" is their only grant (Lambda placing a VPC function's
#: network interfaces: the search functions, docs/search.md).
RESOURCELESS = {"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"}


def test_no_role_allows_a_bare_star_resource() -> None:
    stacks = analysis_stacks(["whatsapp", "instagram", "facebook"])
    for role, grants in iam.role_grants([stacks.core, stacks.connectors]).items():
        for g in grants:
            assert (g.resource != "*" or g.action in RESOURCELESS) and "*" not in g.action, (role, g)
            assert ":*:" not in g.resource.replace("bedrock:*::foundation-model", ""), (role, g)


def test_evaluator_resolves_the_intrinsics_templates_use() -> None:
    template = {
        "Parameters": {"P": {"Type": "String", "Default": "x"}},
        "Conditions": {"Yes": {"Fn::Equals": [{"Ref": "P"}, "x"]}},
        "Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "${P}-q"}}}},
    }
    stack = Stack(template, Context())
    assert stack.value({"Fn::GetAtt": ["Q", "Arn"]}) == "arn:aws:sqs:ap-southeast-1:123456789012:x-q"
    assert stack.value({"Fn::If": ["Yes", {"Fn::Join": ["-", ["a", {"Ref": "P"}]]}, "no"]}) == "a-x"
    assert stack.value({"Fn::Select": [1, {"Fn::Split": [",", "a,b"]}]}) == "b"
    assert stack.value([{"Ref": "AWS::NoValue"}, 1]) == [1]


def test_platform_needs_of_the_search_functions_streams_vpc_and_mount() -> None:
    from siu_core.deploy.stacks import platform_needs

    core = analysis_stacks(["whatsapp"]).core
    indexer = {(n.action, n.resource.split(":", 5)[-1]) for n in platform_needs(core, "IndexerFunction")}
    search = {(n.action, n.resource.split(":", 5)[-1]) for n in platform_needs(core, "SearchFunction")}
    stream = "table/siu-threads/stream/2026-01-01T00:00:00.000"
    assert ("dynamodb:GetRecords", stream) in indexer and ("sns:Publish", "siu-alarms") in indexer, indexer
    fs = "file-system/siu-SearchFileSystem"
    assert {("elasticfilesystem:ClientMount", fs), ("elasticfilesystem:ClientWrite", fs)} <= indexer
    assert ("elasticfilesystem:ClientMount", fs) in search and ("elasticfilesystem:ClientWrite", fs) not in search
    assert not any(a.startswith("dynamodb:") or a.startswith("sns:") for a, _ in search)
    for needs in (indexer, search):
        assert ("ec2:CreateNetworkInterface", "subnet/siu-SearchSubnetB") in needs
        assert ("ec2:DescribeNetworkInterfaces", "*") in needs
