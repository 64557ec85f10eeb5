"""``siu deploy`` creates the SecureString secrets CloudFormation cannot, and never overwrites one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from siu_core.deploy.secrets import ensure_secrets, secret_prefix

pytestmark = pytest.mark.functional
FIELDS = {"whatsapp": ["app_secret", "access_token"], "line": ["channel_secret"]}


@pytest.fixture
def ssm() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("ssm", region_name="ap-southeast-1")


def _stored(ssm: Any, name: str) -> dict[str, Any]:
    return dict(ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"])


def test_a_first_deploy_creates_every_secret_as_a_securestring(ssm: Any) -> None:
    created = ensure_secrets(ssm, "shop", ["whatsapp", "line"], FIELDS)
    assert sorted(created) == ["/shop/secrets/inbox", "/shop/secrets/line", "/shop/secrets/slack",
                               "/shop/secrets/whatsapp"]
    for name in created:
        assert _stored(ssm, name)["Type"] == "SecureString"
    assert _stored(ssm, "/shop/secrets/whatsapp")["Value"] == "{}"
    described = ssm.describe_parameters()["Parameters"]
    about = {p["Name"]: p.get("Description", "") for p in described}
    assert "app_secret, access_token" in about["/shop/secrets/whatsapp"]
    assert all(p.get("Tier", "Standard") == "Standard" for p in described)  # free
    assert len(json.loads(_stored(ssm, "/shop/secrets/inbox")["Value"])["signing_key"]) >= 32


def test_a_redeploy_keeps_what_the_operator_put_and_the_signing_key(ssm: Any) -> None:
    ensure_secrets(ssm, "shop", ["whatsapp"], FIELDS)
    key = _stored(ssm, "/shop/secrets/inbox")["Value"]
    ssm.put_parameter(Name="/shop/secrets/whatsapp", Value='{"app_secret": "set"}', Type="SecureString",
                      Overwrite=True)
    assert ensure_secrets(ssm, "shop", ["whatsapp", "line"], FIELDS) == ["/shop/secrets/line"]
    assert _stored(ssm, "/shop/secrets/whatsapp")["Value"] == '{"app_secret": "set"}'
    assert _stored(ssm, "/shop/secrets/inbox")["Value"] == key


def test_an_unusable_signing_key_is_replaced(ssm: Any) -> None:
    ssm.put_parameter(Name="/shop/secrets/inbox", Value="{}", Type="SecureString")
    assert "/shop/secrets/inbox" in ensure_secrets(ssm, "shop", [], FIELDS)
    assert len(json.loads(_stored(ssm, "/shop/secrets/inbox")["Value"])["signing_key"]) >= 32


def test_the_prefix_is_the_one_the_functions_read() -> None:
    assert secret_prefix("siu") == "/siu/secrets/"
