"""The deployed search shape in ``infra/template.yaml`` (docs/search.md): VPC without NAT, EFS, the
Indexer on the two tables' streams, the read-only Search function, the inbox's one grant, and the
cost model's assumptions matching what is deployed."""

from __future__ import annotations

from typing import Any

import pytest

from siu_core.deploy.cost import ASSUMPTIONS, SEARCH_ASSUMPTIONS, SEARCH_MEMORY_GB, estimate
from siu_core.deploy.stacks import core_template

#: Billed by the hour (or needed only for an internet or AWS-API route): the search VPC has none.
HOURLY_NETWORK = ("AWS::EC2::NatGateway", "AWS::EC2::InternetGateway", "AWS::EC2::VPCEndpoint", "AWS::EC2::EIP",
                  "AWS::EC2::TransitGatewayAttachment")


@pytest.fixture(scope="module")
def res() -> dict[str, Any]:
    resources: dict[str, Any] = core_template()["Resources"]
    return resources


def _props(res: dict[str, Any], logical: str) -> dict[str, Any]:
    props: dict[str, Any] = res[logical]["Properties"]
    return props


def _statements(res: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return [s for p in _props(res, role)["Policies"] for s in p["PolicyDocument"]["Statement"]]


def test_two_private_subnets_in_two_zones_and_nothing_billed_by_the_hour(res: dict[str, Any]) -> None:
    subnets = {k: _props(res, k) for k, v in res.items() if v["Type"] == "AWS::EC2::Subnet"}
    assert set(subnets) == {"SearchSubnetA", "SearchSubnetB"}
    zones = [p["AvailabilityZone"]["Fn::Select"][0] for p in subnets.values()]
    assert sorted(zones) == [0, 1]
    assert all(p["VpcId"] == {"Ref": "SearchVpc"} and not p.get("MapPublicIpOnLaunch") for p in subnets.values())
    assert not [k for k, v in res.items() if v["Type"] in HOURLY_NETWORK]


def test_nfs_only_from_the_functions_group_and_the_functions_open_nothing_else(res: dict[str, Any]) -> None:
    ingress = [_props(res, k) for k, v in res.items() if v["Type"] == "AWS::EC2::SecurityGroupIngress"]
    egress = [_props(res, k) for k, v in res.items() if v["Type"] == "AWS::EC2::SecurityGroupEgress"]
    functions_sg = {"Fn::GetAtt": ["SearchFunctionsSecurityGroup", "GroupId"]}
    fs_sg = {"Fn::GetAtt": ["SearchFileSystemSecurityGroup", "GroupId"]}
    assert [(r["GroupId"], r["IpProtocol"], r["FromPort"], r["ToPort"], r["SourceSecurityGroupId"])
            for r in ingress] == [(fs_sg, "tcp", 2049, 2049, functions_sg)]
    assert [(r["GroupId"], r["FromPort"], r["ToPort"], r["DestinationSecurityGroupId"]) for r in egress] == [
        (functions_sg, 2049, 2049, fs_sg)]
    assert "SecurityGroupIngress" not in _props(res, "SearchFileSystemSecurityGroup")
    assert "SecurityGroupIngress" not in _props(res, "SearchFunctionsSecurityGroup")
    # The file system's group replaces the default allow-all egress with a rule that matches nothing.
    assert _props(res, "SearchFileSystemSecurityGroup")["SecurityGroupEgress"][0]["CidrIp"] == "127.0.0.1/32"


def test_the_file_system_is_encrypted_elastic_standard_tls_only_and_kept(res: dict[str, Any]) -> None:
    fs = _props(res, "SearchFileSystem")
    assert fs["Encrypted"] is True and fs["ThroughputMode"] == "elastic"
    assert "LifecyclePolicies" not in fs  # `siu cost` prices the index as EFS Standard storage
    assert res["SearchFileSystem"]["DeletionPolicy"] == "Retain"
    deny = [s for s in fs["FileSystemPolicy"]["Statement"] if s["Effect"] == "Deny"]
    assert deny and deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    targets = [_props(res, k) for k, v in res.items() if v["Type"] == "AWS::EFS::MountTarget"]
    assert sorted(t["SubnetId"]["Ref"] for t in targets) == ["SearchSubnetA", "SearchSubnetB"]
    point = _props(res, "SearchAccessPoint")
    assert point["RootDirectory"]["Path"] == "/search" and point["PosixUser"] == {"Uid": "1000", "Gid": "1000"}


def test_both_functions_mount_the_access_point_in_the_vpc_and_only_the_indexer_writes(res: dict[str, Any]) -> None:
    for name, role in (("IndexerFunction", "IndexerRole"), ("SearchFunction", "SearchRole")):
        props = _props(res, name)
        assert props["FileSystemConfigs"] == [{"Arn": {"Fn::GetAtt": ["SearchAccessPoint", "Arn"]},
                                               "LocalMountPath": "/mnt/search"}]
        assert props["Environment"]["Variables"]["SIU_SEARCH_INDEX"].startswith("/mnt/search/")
        assert props["VpcConfig"]["SubnetIds"] == [{"Ref": "SearchSubnetA"}, {"Ref": "SearchSubnetB"}]
        assert {"SearchMountTargetA", "SearchMountTargetB", "SearchNetworkInterfaces"} <= set(res[name]["DependsOn"])
        efs = [s for s in _statements(res, role) if any("elasticfilesystem" in a for a in s["Action"]
                                                          if isinstance(s["Action"], list))
               or str(s["Action"]).startswith("elasticfilesystem")]
        assert all(s["Condition"]["StringEquals"]["elasticfilesystem:AccessPointArn"] ==
                   {"Fn::GetAtt": ["SearchAccessPoint", "Arn"]} for s in efs)
        writes = [s for s in efs if "elasticfilesystem:ClientWrite" in s["Action"]]
        assert bool(writes) == (name == "IndexerFunction"), name
    assert _props(res, "SearchNetworkInterfaces")["Roles"] == [{"Ref": "IndexerRole"}, {"Ref": "SearchRole"}]


def test_the_indexer_is_the_one_writer_fed_by_both_streams_failures_to_the_alarm_topic(res: dict[str, Any]) -> None:
    props = _props(res, "IndexerFunction")
    assert props["ReservedConcurrentExecutions"] == 1
    events = props["Events"]
    assert {e["Properties"]["Stream"]["Fn::GetAtt"][0] for e in events.values()} == {"ThreadsTable", "MessagesTable"}
    for event in events.values():
        p = event["Properties"]
        assert event["Type"] == "DynamoDB" and p["BisectBatchOnFunctionError"] is True
        assert p["StartingPosition"] == "TRIM_HORIZON" and 0 < p["MaximumRetryAttempts"] <= 10
        assert p["DestinationConfig"]["OnFailure"] == {"Type": "SNS", "Destination": {"Ref": "AlarmTopic"}}
    for table in ("ThreadsTable", "MessagesTable"):
        assert _props(res, table)["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}


def test_the_inbox_may_invoke_the_search_function_and_nothing_else_of_lambda(res: dict[str, Any]) -> None:
    assert _props(res, "InboxFunction")["Environment"]["Variables"]["SIU_SEARCH_FUNCTION"] == {"Ref": "SearchFunction"}
    lambda_grants = [(s["Action"], s["Resource"]) for s in _statements(res, "InboxRole")
                     if "lambda:" in str(s["Action"])]
    assert lambda_grants == [("lambda:InvokeFunction", {"Fn::GetAtt": ["SearchFunction", "Arn"]})]
    for role in ("LabelerRole", "SlaSweeperRole", "DigestRole", "IndexerRole", "SearchRole"):
        assert "lambda:" not in str(_statements(res, role)), role


def test_the_cost_model_prices_the_functions_as_deployed(res: dict[str, Any]) -> None:
    assert core_template()["Globals"]["Function"]["Architectures"] == ["arm64"]  # priced as arm64 GB-s
    for name in ("IndexerFunction", "SearchFunction"):
        assert _props(res, name)["MemorySize"] / 1024 == SEARCH_MEMORY_GB, name
        assert "Architectures" not in _props(res, name), name


def test_the_indexer_is_priced_one_invocation_per_stream_record_of_each_table(res: dict[str, Any]) -> None:
    # Two tables, two event source mappings: a message's item and its thread's are two batches.
    assert len(_props(res, "IndexerFunction")["Events"]) == SEARCH_ASSUMPTIONS["indexer_invocations_per_message"]
    n, teammates = 10_000, 5
    replies = n * ASSUMPTIONS["replies_per_message"]
    statuses = replies * ASSUMPTIONS["statuses_per_reply"]
    searches = teammates * SEARCH_ASSUMPTIONS["searches_per_teammate_day"] * 22
    (requests,) = [line for line in estimate(n, teammates=teammates).lines
                   if line.item == "requests: search indexer batches and searches"]
    assert requests.quantity == pytest.approx(2 * (n + replies) + statuses + searches)
    assert not [line for line in estimate(n).lines if "NAT" in line.item or "endpoint" in line.item.lower()]
