"""Least privilege, checked: what each function's role allows versus what its code really calls.

Two halves, both offline:

- **Needs.** :class:`CallRecorder` hooks every botocore client made while it is active (``before-
  parameter-build``, so presigned URLs count too) and records ``(label, service, operation, params)``
  for the handler that is running. :func:`needs_for` turns one call into the IAM actions and resource
  ARNs AWS authorises it against (``TransactWriteItems`` is authorised item by item as ``PutItem``/
  ``UpdateItem``/...; Converse as ``bedrock:InvokeModel`` on the inference profile *and* the foundation
  model in every region, region-less ARN included; ``SendMessageBatch`` as ``sqs:SendMessage``).
- **Grants.** :func:`role_grants` lists every ``Allow`` (action, resource) of a role, from its own
  policies and any ``AWS::IAM::RolePolicy`` another stack attaches to it, evaluated by
  :mod:`siu_core.deploy.cfn`.

:func:`compare` says which needs no grant covers (the function would fail on AWS) and which grants no
need uses (more privilege than the code needs). Pure functions apart from the recorder.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from siu_core.deploy.cfn import AWS_SSM_KEY_ID, Context, Stack

#: Geographic prefixes of cross-region inference profile ids (``global.anthropic...``).
PROFILE_PREFIXES = ("global", "us", "eu", "apac", "jp", "au", "ca", "us-gov")

#: Operations that need no IAM permission.
_FREE = {("sts", "GetCallerIdentity")}

#: Operation -> the IAM action that authorises it, where the two names differ.
_ACTION_OF = {
    ("bedrock", "Converse"): "bedrock:InvokeModel",
    ("bedrock", "ConverseStream"): "bedrock:InvokeModelWithResponseStream",
    ("sqs", "SendMessageBatch"): "sqs:SendMessage",
    ("sqs", "DeleteMessageBatch"): "sqs:DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "sqs:ChangeMessageVisibility",
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "ListObjects"): "s3:ListBucket",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "ListObjectVersions"): "s3:ListBucketVersions",
    ("s3", "CreateMultipartUpload"): "s3:PutObject",
    ("s3", "UploadPart"): "s3:PutObject",
    ("s3", "CompleteMultipartUpload"): "s3:PutObject",
    ("lambda", "Invoke"): "lambda:InvokeFunction",
}
_TRANSACT_WRITE = {
    "Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem",
}


@dataclass(frozen=True)
class Call:
    """One AWS API call a handler made: who made it, the service's IAM prefix, the operation, its params."""

    label: str
    service: str
    operation: str
    params: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, order=True)
class Need:
    """One (IAM action, resource ARN) a call is authorised against."""

    action: str
    resource: str


@dataclass(frozen=True, order=True)
class Grant:
    """One (action, resource pattern) a role's ``Allow`` statements give; ``where`` names the policy."""

    action: str
    resource: str
    where: str = ""


# --- recording ---------------------------------------------------------------------------------------

#: A responder answers a call instead of the service (``(http, parsed)``) or returns None to let it through.
Responder = Callable[[str, Mapping[str, Any]], Any]


