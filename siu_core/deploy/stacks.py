"""The two stacks siu deploys, as the rest of the deploy code and the tests see them.

``core`` is ``infra/template.yaml``; ``connectors`` is generated for the chosen channels
(:mod:`siu_core.deploy.connectors`). This module names the functions of both (by the label the IAM
recording uses: ``labeler``, ``inbox``, ``sla-sweeper``, ``digest``, ``connector:<channel>``),
evaluates both offline for one account and region (the connectors stack importing the core's
exports), and lists what AWS itself needs a role to allow beyond the code's own calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from siu_core.deploy import cfn, connectors
from siu_core.deploy.iam import Need

#: Recording label -> logical id of the core stack's function.
CORE_FUNCTIONS: dict[str, str] = {
    "labeler": "LabelerFunction",
    "inbox": "InboxFunction",
    "sla-sweeper": "SlaSweeperFunction",
    "digest": "DigestFunction",
    "indexer": "IndexerFunction",
    "search": "SearchFunction",
}
CONNECTOR_LABEL = "connector:"
#: The event-source mapping polls the queue with the function's role (Lambda's documented minimum).
_ESM_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
_LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
#: ... and reads a DynamoDB stream with it (the same documented minimum for a stream source).
_STREAM_ACTIONS = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                   "dynamodb:ListStreams")
#: A function in a VPC: Lambda places its network interfaces with the function's role (AWS's
#: documented minimum); the Describe actions take no resource.
_ENI_ACTIONS = ("ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses")
_DESCRIBE_ACTIONS = ("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets")
#: Functions that open their EFS mount for writing (ClientWrite); the Search function opens the
#: index read-only (siu_core/handlers/search.py), so its role has ClientMount only.
FILE_SYSTEM_WRITERS = frozenset({"IndexerFunction"})


def core_template_path() -> Path:
    """``infra/template.yaml`` (the checkout's, else the one inside the wheel)."""
    from siu_core.aws.template import template_path

    return template_path()


def core_template() -> dict[str, Any]:
    """The core template as data."""
    return cfn.load(core_template_path())


def function_logical_ids(channels: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Recording label -> (stack, logical id) of every function deployed for these channels."""
    out = {label: ("core", logical) for label, logical in CORE_FUNCTIONS.items()}
    for name in channels:
        out[f"{CONNECTOR_LABEL}{name}"] = ("connectors", connectors.function_logical_id(name))
    return out


@dataclass
class Stacks:
    """Both stacks evaluated in one context."""

    core: cfn.Stack
    connectors: cfn.Stack

    def stack(self, which: str) -> cfn.Stack:
        """The stack called ``core`` or ``connectors``."""
        return self.core if which == "core" else self.connectors


def analysis_stacks(
    channels: Sequence[str],
    secret_fields: Mapping[str, Sequence[str]] | None = None,
    *,
    context: cfn.Context | None = None,
    core: Mapping[str, Any] | None = None,
) -> Stacks:
    """Both stacks evaluated offline (default account/region; core stack and prefix ``siu``)."""
    ctx = context or cfn.Context(parameters={"Channels": ",".join(channels)})
    core_stack = cfn.Stack(core if core is not None else core_template(), ctx)
    conn_ctx = cfn.Context(account=ctx.account, region=ctx.region, stack_name=f"{ctx.stack_name}-connectors",
                           parameters={"NamePrefix": core_stack.parameters.get("NamePrefix", "siu"),
                                       "CoreStackName": ctx.stack_name},
                           imports=core_stack.exports())
    conn_stack = cfn.Stack(connectors.connectors_template(channels, secret_fields), conn_ctx)
    return Stacks(core_stack, conn_stack)


def platform_needs(stack: cfn.Stack, function: str) -> set[Need]:
    """What AWS needs the function's role to allow beyond the code: its logs, its event source's polling
    (queue or stream, and a stream's on-failure notice), its VPC network interfaces, its file system mount."""
    props = stack.resources[function].get("Properties") or {}
    needs: set[Need] = set()
    log_group = (props.get("LoggingConfig") or {}).get("LogGroup")
    if log_group is not None:
        name = str(stack.value(log_group))
        ctx = stack.context
        stream = f"arn:{ctx.partition}:logs:{ctx.region}:{ctx.account}:log-group:{name}:log-stream:2026/01/01/x"
        needs |= {Need(action, stream) for action in _LOG_ACTIONS}
    for event in (props.get("Events") or {}).values():
        if event.get("Type") == "SQS":
            queue = str(stack.value(event["Properties"]["Queue"]))
            needs |= {Need(action, queue) for action in _ESM_ACTIONS}
        if event.get("Type") == "DynamoDB":
            needs |= _stream_needs(stack, event["Properties"])
    if props.get("VpcConfig"):
        needs |= _vpc_needs(stack, props["VpcConfig"])
    for mount in props.get("FileSystemConfigs") or []:
        needs |= _mount_needs(stack, mount, write=function in FILE_SYSTEM_WRITERS)
    return needs


def _stream_needs(stack: cfn.Stack, event: Mapping[str, Any]) -> set[Need]:
    """Reading a table's stream, and sending a failed batch's notice to its on-failure destination."""
    needs = {Need(action, str(stack.value(event["Stream"]))) for action in _STREAM_ACTIONS}
    failure = (event.get("DestinationConfig") or {}).get("OnFailure")
    if failure is not None:
        action = {"SNS": "sns:Publish", "SQS": "sqs:SendMessage"}[str(failure["Type"])]
        needs.add(Need(action, str(stack.value(failure["Destination"]))))
    return needs


def _vpc_needs(stack: cfn.Stack, vpc: Mapping[str, Any]) -> set[Need]:
    """Lambda creating and removing the function's network interfaces in its subnets and security groups."""
    ctx = stack.context
    base = f"arn:{ctx.partition}:ec2:{ctx.region}:{ctx.account}"
    eni = f"{base}:network-interface/eni-0123456789abcdef0"
    needs = {Need("ec2:CreateNetworkInterface", eni)} | {Need(action, eni) for action in _ENI_ACTIONS}
    needs |= {Need("ec2:CreateNetworkInterface", f"{base}:subnet/{s}") for s in stack.value(vpc["SubnetIds"])}
    needs |= {Need("ec2:CreateNetworkInterface", f"{base}:security-group/{g}")
              for g in stack.value(vpc["SecurityGroupIds"])}
    return needs | {Need(action, "*") for action in _DESCRIBE_ACTIONS}


def _mount_needs(stack: cfn.Stack, mount: Mapping[str, Any], *, write: bool) -> set[Need]:
    """Mounting an EFS access point: authorised on its file system (ClientWrite only for a writer)."""
    access_point = mount["Arn"]
    getatt = access_point.get("Fn::GetAtt") if isinstance(access_point, Mapping) else None
    target = (getatt[0] if isinstance(getatt, list) else str(getatt).split(".")[0]) if getatt else None
    if target is None:
        raise cfn.EvaluationError("FileSystemConfigs.Arn must be !GetAtt <AccessPoint>.Arn")
    file_system = (stack.resources[target].get("Properties") or {})["FileSystemId"]
    fs_arn = str(stack.getatt(str(file_system["Ref"]), "Arn"))
    actions = ("elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite") if write else (
        "elasticfilesystem:ClientMount",)
    return {Need(action, fs_arn) for action in actions}
