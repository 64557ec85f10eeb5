"""The templates, offline: SAM translated and cfn-lint clean, the build sheet's inventory, every function's shape.

Translation uses aws-sam-translator (region set, no managed policies, local code paths rewritten to
``s3://``); cfn-lint then checks the CloudFormation SAM would deploy. ``sam validate --lint`` runs
too when the SAM CLI is on PATH (it is not a dev dependency: its pins clash with this venv's).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from siu_core.config import SiuConfig
from siu_core.deploy import connectors, validate
from siu_core.deploy.build import channel_secret_fields
from siu_core.deploy.stacks import CORE_FUNCTIONS, core_template, core_template_path

ROOT = Path(__file__).resolve().parent.parent
CHANNELS = ["whatsapp", "instagram", "facebook"]
#: The two functions in the search VPC (the index file on EFS): tests/test_template_search.py.
SEARCH_FUNCTIONS = ("IndexerFunction", "SearchFunction")


@pytest.fixture(scope="module")
def core() -> dict[str, Any]:
    return json.loads(json.dumps(core_template()))


@pytest.fixture(scope="module")
def conn() -> dict[str, Any]:
    return connectors.connectors_template(CHANNELS, channel_secret_fields(CHANNELS))


@pytest.fixture(scope="module")
def core_cfn(core: dict[str, Any]) -> dict[str, Any]:
    return validate.translate(core)


@pytest.fixture(scope="module")
def conn_cfn(conn: dict[str, Any]) -> dict[str, Any]:
    return validate.translate(conn)


def _of_type(template: dict[str, Any], rtype: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == rtype}


# --- translation and lint ----------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["core_cfn", "conn_cfn"])
def test_translated_cloudformation_passes_cfn_lint(which: str, request: pytest.FixtureRequest) -> None:
    cfn = request.getfixturevalue(which)
    findings = validate.lint(cfn)
    assert not validate.errors(findings), "\n".join(map(str, findings))
    assert not findings, "\n".join(map(str, findings))  # warnings too: the templates are kept clean


def test_the_linter_would_catch_a_bogus_iam_action(core: dict[str, Any]) -> None:
    bad = json.loads(json.dumps(core))
    statement = bad["Resources"]["LabelerRole"]["Properties"]["Policies"][-1]["PolicyDocument"]["Statement"][0]
    statement["Action"] = "bedrock:Converse"  # not an IAM action: Converse is authorised by InvokeModel
    findings = validate.lint(validate.translate(bad))  # W3037: the clean-template test allows no warning either
    assert any(f.rule == "W3037" and "converse" in f.message for f in findings), findings


def test_the_translator_would_catch_a_bad_runtime(core: dict[str, Any]) -> None:
    bad = json.loads(json.dumps(core))
    bad["Globals"]["Function"]["Runtime"] = "python2.7-nope"
    findings = validate.errors(validate.lint(validate.translate(bad)))
    assert any("Runtime" in f.path or "python2.7-nope" in f.message for f in findings), findings


@pytest.mark.skipif(shutil.which("sam") is None, reason="the SAM CLI is not installed (not a dev dependency)")
def test_sam_validate_lint_where_the_sam_cli_is_installed(tmp_path: Path) -> None:
    for template in (core_template_path(), ROOT / "infra" / "connectors.yaml"):
        done = subprocess.run(["sam", "validate", "--lint", "--template-file", str(template), "--region",
                               "ap-southeast-1"], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr


# --- the build sheet's inventory ---------------------------------------------------------------------


def test_inventory_matches_the_build_sheet(core_cfn: dict[str, Any], conn_cfn: dict[str, Any]) -> None:
    both = {**core_cfn["Resources"], **conn_cfn["Resources"]}
    counts = Counter(v["Type"] for v in both.values())
    # Functions: labeler (router + reopen folded in), inbox (reply-handler), sla-sweeper, digest, one
    # connector per channel, and search's indexer and search (docs/search.md). Queue + DLQ; nine tables
    # (the sheet's six + messages + customers, see docs/architecture.md, + the composer's); one bucket;
    # three schedules (sweep, digest, summary); one budget; one alarm topic.
    assert counts["AWS::Lambda::Function"] == 6 + len(CHANNELS)
    assert counts["AWS::SQS::Queue"] == 2
    assert counts["AWS::DynamoDB::Table"] == 9
    assert counts["AWS::S3::Bucket"] == 1
    assert counts["AWS::Scheduler::Schedule"] == 3
    assert counts["AWS::Budgets::Budget"] == 1
    assert counts["AWS::SNS::Topic"] == 1
    assert counts["AWS::Lambda::Url"] == 1 + len(CHANNELS)
    assert counts["AWS::Lambda::EventSourceMapping"] == 3  # intake queue; threads and messages streams
    # Secrets are SSM SecureStrings, which CloudFormation cannot create: `siu deploy` does (test_deploy_secrets).
    assert counts["AWS::SecretsManager::Secret"] == 0
    assert counts["AWS::CloudWatch::Alarm"] == 5  # DLQ, signatures, unknown accounts, sends, fallback labels
    assert counts["AWS::Logs::LogGroup"] == counts["AWS::Lambda::Function"]
    assert set(CORE_FUNCTIONS.values()) <= set(core_cfn["Resources"])


def test_every_function_is_arm64_python314_with_its_own_7_day_log_group_and_role(
        core_cfn: dict[str, Any], conn_cfn: dict[str, Any]) -> None:
    for cfn in (core_cfn, conn_cfn):
        functions = _of_type(cfn, "AWS::Lambda::Function")
        logs = _of_type(cfn, "AWS::Logs::LogGroup")
        roles = [f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()]
        assert len(set(roles)) == len(roles), "a role is shared"
        for name, fn in functions.items():
            props = fn["Properties"]
            assert props["Runtime"] == "python3.14" and props["Architectures"] == ["arm64"], name
            group = props["LoggingConfig"]["LogGroup"]["Ref"]
            # START/END/REPORT are system logs at INFO: WARN keeps them out of the ingested bytes.
            assert (props["LoggingConfig"]["LogFormat"], props["LoggingConfig"]["SystemLogLevel"]) == ("JSON", "WARN")
            assert logs[group]["Properties"]["RetentionInDays"] == 7, name
            role = cfn["Resources"][props["Role"]["Fn::GetAtt"][0]]["Properties"]
            assert not role.get("ManagedPolicyArns"), f"{name}: no managed policy (least privilege)"
            assert ("VpcConfig" not in props or name in SEARCH_FUNCTIONS) and "TracingConfig" not in props


def test_memory_and_timeouts_follow_the_build_sheet(core_cfn: dict[str, Any], conn_cfn: dict[str, Any]) -> None:
    fns = {**_of_type(core_cfn, "AWS::Lambda::Function"), **_of_type(conn_cfn, "AWS::Lambda::Function")}
    shape = {k: (v["Properties"]["MemorySize"], v["Properties"]["Timeout"]) for k, v in fns.items()}
    assert shape["LabelerFunction"] == (512, 30)
    assert shape["InboxFunction"] == (256, 15)
    assert shape["SlaSweeperFunction"] == (256, 30)
    assert shape["DigestFunction"][0] == 256
    for name in CHANNELS:
        assert shape[connectors.function_logical_id(name)] == (256, 10)
    assert shape["IndexerFunction"] == (256, 60) and shape["SearchFunction"] == (256, 10)


def test_the_labeler_reads_the_queue_in_batches_of_10_with_partial_failures(core_cfn: dict[str, Any]) -> None:
    esm = core_cfn["Resources"]["LabelerFunctionIntake"]
    props = esm["Properties"]
    assert props["BatchSize"] == 10
    assert "MaximumBatchingWindowInSeconds" not in props  # not supported on a FIFO source
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_visibility_timeout_is_at_least_six_times_the_labelers_timeout(core_cfn: dict[str, Any]) -> None:
    queue = core_cfn["Resources"]["IntakeQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * core_cfn["Resources"]["LabelerFunction"]["Properties"]["Timeout"]


def test_the_labelers_concurrency_is_capped_by_a_documented_parameter(core_cfn: dict[str, Any]) -> None:
    esm = core_cfn["Resources"]["LabelerFunctionIntake"]
    assert esm["Properties"]["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "LabelerMaxConcurrency"}}
    param = core_cfn["Parameters"]["LabelerMaxConcurrency"]
    assert 2 <= param["Default"] <= 1000 and param["MinValue"] == 2  # Lambda's allowed range
    assert "docs/deploy.md" in param["Description"]
    assert "LabelerMaxConcurrency" in (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")


def test_the_intake_queue_is_fifo_per_customer_and_its_dlq_fifo_too(core_cfn: dict[str, Any]) -> None:
    queue = core_cfn["Resources"]["IntakeQueue"]["Properties"]
    dlq = core_cfn["Resources"]["IntakeDLQ"]["Properties"]
    assert queue["FifoQueue"] is True and dlq["FifoQueue"] is True
    assert queue["QueueName"]["Fn::Sub"].endswith(".fifo") and dlq["QueueName"]["Fn::Sub"].endswith(".fifo")
    # High-throughput FIFO: the limit is per customer, not per queue.
    assert (queue["FifoThroughputLimit"], queue["DeduplicationScope"]) == ("perMessageGroupId", "messageGroup")
    assert queue["ContentBasedDeduplication"] is False  # the connector sends the channel's message id


def test_every_connector_has_reserved_concurrency_from_a_parameter(conn_cfn: dict[str, Any]) -> None:
    functions = _of_type(conn_cfn, "AWS::Lambda::Function")
    assert len(functions) == len(CHANNELS)
    for name, fn in functions.items():
        reserved = fn["Properties"]["ReservedConcurrentExecutions"]
        assert reserved == {"Fn::If": ["ReserveConnectorConcurrency", {"Ref": "ConnectorReservedConcurrency"},
                                       {"Ref": "AWS::NoValue"}]}, name
    assert conn_cfn["Parameters"]["ConnectorReservedConcurrency"]["Default"] >= 1


def test_schedules_sweep_every_5_minutes_digest_at_18_local_and_summary_weekly(core_cfn: dict[str, Any]) -> None:
    schedules = {json.dumps(s["Properties"]["ScheduleExpression"]): s["Properties"]
                 for s in _of_type(core_cfn, "AWS::Scheduler::Schedule").values()}
    weekly = json.dumps({"Fn::Sub": "cron(0 9 ? * ${WeeklySummaryDay} *)"})
    assert set(schedules) == {'"rate(5 minutes)"', '"cron(0 18 * * ? *)"', weekly}
    assert schedules['"cron(0 18 * * ? *)"']["ScheduleExpressionTimezone"] == {"Ref": "TimeZone"}
    assert schedules[weekly]["ScheduleExpressionTimezone"] == {"Ref": "TimeZone"}
    assert json.loads(schedules[weekly]["Target"]["Input"]) == {"kind": "weekly"}
    assert core_cfn["Parameters"]["TimeZone"]["Default"] == "Asia/Singapore"
    assert core_cfn["Parameters"]["WeeklySummaryDay"]["Default"] == "MON"


def test_only_the_config_keys_iam_and_the_schedule_follow_are_template_parameters(core: dict[str, Any]) -> None:
    from siu_core.deploy.plan import config_parameter_name

    params = _of_type(core, "AWS::SSM::Parameter")
    names = {p["Properties"]["Name"]["Fn::Sub"] for p in params.values()}
    assert names == {"/${NamePrefix}/config/time_zone", "/${NamePrefix}/config/model_id"}
    assert not [k for k in core["Parameters"] if k.startswith("Config")]  # `siu deploy` writes the rest to SSM
    for key in SiuConfig.model_fields:
        name = config_parameter_name(key)
        assert (name in core["Parameters"]) if key in ("time_zone", "model_id") else name is None, key


def test_functions_read_secrets_under_the_prefix_deploy_writes(core: dict[str, Any], conn: dict[str, Any]) -> None:
    from siu_core.deploy.secrets import secret_prefix

    variables = [core["Globals"]["Function"]["Environment"]["Variables"],
                 conn["Globals"]["Function"]["Environment"]["Variables"]]
    assert all(v["SIU_SECRET_PREFIX"] == {"Fn::Sub": secret_prefix("${NamePrefix}")} for v in variables)
    for name in CHANNELS:
        output = conn["Outputs"][f"{connectors.logical_name(name)}SecretName"]
        assert output["Value"] == {"Fn::Sub": "/${NamePrefix}/secrets/" + name}


def test_every_decrypt_grant_is_through_ssm_for_one_parameter(core: dict[str, Any], conn: dict[str, Any]) -> None:
    statements = [s for t in (core, conn) for r in t["Resources"].values() if r["Type"] in (
        "AWS::IAM::Role", "AWS::IAM::Policy") for p in (r["Properties"].get("Policies") or [r["Properties"]])
        for s in p["PolicyDocument"]["Statement"] if s["Action"] == "kms:Decrypt"]
    # inbox (its key, Slack's token), digest, sweeper, labeler (Slack's token); each connector and its readers
    assert len(statements) == 5 + 2 * len(CHANNELS)
    for s in statements:
        condition = s["Condition"]["StringEquals"]
        assert condition["kms:ViaService"] == {"Fn::Sub": "ssm.${AWS::Region}.amazonaws.com"}
        assert "/secrets/" in condition["kms:EncryptionContext:PARAMETER_ARN"]["Fn::Sub"]


def test_bucket_versioned_lifecycle_private_tls_only(core: dict[str, Any]) -> None:
    bucket = core["Resources"]["SnapshotBucket"]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    rule = next(r for r in bucket["LifecycleConfiguration"]["Rules"] if r["Id"] == "glacier-then-expire")
    assert rule["Transitions"] == [{"StorageClass": "GLACIER", "TransitionInDays": 90}]
    assert rule["ExpirationInDays"] == 730
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    deny = core["Resources"]["SnapshotBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_budget_alerts_at_80_and_100_percent_to_the_alarm_topic(core: dict[str, Any]) -> None:
    assert core["Parameters"]["MonthlyBudgetUsd"]["Default"] == 20
    budget = core["Resources"]["MonthlyBudget"]["Properties"]
    assert budget["Budget"]["BudgetLimit"]["Amount"] == {"Ref": "MonthlyBudgetUsd"}
    thresholds = sorted(n["Notification"]["Threshold"] for n in budget["NotificationsWithSubscribers"])
    assert thresholds == [80, 100]
    for n in budget["NotificationsWithSubscribers"]:
        assert n["Subscribers"] == [{"SubscriptionType": "SNS", "Address": {"Ref": "AlarmTopic"}}]


def test_alarm_thresholds_are_the_build_sheets(core: dict[str, Any], conn: dict[str, Any]) -> None:
    r = core["Resources"]
    assert (r["DlqDepthAlarm"]["Properties"]["Threshold"], r["DlqDepthAlarm"]["Properties"]["Period"]) == (0, 300)
    sig = r["SignatureFailuresAlarm"]["Properties"]
    assert (sig["Threshold"], sig["Metrics"][0]["Period"]) == (5, 3600)
    assert r["SendFailuresAlarm"]["Properties"]["Threshold"] == 0
    unknown = r["UnknownAccountAlarm"]["Properties"]
    assert (unknown["Threshold"], unknown["Metrics"][0]["Period"]) == (0, 3600)
    assert "SUM(UnknownAccount)" in str(unknown["Metrics"][0]["Expression"])
    fallbacks = r["FallbackLabelsAlarm"]["Properties"]
    assert (fallbacks["Threshold"], fallbacks["Metrics"][0]["Period"]) == (3, 3600)
    assert fallbacks["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert "SUM(FallbackLabels)" in str(fallbacks["Metrics"][0]["Expression"])
    assert "GROUP BY channel" in str(fallbacks["Metrics"][0]["Expression"]), "one alarm covers every channel"
    assert not _of_type(conn, "AWS::CloudWatch::Alarm"), "no alarm per channel: each one is billed every month"
    alarms = [*_of_type(core, "AWS::CloudWatch::Alarm").values(), *_of_type(conn, "AWS::CloudWatch::Alarm").values()]
    for alarm in alarms:
        assert alarm["Properties"]["AlarmActions"], "every alarm notifies the topic"


def test_outputs_give_each_webhook_url_and_the_inbox_url(core: dict[str, Any], conn: dict[str, Any]) -> None:
    assert core["Outputs"]["InboxUrl"]["Value"] == {"Fn::Sub": "${InboxFunctionUrl.FunctionUrl}inbox/"}
    for name in CHANNELS:
        stem = connectors.logical_name(name)
        assert conn["Outputs"][f"{stem}WebhookUrl"]["Value"] == {"Fn::GetAtt": [f"{stem}ConnectorFunctionUrl",
                                                                                  "FunctionUrl"]}


def test_function_urls_are_public_and_checked_in_the_handler(core_cfn: dict[str, Any],
                                                             conn_cfn: dict[str, Any]) -> None:
    for cfn in (core_cfn, conn_cfn):
        for url in _of_type(cfn, "AWS::Lambda::Url").values():
            assert url["Properties"]["AuthType"] == "NONE"


# --- the connectors stack is generated ---------------------------------------------------------------


def test_the_committed_connectors_template_is_current() -> None:
    expected = connectors.render(connectors.connectors_template(CHANNELS, channel_secret_fields(CHANNELS)))
    assert (ROOT / "infra" / "connectors.yaml").read_text(encoding="utf-8") == expected, \
        "regenerate infra/connectors.yaml (see siu_core/deploy/connectors.py)"


def test_a_third_party_channel_gets_the_same_stack_without_editing_a_template() -> None:
    template = connectors.connectors_template(["my_shop_chat"], {"my_shop_chat": ["api_key"]})
    cfn = validate.translate(template)
    assert not validate.lint(cfn)
    fn = cfn["Resources"]["MyShopChatConnectorFunction"]["Properties"]
    assert fn["Environment"]["Variables"]["SIU_CHANNEL"] == "my_shop_chat"
    assert "api_key" in template["Outputs"]["MyShopChatSecretName"]["Description"]


@pytest.mark.parametrize("bad", [[], ["Bad-Name"], ["a_b", "a__b"], ["x" * 40]])
def test_bad_channel_lists_are_refused_by_name(bad: list[str]) -> None:
    from siu_core.errors import ConfigError

    with pytest.raises(ConfigError):
        connectors.connectors_template(bad)


# --- the local emulator still provisions from the same file ------------------------------------------


def test_the_local_emulator_provisions_from_the_complete_template(aws: Any) -> None:
    skipped = aws.provisioned.skipped
    assert {"LabelerFunction", "InboxFunction", "MonthlyBudget", "ConfigTimeZoneParameter"} <= set(
        skipped)
    assert set(aws.provisioned.physical) >= {"IntakeQueue", "IntakeDLQ", "SnapshotBucket", "ThreadsTable"}
