"""Channel secrets from SSM SecureString parameters: read once, validated by field name, refreshed on demand."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from siu_core.errors import ConfigError, MissingSecret, PermanentSendError
from siu_core.secrets import SecretStore, parse_secret, require_secret, secret_id

FIELDS = {"app_secret": "s3cr3t-value-1", "verify_token": "tok-value-2", "phone_number_id": "106540352242922"}


@pytest.fixture
def sm() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("ssm")
        client.put_parameter(Type="SecureString", Name="/siu/secrets/whatsapp", Value=json.dumps(FIELDS))
        yield client


def reads(client: Any) -> list[str]:
    seen: list[str] = []
    client.meta.events.register("before-call.ssm.GetParameter", lambda **_: seen.append("read"))
    return seen


def test_get_reads_once_and_caches(sm: Any) -> None:
    seen = reads(sm)
    store = SecretStore(sm)
    first = store.get("whatsapp")
    assert dict(first) == FIELDS
    assert store.get("whatsapp", required=["app_secret"]) is first
    assert seen == ["read"]
    with pytest.raises(TypeError):
        first["app_secret"] = "x"  # type: ignore[index]


def test_client_is_created_lazily_inside_moto(sm: Any) -> None:
    assert SecretStore().get("whatsapp")["verify_token"] == "tok-value-2"


def test_missing_field_names_the_field_never_a_value(sm: Any) -> None:
    store = SecretStore(sm)
    with pytest.raises(MissingSecret) as err:
        store.get("whatsapp", required=["app_secret", "access_token", "verify_token"])
    message = str(err.value)
    assert message == "secret /siu/secrets/whatsapp is missing field(s): access_token"
    assert all(v not in message for v in FIELDS.values())


@pytest.mark.parametrize("value", [None, "", 7])
def test_a_hook_asking_for_a_missing_secret_field_gets_the_same_error_as_the_store(value: Any) -> None:
    secrets: dict[str, Any] = {"app_secret": "s3cr3t-value-1"}
    if value is not None:
        secrets["access_token"] = value
    with pytest.raises(MissingSecret) as err:
        require_secret(secrets, "access_token", "whatsapp")
    assert str(err.value) == "secret /siu/secrets/whatsapp is missing field(s): access_token"
    assert isinstance(err.value, ConfigError) and isinstance(err.value, PermanentSendError)
    assert err.value.fields == ("access_token",)
    assert require_secret(secrets, "app_secret", "whatsapp") == "s3cr3t-value-1"


def test_empty_field_counts_as_missing(sm: Any) -> None:
    sm.put_parameter(Type="SecureString", Overwrite=True, Name="/siu/secrets/whatsapp",
                     Value=json.dumps({**FIELDS, "app_secret": ""}))
    with pytest.raises(ConfigError, match="missing field\\(s\\): app_secret"):
        SecretStore(sm).get("whatsapp", required=["app_secret"])


def test_missing_secret_is_named(sm: Any) -> None:
    with pytest.raises(ConfigError, match="secret /siu/secrets/instagram does not exist"):
        SecretStore(sm).get("instagram")


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        ("app_secret=abc", "siu/x is not a JSON object of fields"),
        ('["abc"]', "siu/x is not a JSON object of fields \\(found list\\)"),
        ('{"app_secret": {"nested": "abc"}}', "field 'app_secret' must be a string \\(found dict\\)"),
        ('{"flag": true}', "field 'flag' must be a string"),
    ],
)
def test_malformed_secret_never_echoes_its_value(raw: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match) as err:
        parse_secret("siu/x", raw)
    assert "abc" not in str(err.value)


def test_numbers_are_read_as_strings() -> None:
    assert parse_secret("siu/x", '{"phone_number_id": 106540352242922}') == {"phone_number_id": "106540352242922"}


def test_a_plain_string_parameter_is_read_too(sm: Any) -> None:
    sm.put_parameter(Name="/siu/secrets/facebook", Value=json.dumps({"app_secret": "b"}), Type="String")
    assert SecretStore(sm).get("facebook") == {"app_secret": "b"}


def test_secrets_are_read_decrypted(sm: Any) -> None:
    seen: list[dict[str, Any]] = []
    sm.meta.events.register("provide-client-params.ssm.GetParameter", lambda params, **_: seen.append(dict(params)))
    SecretStore(sm).get("whatsapp")
    assert seen == [{"Name": "/siu/secrets/whatsapp", "WithDecryption": True}]


def test_prefix_from_env(sm: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIU_SECRET_PREFIX", "/shop2/secrets/")
    assert secret_id("whatsapp") == "/shop2/secrets/whatsapp"
    sm.put_parameter(Name="/shop2/secrets/whatsapp", Value='{"app_secret": "other"}', Type="SecureString")
    assert SecretStore(sm).get("whatsapp")["app_secret"] == "other"


def test_refresh_rereads_and_replaces_the_cache(sm: Any) -> None:
    seen = reads(sm)
    store = SecretStore(sm)
    store.get("whatsapp")
    sm.put_parameter(Type="SecureString", Overwrite=True, Name="/siu/secrets/whatsapp",
                     Value=json.dumps({**FIELDS, "app_secret": "rotated"}))
    assert store.get("whatsapp")["app_secret"] == "s3cr3t-value-1"  # cached until told
    assert store.refresh("whatsapp")["app_secret"] == "rotated"
    assert store.get("whatsapp")["app_secret"] == "rotated"
    assert len(seen) == 2


def test_refresh_if_stale_is_rate_limited(sm: Any) -> None:
    seen = reads(sm)
    now = [0.0]
    store = SecretStore(sm, refresh_interval=10, clock=lambda: now[0])
    store.get("whatsapp")
    assert store.refresh_if_stale("whatsapp") is None
    now[0] = 9.9
    assert store.refresh_if_stale("whatsapp") is None
    now[0] = 10.0
    assert store.refresh_if_stale("whatsapp") is not None
    assert store.refresh_if_stale("whatsapp") is None
    assert len(seen) == 2
    store.clear()
    assert store.refresh_if_stale("whatsapp") is not None  # never read: read now


def test_access_denied_is_a_config_error_with_the_code() -> None:
    class Denied:
        def get_parameter(self, Name: str, WithDecryption: bool) -> Any:
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetParameter")

    with pytest.raises(ConfigError, match="cannot read secret /siu/secrets/whatsapp: AccessDeniedException"):
        SecretStore(Denied()).get("whatsapp")