class CallRecorder:
    """Records every AWS API call of every botocore client created while active, per label.

    Set :attr:`label` to the handler that runs next; calls from its worker threads count for it too.
    ``responders`` (keyed by ``(service, operation)``) can answer a call locally, e.g. Bedrock under
    moto, which does not emulate Converse.
    """

    def __init__(self, responders: Mapping[tuple[str, str], Responder] | None = None) -> None:
        self.calls: list[Call] = []
        self.label = "unlabelled"
        self.responders = dict(responders or {})
        self._lock = threading.Lock()

    def _record(self, params: Mapping[str, Any], model: Any, context: Any = None, **_: Any) -> None:
        service = str(model.service_model.signing_name)
        if isinstance(context, Mapping) and context.get("is_presign_request") and str(model.name) == "CreateBucket":
            # botocore builds a presigned POST's URL through CreateBucket's model: nothing is called. The
            # browser's POST it signs is authorised as the signer's s3:PutObject of the key (record that).
            return
        call = Call(self.label, service, str(model.name), dict(params))
        with self._lock:
            self.calls.append(call)

    def _respond(self, model: Any, params: Any, **_: Any) -> Any:
        responder = self.responders.get((str(model.service_model.signing_name), str(model.name)))
        if responder is None:
            return None
        import json

        body = params.get("body") if isinstance(params, Mapping) else None
        request = json.loads(body) if isinstance(body, bytes | str) and body else {}
        return responder(str(model.name), request)

    @contextmanager
    def active(self) -> Iterator[CallRecorder]:
        """Hook every client created inside the block (create clients lazily, after entering)."""
        import botocore.session

        original = botocore.session.Session.create_client
        recorder = self

        def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(session, *args, **kwargs)
            client.meta.events.register("before-parameter-build", recorder._record)
            client.meta.events.register("before-call", recorder._respond)
            return client

        botocore.session.Session.create_client = create_client
        try:
            yield self
        finally:
            botocore.session.Session.create_client = original

    def by_label(self) -> dict[str, list[Call]]:
        """The recorded calls grouped by label, in order."""
        out: dict[str, list[Call]] = {}
        for call in self.calls:
            out.setdefault(call.label, []).append(call)
        return out


def http_ok() -> Any:
    """A stand-in botocore HTTP response with status 200, for responders."""
    from types import SimpleNamespace

    return SimpleNamespace(status_code=200, headers={}, raw=None, content=b"")


# --- needs -------------------------------------------------------------------------------------------


def split_model_id(model_id: str) -> tuple[str | None, str]:
    """(geographic prefix or None, foundation model id) of a Bedrock model or inference profile id."""
    head, _, rest = model_id.partition(".")
    if rest and head in PROFILE_PREFIXES:
        return head, rest
    return None, model_id


def bedrock_needs(action: str, model_id: str, ctx: Context) -> list[Need]:
    """What invoking a model id needs: the profile ARN and the model in every region, region-less too."""
    base = f"arn:{ctx.partition}:bedrock"
    if model_id.startswith("arn:"):
        return [Need(action, model_id)]
    prefix, model = split_model_id(model_id)
    if prefix is None:
        return [Need(action, f"{base}:{ctx.region}::foundation-model/{model}")]
    return [
        Need(action, f"{base}:{ctx.region}:{ctx.account}:inference-profile/{model_id}"),
        Need(action, f"{base}:{ctx.region}::foundation-model/{model}"),
        Need(action, f"{base}:::foundation-model/{model}"),
    ]


def _table_arn(ctx: Context, table: str) -> str:
    if table.startswith("arn:"):
        return table
    return f"arn:{ctx.partition}:dynamodb:{ctx.region}:{ctx.account}:table/{table}"


def _queue_arn(ctx: Context, url_or_name: str) -> str:
    if url_or_name.startswith("http"):
        parts = urlparse(url_or_name).path.strip("/").split("/")
        return f"arn:{ctx.partition}:sqs:{ctx.region}:{parts[-2]}:{parts[-1]}"
    return f"arn:{ctx.partition}:sqs:{ctx.region}:{ctx.account}:{url_or_name}"


def _function_arn(ctx: Context, name: str) -> str:
    if name.startswith("arn:"):
        return name
    return f"arn:{ctx.partition}:lambda:{ctx.region}:{ctx.account}:function:{name}"


