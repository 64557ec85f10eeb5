"""Create the pipeline's resources from ``infra/template.yaml`` on whatever endpoint boto3 points at.

moto's CloudFormation cannot deploy a SAM template (it drops TTL, versioning and lifecycle), so the
tests' ``aws`` fixture and ``siu dev`` read the template and create each resource with the same
boto3 calls CloudFormation would make: tables (indexes, TTL, point-in-time recovery), queues (the
DLQ first, then the redrive policy that names it), the bucket (versioning, encryption, public
access block, lifecycle). A property this module does not know fails loudly, so a template change
cannot silently diverge from what tests run against. Provisioning is idempotent.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siu_core.aws import clients, names
from siu_core.aws.template import TemplateError, load_template, resolve

#: Resource types created locally, and the properties each understands.
_KNOWN_PROPERTIES: dict[str, set[str]] = {
    "AWS::SQS::Queue": {
        "QueueName", "VisibilityTimeout", "MessageRetentionPeriod", "RedrivePolicy", "SqsManagedSseEnabled",
        "DelaySeconds", "ReceiveMessageWaitTimeSeconds", "MaximumMessageSize", "Tags", "FifoQueue",
        "FifoThroughputLimit", "DeduplicationScope", "ContentBasedDeduplication",
    },
    "AWS::DynamoDB::Table": {
        "TableName", "BillingMode", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes",
        "TimeToLiveSpecification", "PointInTimeRecoverySpecification", "SSESpecification", "Tags",
        "StreamSpecification",
    },
    "AWS::S3::Bucket": {
        "BucketName", "VersioningConfiguration", "BucketEncryption", "PublicAccessBlockConfiguration",
        "LifecycleConfiguration", "Tags", "CorsConfiguration",
    },
    # Checked and resolved but not applied: local emulators speak plain HTTP, and moto evaluates
    # aws:SecureTransport as false, so a TLS-only policy would deny every local request.
    "AWS::S3::BucketPolicy": {"Bucket", "PolicyDocument"},
}

#: Types that only exist on AWS (compute, schedules, alarms, budgets, IAM...): not emulated here.
_NOT_EMULATED_PREFIXES = (
    "AWS::Serverless::", "AWS::Lambda::", "AWS::Scheduler::", "AWS::CloudWatch::", "AWS::Logs::",
    "AWS::IAM::", "AWS::Budgets::", "AWS::SNS::", "AWS::Events::", "AWS::SecretsManager::", "AWS::SSM::",
    "AWS::KMS::",
    # The search VPC and its file system: `siu dev` keeps the index in its state dir instead.
    "AWS::EC2::", "AWS::EFS::",
)

_ACCOUNT_FALLBACK = "123456789012"


class ProvisionError(TemplateError):
    """A template resource could not be created locally; the message names it."""


@dataclass
class Provisioned:
    """What provisioning created: physical names, queue URLs, ARNs, and what it skipped."""

    names: names.ResourceNames
    queue_urls: dict[str, str] = field(default_factory=dict)
    arns: dict[str, str] = field(default_factory=dict)
    physical: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        """Environment variables that point the handlers at these resources."""
        out = self.names.env()
        out[names.QUEUE_URL_ENV] = self.queue_urls["IntakeQueue"]
        return out


class _Provisioner:
    def __init__(self, template: Mapping[str, Any], parameters: Mapping[str, str]) -> None:
        self.template = template
        self.resources: Mapping[str, Any] = template["Resources"]
        self.parameters = dict(parameters)
        self.physical: dict[str, str] = {}
        self.arns: dict[str, str] = {}
        self.queue_urls: dict[str, str] = {}
        self.skipped: dict[str, str] = {}
        self._in_progress: set[str] = set()
        self._account: str | None = None

    # --- intrinsic lookups ------------------------------------------------------------------------

    def lookup(self, kind: str, name: str, attribute: str | None) -> Any:
        """Resolve a Ref or GetAtt, creating the referenced resource first (so order follows references)."""
        if kind == "Ref":
            if name in self.parameters:
                return self.parameters[name]
            if name == "AWS::Region":
                return self.region
            if name == "AWS::AccountId":
                return self.account
            if name in ("AWS::Partition",):
                return "aws"
            if name in ("AWS::StackName",):
                return self.parameters.get("NamePrefix", names.DEFAULT_PREFIX)
            if name in self.resources:
                self.create(name)
                # Ref of a queue is its URL; of a table or bucket, its name.
                return self.queue_urls.get(name, self.physical.get(name))
            raise ProvisionError(f"!Ref {name}: no such parameter or resource")
        if name not in self.resources:
            raise ProvisionError(f"!GetAtt {name}.{attribute}: no such resource")
        self.create(name)
        if attribute == "Arn":
            return self.arns[name]
        if attribute in ("QueueName", "QueueUrl"):
            return self.physical[name] if attribute == "QueueName" else self.queue_urls[name]
        raise ProvisionError(f"!GetAtt {name}.{attribute}: attribute not supported locally")

    @property
    def region(self) -> str:
        """The region boto3 is pointed at (what ``AWS::Region`` resolves to)."""
        return str(clients.client("sts").meta.region_name)

    @property
    def account(self) -> str:
        """The account id (``AWS::AccountId``), asked of STS once."""
        if self._account is None:
            try:
                self._account = str(clients.client("sts").get_caller_identity()["Account"])
            except Exception:  # an emulator without STS: moto's default account
                self._account = _ACCOUNT_FALLBACK
        return self._account

    # --- creation ---------------------------------------------------------------------------------

    def create_all(self) -> None:
        """Create every resource of the template, in reference order."""
        for logical in self.resources:
            self.create(logical)

    def create(self, logical: str) -> None:
        """Create one resource (once), or record why it is not emulated locally."""
        if logical in self.physical or logical in self.skipped:
            return
        if logical in self._in_progress:
            raise ProvisionError(f"{logical}: circular reference")
        spec = self.resources[logical]
        rtype = str(spec.get("Type", ""))
        if rtype.startswith(_NOT_EMULATED_PREFIXES):
            self.skipped[logical] = f"{rtype} is not emulated locally"
            return
        known = _KNOWN_PROPERTIES.get(rtype)
        if known is None:
            raise ProvisionError(f"{logical}: resource type {rtype} has no local provisioning")
        raw_props = spec.get("Properties") or {}
        unknown = sorted(set(raw_props) - known)
        if unknown:
            raise ProvisionError(f"{logical} ({rtype}): properties not provisioned locally: {', '.join(unknown)}")
        self._in_progress.add(logical)
        try:
            props = resolve(raw_props, self.lookup, logical)
            creator: Callable[[str, dict[str, Any]], None] = {
                "AWS::SQS::Queue": self._queue,
                "AWS::DynamoDB::Table": self._table,
                "AWS::S3::Bucket": self._bucket,
                "AWS::S3::BucketPolicy": self._bucket_policy,
            }[rtype]
            creator(logical, props)
        finally:
            self._in_progress.discard(logical)

    def _queue(self, logical: str, props: dict[str, Any]) -> None:
        name = props.get("QueueName") or logical
        attributes: dict[str, str] = {}
        for key in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds",
                    "ReceiveMessageWaitTimeSeconds", "MaximumMessageSize"):
            if key in props:
                attributes[key] = str(int(props[key]))
        for flag in ("SqsManagedSseEnabled", "ContentBasedDeduplication"):
            if flag in props:
                attributes[flag] = "true" if props[flag] else "false"
        for key in ("FifoThroughputLimit", "DeduplicationScope"):
            if key in props:
                attributes[key] = str(props[key])
        if "RedrivePolicy" in props:
            policy = props["RedrivePolicy"]
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": policy["deadLetterTargetArn"],
                 "maxReceiveCount": int(policy["maxReceiveCount"])}
            )
        # FifoQueue is fixed at creation (set_queue_attributes refuses it): only create_queue gets it.
        created = {**attributes, "FifoQueue": "true"} if props.get("FifoQueue") else attributes
        if props.get("FifoQueue") and not str(name).endswith(".fifo"):
            raise ProvisionError(f"{logical}: a FIFO queue's name must end in .fifo (got {name})")
        sqs = clients.sqs()
        url = sqs.create_queue(QueueName=name, Attributes=created)["QueueUrl"]
        # create_queue keeps an existing queue's attributes; set them so a rerun converges.
        if attributes:
            sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.physical[logical], self.queue_urls[logical], self.arns[logical] = name, url, arn

    def _table(self, logical: str, props: dict[str, Any]) -> None:
        ddb = clients.dynamodb()
        name = props.get("TableName") or logical
        request: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PROVISIONED"),
        }
        if request["BillingMode"] != "PAY_PER_REQUEST":
            raise ProvisionError(f"{logical}: only on-demand (PAY_PER_REQUEST) tables are provisioned")
        if props.get("GlobalSecondaryIndexes"):
            request["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        if props.get("Tags"):
            request["Tags"] = props["Tags"]
        stream = props.get("StreamSpecification")
        if stream:
            request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
        try:
            arn = ddb.create_table(**request)["TableDescription"]["TableArn"]
        except ddb.exceptions.ResourceInUseException:
            arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            current = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
                ddb.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
                )
        pitr = props.get("PointInTimeRecoverySpecification")
        if pitr and pitr.get("PointInTimeRecoveryEnabled"):
            ddb.update_continuous_backups(
                TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
            )
        self.physical[logical], self.arns[logical] = name, arn

    def _bucket(self, logical: str, props: dict[str, Any]) -> None:
        s3 = clients.s3()
        name = props.get("BucketName") or logical.lower()
        request: dict[str, Any] = {"Bucket": name}
        if self.region != "us-east-1":
            request["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
            s3.create_bucket(**request)
        if "VersioningConfiguration" in props:
            s3.put_bucket_versioning(
                Bucket=name, VersioningConfiguration={"Status": props["VersioningConfiguration"]["Status"]}
            )
        if "BucketEncryption" in props:
            rules = [
                {"ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"]}
                for r in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
            )
        if "LifecycleConfiguration" in props:
            rules = [lifecycle_rule(r) for r in props["LifecycleConfiguration"]["Rules"]]
            s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
        if props.get("Tags"):
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": props["Tags"]})
        if "CorsConfiguration" in props:
            s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [
                {key: rule[key] for key in ("AllowedMethods", "AllowedOrigins", "AllowedHeaders", "MaxAgeSeconds")
                 if key in rule} | ({"MaxAgeSeconds": rule["MaxAge"]} if "MaxAge" in rule else {})
                for rule in props["CorsConfiguration"]["CorsRules"]]})
        self.physical[logical], self.arns[logical] = name, f"arn:aws:s3:::{name}"

    def _bucket_policy(self, logical: str, props: dict[str, Any]) -> None:
        document = props["PolicyDocument"]
        if not isinstance(document, Mapping) or not document.get("Statement"):
            raise ProvisionError(f"{logical}: PolicyDocument has no Statement")
        self.skipped[logical] = "TLS-only bucket policy not applied to a plain-HTTP local emulator"


def lifecycle_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """Translate one CloudFormation lifecycle rule into the S3 API's shape."""
    out: dict[str, Any] = {"Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "Id" in rule:
        out["ID"] = rule["Id"]
    if "Transitions" in rule:
        out["Transitions"] = [
            {"Days": int(t["TransitionInDays"]), "StorageClass": t["StorageClass"]} for t in rule["Transitions"]
        ]
    if "ExpirationInDays" in rule:
        out["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "NoncurrentVersionTransitions" in rule:
        out["NoncurrentVersionTransitions"] = [
            {"NoncurrentDays": int(t["TransitionInDays"]), "StorageClass": t["StorageClass"]}
            for t in rule["NoncurrentVersionTransitions"]
        ]
    if "NoncurrentVersionExpiration" in rule:
        out["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(rule["NoncurrentVersionExpiration"]["NoncurrentDays"])
        }
    known = {"Id", "Status", "Prefix", "Transitions", "ExpirationInDays", "NoncurrentVersionTransitions",
             "NoncurrentVersionExpiration"}
    unknown = sorted(set(rule) - known)
    if unknown:
        raise ProvisionError(f"lifecycle rule {rule.get('Id', '?')}: keys not provisioned locally: {unknown}")
    return out


def template_parameters(template: Mapping[str, Any], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Parameter values: the template's defaults, the name prefix from the environment, overrides."""
    values = {k: str(v["Default"]) for k, v in (template.get("Parameters") or {}).items() if "Default" in v}
    if "NamePrefix" in values:
        values["NamePrefix"] = names.name_prefix()
    values.update(overrides or {})
    return values


def provision(
    template_file: str | Path | None = None, parameters: Mapping[str, str] | None = None
) -> Provisioned:
    """Create (or converge) every emulated resource of the template; return names, URLs and ARNs."""
    template = load_template(template_file)
    prov = _Provisioner(template, template_parameters(template, parameters))
    prov.create_all()
    by_field = {f: prov.physical[logical] for f, (_env, _suffix, logical) in names.RESOURCES.items()}
    return Provisioned(
        names=names.ResourceNames(**by_field),
        queue_urls=dict(prov.queue_urls),
        arns=dict(prov.arns),
        physical=dict(prov.physical),
        skipped=dict(prov.skipped),
    )
