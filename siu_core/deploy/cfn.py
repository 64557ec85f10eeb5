"""Evaluate a CloudFormation/SAM template offline: intrinsics, conditions, physical names and ARNs.

What a deployed stack would resolve at create time, computed for a fixed account, region and set of
parameter values, so IAM statements, environment variables and alarm dimensions can be compared with
what the code really does (:mod:`siu_core.deploy.iam`) without an AWS account. Physical names follow
each resource's name property (``TableName``, ``QueueName``...); the account's ``aws/ssm`` KMS key
gets a fixed id. ``Fn::ImportValue`` reads the exports of another evaluated stack.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siu_core.errors import SiuError

#: The key id evaluated ARNs give the account's ``aws/ssm`` KMS key (AWS makes a random one per account).
AWS_SSM_KEY_ID = "aws-ssm-0000"
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "ap-southeast-1"


class EvaluationError(SiuError):
    """An intrinsic or reference could not be evaluated; the message names it."""


class _NoValue:
    """``AWS::NoValue``: removed from the list or mapping that holds it."""


NO_VALUE = _NoValue()


@dataclass(frozen=True)
class Context:
    """Where a stack is evaluated: account, region, stack name, parameter values, other stacks' exports."""

    account: str = DEFAULT_ACCOUNT
    region: str = DEFAULT_REGION
    stack_name: str = "siu"
    parameters: Mapping[str, str] = field(default_factory=dict)
    imports: Mapping[str, Any] = field(default_factory=dict)
    partition: str = "aws"


def load(path: str | Path) -> dict[str, Any]:
    """A template file as plain data (short-form tags read as long-form intrinsics)."""
    from siu_core.aws.template import load_template

    return load_template(path)