def _dynamodb(call: Call, ctx: Context) -> list[Need]:
    p = call.params
    op = call.operation
    if op == "TransactWriteItems":
        out = []
        for item in p.get("TransactItems", []):
            for kind, spec in item.items():
                out.append(Need(f"dynamodb:{_TRANSACT_WRITE[kind]}", _table_arn(ctx, spec["TableName"])))
        return out
    if op == "TransactGetItems":
        return [Need("dynamodb:GetItem", _table_arn(ctx, i["Get"]["TableName"])) for i in p.get("TransactItems", [])]
    if op in ("BatchGetItem", "BatchWriteItem"):
        return [Need(f"dynamodb:{op}", _table_arn(ctx, t)) for t in p.get("RequestItems", {})]
    arn = _table_arn(ctx, str(p.get("TableName", "*")))
    if p.get("IndexName"):
        arn = f"{arn}/index/{p['IndexName']}"
    return [Need(f"dynamodb:{op}", arn)]


def _s3(call: Call, ctx: Context) -> list[Need]:
    action = _ACTION_OF.get(("s3", call.operation), f"s3:{call.operation}")
    bucket = str(call.params.get("Bucket", "*"))
    key = call.params.get("Key")
    base = f"arn:{ctx.partition}:s3:::{bucket}"
    if call.operation == "DeleteObjects":  # authorised object by object; a version id needs DeleteObjectVersion
        return [Need("s3:DeleteObjectVersion" if o.get("VersionId") else "s3:DeleteObject", f"{base}/{o['Key']}")
                for o in call.params.get("Delete", {}).get("Objects", [])]
    if call.operation == "CopyObject":  # PutObject on the copy, GetObject on the source
        source = call.params.get("CopySource") or {}
        if isinstance(source, str):
            src_bucket, _, src_key = source.lstrip("/").partition("/")
        else:
            src_bucket, src_key = str(source.get("Bucket")), str(source.get("Key"))
        return [Need("s3:PutObject", f"{base}/{key}"),
                Need("s3:GetObject", f"arn:{ctx.partition}:s3:::{src_bucket}/{src_key}")]
    return [Need(action, base + (f"/{key}" if key is not None else ""))]


def _ssm(call: Call, ctx: Context) -> list[Need]:
    base = f"arn:{ctx.partition}:ssm:{ctx.region}:{ctx.account}:parameter"
    p = call.params
    names: list[str] = []
    if "Path" in p:
        names = [str(p["Path"])]
    elif "Names" in p:
        names = [str(n) for n in p["Names"]]
    elif "Name" in p:
        names = [str(p["Name"])]
    needs = [Need(f"ssm:{call.operation}", f"{base}/{n.lstrip('/')}") for n in names or ["*"]]
    if p.get("WithDecryption"):  # SSM decrypts a SecureString with the caller's own kms:Decrypt on aws/ssm
        needs.append(Need("kms:Decrypt", f"arn:{ctx.partition}:kms:{ctx.region}:{ctx.account}:key/{AWS_SSM_KEY_ID}"))
    return needs


def needs_for(call: Call, ctx: Context) -> list[Need]:
    """The (action, resource) pairs AWS authorises one call against."""
    key = (call.service, call.operation)
    if key in _FREE:
        return []
    p = call.params
    action = _ACTION_OF.get(key, f"{call.service}:{call.operation}")
    if call.service == "dynamodb":
        return _dynamodb(call, ctx)
    if call.service == "s3":
        return _s3(call, ctx)
    if call.service == "ssm":
        return _ssm(call, ctx)
    if call.service == "sqs":
        target = p.get("QueueUrl") or p.get("QueueName") or "*"
        return [Need(action, _queue_arn(ctx, str(target)))]
    if call.service == "lambda" and "FunctionName" in p:
        return [Need(action, _function_arn(ctx, str(p["FunctionName"])))]
    if call.service == "bedrock" and "modelId" in p:
        return bedrock_needs(action, str(p["modelId"]), ctx)
    return [Need(action, "*")]


def needs_by_label(calls: Iterable[Call], ctx: Context) -> dict[str, set[Need]]:
    """Every need of every recorded call, per label."""
    out: dict[str, set[Need]] = {}
    for call in calls:
        out.setdefault(call.label, set()).update(needs_for(call, ctx))
    return out


