"""The connectors stack: one webhook function, Function URL, role and secret grants per chosen channel.

Generated, never hand-edited, so any installed channel plugin (a third party's included) deploys the
same way: :func:`connectors_template` takes channel names (and the secret fields each plugin declares)
and returns the template as data; :func:`render` writes it as YAML. It is its own stack so a rotated
platform secret, or a new channel, never forces a redeploy of the core (the secrets are SSM SecureString
parameters, which CloudFormation cannot create: ``siu deploy`` creates them, values set out of band,
see :mod:`siu_core.deploy.secrets`). What ties it to the core stack (the queue, the alarm topic, the roles that must
read channel secrets) comes in through the core's exports (``Fn::ImportValue``), named by the
``CoreStackName`` parameter.

Per channel ``c`` (logical ids use its CamelCase name ``C``):

- ``CConnectorFunction`` (+ its Function URL, AuthType NONE: the signature is checked in the handler),
  ``CConnectorRole`` (its log group, ``sqs:SendMessage`` on the intake queue, ``s3:PutObject`` under
  the snapshot bucket's ``queue/c/`` prefix for events too big for a queue message, ``ssm:GetParameter``
  on its own secret ``/<prefix>/secrets/c`` only, and ``kms:Decrypt`` through SSM for that parameter),
  ``CConnectorLogs`` (7 days);
- ``CSecretReaders``: lets the core's labeler (media downloads) and inbox (replies) roles read it.

Each connector's concurrency is reserved (``ConnectorReservedConcurrency``, 0 for none).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from siu_core.errors import ConfigError

CHANNEL_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
#: Lambda function names are at most 64 characters: prefix (<= 21) + "-connector-" + channel.
MAX_FUNCTION_NAME = 64
MAX_PREFIX = 21
CONNECTOR_HANDLER = "siu_core.handlers.connector.handler"
#: Concurrency reserved for each connector by default: about 400 warm webhooks a second (50 ms each),
#: far above any one shop's traffic, and 20 x channels stays clear of the 100 a region keeps unreserved.
CONNECTOR_RESERVED_CONCURRENCY = 20
RESERVE_CONDITION = "ReserveConnectorConcurrency"


def logical_name(channel: str) -> str:
    """The CamelCase stem of a channel's logical ids (``my_shop`` -> ``MyShop``)."""
    if not CHANNEL_NAME.match(channel):
        raise ConfigError(f"channel name {channel!r} must match {CHANNEL_NAME.pattern}")
    return "".join(part[:1].upper() + part[1:] for part in channel.split("_") if part)


def function_logical_id(channel: str) -> str:
    """The connector function's logical id in the connectors stack."""
    return f"{logical_name(channel)}ConnectorFunction"


def _sub(text: str) -> dict[str, Any]:
    return {"Fn::Sub": text}


def _import(name: str) -> dict[str, Any]:
    return {"Fn::ImportValue": {"Fn::Sub": "${CoreStackName}-" + name}}


def secret_statements(channel: str, sid: str) -> list[dict[str, Any]]:
    """Read one channel's SecureString: GetParameter on it, and Decrypt by SSM (aws/ssm key) for it only."""
    arn = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${NamePrefix}/secrets/" + channel
    return [
        {"Sid": sid, "Effect": "Allow", "Action": "ssm:GetParameter", "Resource": _sub(arn)},
        {"Sid": f"{sid}Decrypt", "Effect": "Allow", "Action": "kms:Decrypt",
         "Resource": _sub("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"),
         "Condition": {"StringEquals": {"kms:ViaService": _sub("ssm.${AWS::Region}.amazonaws.com"),
                                        "kms:EncryptionContext:PARAMETER_ARN": _sub(arn)}}},
    ]


def _check(channels: Sequence[str]) -> list[str]:
    if not channels:
        raise ConfigError("choose at least one channel")
    chosen = list(dict.fromkeys(channels))
    stems: dict[str, str] = {}
    for name in chosen:
        stem = logical_name(name)
        if stem in stems:
            raise ConfigError(f"channels {stems[stem]!r} and {name!r} would share logical ids")
        stems[stem] = name
        longest = MAX_PREFIX + len("-connector-") + len(name)
        if longest > MAX_FUNCTION_NAME:
            raise ConfigError(f"channel name {name!r} is too long for a Lambda function name ({longest} > 64)")
    return chosen