class Stack:
    """One template evaluated in a context: ``value()`` resolves any fragment of it."""

    def __init__(self, template: Mapping[str, Any], context: Context) -> None:
        self.template = template
        self.context = context
        self.resources: Mapping[str, Any] = template.get("Resources") or {}
        declared = template.get("Parameters") or {}
        values = {k: str(v["Default"]) for k, v in declared.items() if "Default" in v}
        values.update({k: str(v) for k, v in context.parameters.items()})
        self.parameters = values
        self._conditions: dict[str, bool] = {}

    # --- conditions ---------------------------------------------------------------------------------

    def condition(self, name: str) -> bool:
        """The value of a named condition of the template."""
        if name not in self._conditions:
            spec = (self.template.get("Conditions") or {}).get(name)
            if spec is None:
                raise EvaluationError(f"condition {name} is not defined")
            self._conditions[name] = bool(self.value(spec))
        return self._conditions[name]

    def active(self, logical: str) -> bool:
        """Whether a resource exists in this context (its ``Condition``, if any, holds)."""
        cond = self.resources[logical].get("Condition")
        return True if cond is None else self.condition(str(cond))

    # --- references ---------------------------------------------------------------------------------

    def ref(self, name: str) -> Any:
        """What ``!Ref name`` gives: a parameter's value, a pseudo parameter, or a resource's Ref."""
        ctx = self.context
        pseudo = {
            "AWS::Region": ctx.region, "AWS::AccountId": ctx.account, "AWS::Partition": ctx.partition,
            "AWS::StackName": ctx.stack_name, "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackId": f"arn:aws:cloudformation:{ctx.region}:{ctx.account}:stack/{ctx.stack_name}/0",
        }
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in (self.template.get("Parameters") or {}):
            raise EvaluationError(f"parameter {name} has no value and no default")
        if name in self.resources:
            return self._attribute(name, None)
        raise EvaluationError(f"!Ref {name}: no such parameter or resource")

    def getatt(self, name: str, attribute: str) -> Any:
        """What ``!GetAtt name.attribute`` gives."""
        if name not in self.resources:
            raise EvaluationError(f"!GetAtt {name}.{attribute}: no such resource")
        return self._attribute(name, attribute)

    def physical_name(self, logical: str) -> str:
        """The resource's physical name: its name property, else one derived from stack and logical id."""
        spec = self.resources[logical]
        props = spec.get("Properties") or {}
        for key in _NAME_PROPERTY.get(str(spec.get("Type")), ()):
            if key in props:
                return str(self.value(props[key]))
        return f"{self.context.stack_name}-{logical}"

    def _attribute(self, logical: str, attribute: str | None) -> Any:
        rtype = str(self.resources[logical].get("Type"))
        name = self.physical_name(logical)
        ctx = self.context
        arn = _ARN.get(rtype)
        values: dict[str | None, Any] = {None: name}
        if arn is not None:
            values["Arn"] = arn(ctx, name)
        if rtype == "AWS::SQS::Queue":
            values.update({None: f"https://sqs.{ctx.region}.amazonaws.com/{ctx.account}/{name}", "QueueName": name,
                           "QueueUrl": f"https://sqs.{ctx.region}.amazonaws.com/{ctx.account}/{name}"})
        elif rtype in ("AWS::SNS::Topic", "AWS::Serverless::LayerVersion",
                       "AWS::Lambda::LayerVersion"):
            values[None] = values["Arn"]
            values["TopicArn"] = values["Arn"]
        elif rtype == "AWS::IAM::Role":
            values["RoleId"] = f"AROA{logical.upper()}"
        elif rtype == "AWS::DynamoDB::Table":
            values["StreamArn"] = f"{values['Arn']}/stream/2026-01-01T00:00:00.000"
        elif rtype == "AWS::EC2::SecurityGroup":
            values["GroupId"] = name
        elif rtype in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            values["FunctionUrl"] = f"https://{name}.lambda-url.{ctx.region}.on.aws/"
        if attribute not in values:
            raise EvaluationError(f"!GetAtt {logical}.{attribute}: attribute not known offline for {rtype}")
        return values[attribute]

    # --- values -------------------------------------------------------------------------------------

    def value(self, node: Any) -> Any:
        """Evaluate every intrinsic inside ``node``; ``AWS::NoValue`` entries are dropped."""
        if isinstance(node, list):
            return [v for v in (self.value(item) for item in node) if v is not NO_VALUE]
        if not isinstance(node, Mapping):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            fn = _FUNCTIONS.get(key)
            if fn is not None:
                return fn(self, arg)
        out: dict[str, Any] = {}
        for key, item in node.items():
            evaluated = self.value(item)
            if evaluated is not NO_VALUE:
                out[str(key)] = evaluated
        return out

    def exports(self) -> dict[str, Any]:
        """Export name -> value of every output that exports one (what another stack can import)."""
        found: dict[str, Any] = {}
        for output in (self.template.get("Outputs") or {}).values():
            export = output.get("Export")
            if export and ("Condition" not in output or self.condition(str(output["Condition"]))):
                found[str(self.value(export["Name"]))] = self.value(output["Value"])
        return found

    def outputs(self) -> dict[str, Any]:
        """Output name -> value (outputs whose condition is false are left out)."""
        return {
            name: self.value(spec["Value"])
            for name, spec in (self.template.get("Outputs") or {}).items()
            if "Condition" not in spec or self.condition(str(spec["Condition"]))
        }


def _sub(stack: Stack, arg: Any) -> str:
    from siu_core.aws.template import substitute

    if isinstance(arg, list):
        text, local = str(arg[0]), {k: stack.value(v) for k, v in dict(arg[1]).items()}
    else:
        text, local = str(arg), {}

    def lookup(kind: str, name: str, attribute: str | None) -> Any:
        return stack.getatt(name, str(attribute)) if kind == "GetAtt" else stack.ref(name)

    return substitute(text, local, lookup)


def _getatt(stack: Stack, arg: Any) -> Any:
    parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
    return stack.getatt(str(parts[0]), str(stack.value(parts[1])))


def _import(stack: Stack, arg: Any) -> Any:
    name = str(stack.value(arg))
    if name not in stack.context.imports:
        raise EvaluationError(f"Fn::ImportValue {name}: no stack exports it")
    return stack.context.imports[name]


def _if(stack: Stack, arg: Any) -> Any:
    cond, yes, no = arg
    return stack.value(yes if stack.condition(str(cond)) else no)