# --- grants ------------------------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _statement_grants(doc: Mapping[str, Any], where: str) -> list[Grant]:
    out: list[Grant] = []
    for i, statement in enumerate(_as_list(doc.get("Statement", []))):
        if statement.get("Effect") != "Allow":
            continue
        sid = statement.get("Sid") or str(i)
        for action in _as_list(statement.get("Action", [])):
            for resource in _as_list(statement.get("Resource", [])):
                out.append(Grant(str(action), str(resource), f"{where}#{sid}"))
    return out


def function_roles(stack: Stack) -> dict[str, str]:
    """Function logical id -> the logical id of the role it runs as (``Role: !GetAtt X.Arn``)."""
    out: dict[str, str] = {}
    for logical, spec in stack.resources.items():
        if spec.get("Type") not in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            continue
        role = (spec.get("Properties") or {}).get("Role")
        if isinstance(role, Mapping) and "Fn::GetAtt" in role:
            target = role["Fn::GetAtt"]
            out[logical] = str(target[0] if isinstance(target, list) else str(target).split(".")[0])
    return out


def role_grants(stacks: Sequence[Stack]) -> dict[str, list[Grant]]:
    """Role *name* -> every Allow grant on it, from its own policies and policies other stacks attach."""
    out: dict[str, list[Grant]] = {}
    for stack in stacks:
        for logical, spec in stack.resources.items():
            rtype = spec.get("Type")
            if not stack.active(logical):
                continue
            props = spec.get("Properties") or {}
            if rtype == "AWS::IAM::Role":
                name = stack.physical_name(logical)
                grants = out.setdefault(name, [])
                for policy in stack.value(props.get("Policies", [])):
                    grants += _statement_grants(policy["PolicyDocument"], f"{logical}/{policy['PolicyName']}")
            elif rtype in ("AWS::IAM::RolePolicy", "AWS::IAM::Policy"):
                roles = [props["RoleName"]] if "RoleName" in props else props.get("Roles", [])
                doc = stack.value(props["PolicyDocument"])
                for role in roles:
                    out.setdefault(str(stack.value(role)), []).extend(_statement_grants(doc, logical))
    return out


def managed_policies(stack: Stack) -> dict[str, list[Any]]:
    """Role logical id -> managed policy ARNs attached to it (least privilege wants none)."""
    return {
        logical: list((spec.get("Properties") or {}).get("ManagedPolicyArns") or [])
        for logical, spec in stack.resources.items()
        if spec.get("Type") == "AWS::IAM::Role"
    }


# --- comparison --------------------------------------------------------------------------------------


def _pattern(text: str, *, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in text)
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def covers(grant: Grant, need: Need) -> bool:
    """Whether an IAM grant (wildcards ``*`` and ``?``; actions case-insensitive) allows a need."""
    return bool(_pattern(grant.action, ignore_case=True).match(need.action)) and bool(
        _pattern(grant.resource, ignore_case=False).match(need.resource)
    )


@dataclass
class Comparison:
    """Needs no grant covers (missing) and grants no need uses (unused)."""

    missing: list[Need]
    unused: list[Grant]

    @property
    def exact(self) -> bool:
        """True when the role allows exactly what is needed."""
        return not self.missing and not self.unused


def compare(grants: Sequence[Grant], needs: Iterable[Need]) -> Comparison:
    """Compare one role's grants with one function's needs."""
    need_list = sorted(set(needs))
    missing = [n for n in need_list if not any(covers(g, n) for g in grants)]
    unused = [g for g in grants if not any(covers(g, n) for n in need_list)]
    return Comparison(missing, unused)


def actions(grants: Iterable[Grant]) -> list[str]:
    """The distinct actions of some grants, sorted (for the report)."""
    return sorted({g.action for g in grants})