def channel_resources(channel: str, code_uri: str | None = None) -> dict[str, Any]:
    """The resources of one channel (see the module docstring)."""
    stem = logical_name(channel)
    logs, role, fn = f"{stem}ConnectorLogs", f"{stem}ConnectorRole", f"{stem}ConnectorFunction"
    assume = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                       "Action": "sts:AssumeRole"}],
    }
    function_props: dict[str, Any] = {
        "FunctionName": _sub("${NamePrefix}-connector-" + channel),
        "Description": f"{channel} webhook: verify, normalize, enqueue",
        "Handler": CONNECTOR_HANDLER,
        "CodeUri": code_uri or f"../build/lambda/connector-{channel}/",
        "Role": {"Fn::GetAtt": [role, "Arn"]},
        # JSON with system logs at WARN: Lambda's START/END/REPORT lines (most of an idle function's log
        # bytes) are not ingested; the handler's own lines and EMF pass at INFO (docs/operations.md).
        "LoggingConfig": {"LogGroup": {"Ref": logs}, "LogFormat": "JSON", "SystemLogLevel": "WARN"},
        "FunctionUrlConfig": {"AuthType": "NONE"},
        # Reserved: a webhook burst on one channel cannot take the labeler's or the inbox's concurrency,
        # nor theirs a connector's (a webhook that is not answered in time is retried, then disabled).
        "ReservedConcurrentExecutions": {"Fn::If": [RESERVE_CONDITION, {"Ref": "ConnectorReservedConcurrency"},
                                                    {"Ref": "AWS::NoValue"}]},
        "Environment": {"Variables": {
            "SIU_CHANNEL": channel,
            "SIU_CHANNEL_SETTINGS": {"Ref": f"{stem}Settings"},
            # No scan of every distribution's entry points for pydantic plugins at cold start (siu uses none).
            "PYDANTIC_DISABLE_PLUGINS": "__all__",
        }},
    }
    return {
        logs: {
            "Type": "AWS::Logs::LogGroup",
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
            "Properties": {"LogGroupName": _sub("/aws/lambda/${NamePrefix}-connector-" + channel),
                           "RetentionInDays": 7},
        },
        role: {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Description": f"siu {channel} connector (exactly what siu_core.handlers.connector calls)",
                "AssumeRolePolicyDocument": assume,
                "Policies": [
                    {"PolicyName": "logs", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                         "Resource": {"Fn::GetAtt": [logs, "Arn"]}}]}},
                    {"PolicyName": "enqueue", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                        {"Sid": "SendMessageBatch", "Effect": "Allow", "Action": "sqs:SendMessage",
                         "Resource": _import("IntakeQueueArn")},
                        {"Sid": "QueuePointers", "Effect": "Allow", "Action": "s3:PutObject",
                         "Resource": {"Fn::Sub": ["${Bucket}/queue/" + channel + "/*",
                                                  {"Bucket": _import("SnapshotBucketArn")}]}},
                    ]}},
                    {"PolicyName": "own-secret", "PolicyDocument": {
                        "Version": "2012-10-17", "Statement": secret_statements(channel, "OwnSecret")}},
                ],
            },
        },
        fn: {"Type": "AWS::Serverless::Function", "Properties": function_props},
        f"{stem}SecretReaders": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyName": _sub("${NamePrefix}-" + channel + "-secret-readers"),
                "Roles": [_import("LabelerRoleName"), _import("InboxRoleName")],
                "PolicyDocument": {"Version": "2012-10-17",
                                   "Statement": secret_statements(channel, "MediaDownloadsAndReplies")},
            },
        },
    }