def _select(stack: Stack, arg: Any) -> Any:
    index, items = arg
    return stack.value(items)[int(stack.value(index))]


def _split(stack: Stack, arg: Any) -> list[str]:
    sep, text = arg
    return str(stack.value(text)).split(str(sep))


def _join(stack: Stack, arg: Any) -> str:
    sep, items = arg
    return str(sep).join(str(v) for v in stack.value(items))


_FUNCTIONS: dict[str, Callable[[Stack, Any], Any]] = {
    "Ref": lambda s, a: s.ref(str(a)),
    "Fn::GetAtt": _getatt,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::ImportValue": _import,
    "Fn::GetAZs": lambda s, a: [f"{s.context.region}{zone}" for zone in "abc"],
    "Fn::If": _if,
    "Fn::Not": lambda s, a: not s.value(a[0]),
    "Fn::Equals": lambda s, a: s.value(a[0]) == s.value(a[1]),
    "Fn::And": lambda s, a: all(s.value(x) for x in a),
    "Fn::Or": lambda s, a: any(s.value(x) for x in a),
    "Condition": lambda s, a: s.condition(str(a)),
}

#: Resource type -> the properties that hold its physical name, in order of preference.
_NAME_PROPERTY: dict[str, tuple[str, ...]] = {
    "AWS::DynamoDB::Table": ("TableName",),
    "AWS::SQS::Queue": ("QueueName",),
    "AWS::S3::Bucket": ("BucketName",),
    "AWS::Logs::LogGroup": ("LogGroupName",),
    "AWS::SNS::Topic": ("TopicName",),
    "AWS::Serverless::Function": ("FunctionName",),
    "AWS::Lambda::Function": ("FunctionName",),
    "AWS::IAM::Role": ("RoleName",),
    "AWS::SSM::Parameter": ("Name",),
    "AWS::Scheduler::Schedule": ("Name",),
    "AWS::CloudWatch::Alarm": ("AlarmName",),
    "AWS::Serverless::LayerVersion": ("LayerName",),
}

_ARN: dict[str, Callable[[Context, str], str]] = {
    "AWS::DynamoDB::Table": lambda c, n: f"arn:{c.partition}:dynamodb:{c.region}:{c.account}:table/{n}",
    "AWS::SQS::Queue": lambda c, n: f"arn:{c.partition}:sqs:{c.region}:{c.account}:{n}",
    "AWS::S3::Bucket": lambda c, n: f"arn:{c.partition}:s3:::{n}",
    "AWS::Logs::LogGroup": lambda c, n: f"arn:{c.partition}:logs:{c.region}:{c.account}:log-group:{n}:*",
    "AWS::SNS::Topic": lambda c, n: f"arn:{c.partition}:sns:{c.region}:{c.account}:{n}",
    "AWS::Serverless::Function": lambda c, n: f"arn:{c.partition}:lambda:{c.region}:{c.account}:function:{n}",
    "AWS::Lambda::Function": lambda c, n: f"arn:{c.partition}:lambda:{c.region}:{c.account}:function:{n}",
    "AWS::IAM::Role": lambda c, n: f"arn:{c.partition}:iam::{c.account}:role/{n}",
    "AWS::EFS::FileSystem": lambda c, n: f"arn:{c.partition}:elasticfilesystem:{c.region}:{c.account}:file-system/"
                                         f"{n}",
    "AWS::EFS::AccessPoint": lambda c, n: f"arn:{c.partition}:elasticfilesystem:{c.region}:{c.account}:access-point/"
                                          f"{n}",
    "AWS::SSM::Parameter": lambda c, n: f"arn:{c.partition}:ssm:{c.region}:{c.account}:parameter/{n.lstrip('/')}",
    "AWS::Serverless::LayerVersion": lambda c, n: f"arn:{c.partition}:lambda:{c.region}:{c.account}:layer:{n}:1",
    "AWS::CloudWatch::Alarm": lambda c, n: f"arn:{c.partition}:cloudwatch:{c.region}:{c.account}:alarm:{n}",
    "AWS::Scheduler::Schedule": lambda c, n: f"arn:{c.partition}:scheduler:{c.region}:{c.account}:schedule/default/{n}",
}