def connectors_template(
    channels: Sequence[str],
    secret_fields: Mapping[str, Sequence[str]] | None = None,
    *,
    code_uris: Mapping[str, str] | None = None,
    layer_uri: str = "../build/lambda/layer-boto3/",
) -> dict[str, Any]:
    """The connectors stack for these channels, as template data (long-form intrinsics)."""
    chosen = _check(channels)
    fields = secret_fields or {}
    uris = code_uris or {}
    parameters: dict[str, Any] = {
        "NamePrefix": {"Type": "String", "Default": "siu", "AllowedPattern": "^[a-z][a-z0-9-]{1,20}$",
                       "Description": "The core stack's NamePrefix (secrets, functions and log groups use it)"},
        "CoreStackName": {"Type": "String", "Default": "siu",
                          "Description": "The core stack whose exports (queue, alarm topic, roles) this one uses"},
        "ConnectorReservedConcurrency": {
            "Type": "Number", "Default": CONNECTOR_RESERVED_CONCURRENCY, "MinValue": 0,
            "Description": "Concurrency reserved for (and capping) each connector; 0 leaves it unreserved "
                           "(an account whose whole Lambda quota is 10 can reserve nothing). docs/deploy.md"},
    }
    resources: dict[str, Any] = {
        "Boto3Layer": {
            "Type": "AWS::Serverless::LayerVersion",
            "Properties": {"Description": "boto3 and botocore at the version siu is tested with",
                           "ContentUri": layer_uri, "CompatibleRuntimes": ["python3.14"],
                           "CompatibleArchitectures": ["arm64"], "RetentionPolicy": "Delete"},
        },
    }
    outputs: dict[str, Any] = {}
    for name in chosen:
        stem = logical_name(name)
        parameters[f"{stem}Settings"] = {
            "Type": "String", "Default": "",
            "Description": f"JSON settings of the {name} plugin (the config file's channels.{name}), or empty",
        }
        resources.update(channel_resources(name, uris.get(name)))
        outputs[f"{stem}WebhookUrl"] = {
            "Description": f"The {name} webhook callback URL (paste it in the platform's dashboard)",
            "Value": {"Fn::GetAtt": [f"{stem}ConnectorFunctionUrl", "FunctionUrl"]},
        }
        listed = ", ".join(fields.get(name, ())) or "see the plugin's README"
        outputs[f"{stem}SecretName"] = {
            "Description": f"Put the {name} fields ({listed}) here: aws ssm put-parameter --type SecureString",
            "Value": _sub("/${NamePrefix}/secrets/" + name)}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Description": f"siu connectors: {', '.join(chosen)} (generated by `siu build`; do not edit)",
        "Parameters": parameters,
        "Conditions": {RESERVE_CONDITION: {"Fn::Not": [{"Fn::Equals": [{"Ref": "ConnectorReservedConcurrency"}, 0]}]}},
        "Globals": {"Function": {
            "Runtime": "python3.14", "Architectures": ["arm64"], "MemorySize": 256, "Timeout": 10,
            "Layers": [{"Ref": "Boto3Layer"}],
            "Environment": {"Variables": {
                "SIU_NAME_PREFIX": {"Ref": "NamePrefix"},
                "SIU_SECRET_PREFIX": _sub("/${NamePrefix}/secrets/"),
                "SIU_QUEUE_URL": _import("IntakeQueueUrl"),
                "SIU_BUCKET": _import("SnapshotBucketName"),
                "POWERTOOLS_METRICS_NAMESPACE": {"Ref": "NamePrefix"},
                "POWERTOOLS_LOG_LEVEL": "INFO",
            }},
        }},
        "Resources": resources,
        "Outputs": outputs,
    }


HEADER = (
    "# siu connectors stack, generated by `siu build` from the installed channel plugins\n"
    "# (siu_core/deploy/connectors.py). Do not edit: choose channels with `siu build --channels a,b`.\n"
)


def render(template: Mapping[str, Any]) -> str:
    """The template as YAML text (long-form intrinsics, keys in template order)."""
    import yaml

    return HEADER + yaml.safe_dump(dict(template), sort_keys=False, allow_unicode=True, width=110)


def write(template: Mapping[str, Any], path: str | Path) -> Path:
    """Write the rendered template; returns its path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(template), encoding="utf-8")
    return out
