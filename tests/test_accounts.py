"""A channel secret's JSON as its business accounts: both shapes, shared fields, and every refusal."""

from __future__ import annotations

import json
from typing import Any

import pytest

from siu_core.accounts import channel_accounts
from siu_core.errors import ConfigError, MissingSecret
from siu_core.secrets import parse_secret

REQUIRED = ["app_secret", "verify_token", "access_token", "phone_number_id"]
ONE = {"app_secret": "app-s3cret-1", "verify_token": "vt-1", "access_token": "EAAG-1", "phone_number_id": "1065"}


def accounts(data: dict[str, Any], field: str | None = "phone_number_id", required: list[str] = REQUIRED) -> Any:
    return channel_accounts("siu/whatsapp", data, account_field=field, required=required)


def test_todays_single_object_is_one_account_named_by_the_plugins_account_field() -> None:
    book = accounts(ONE)
    assert book.ids == ["1065"] and not book.wildcard
    (only,) = book
    assert dict(only.secrets) == ONE and only.name is None and only.label == "1065"
    assert book.get("1065") is only and book.get("999") is None
    assert book.knows("1065") and not book.knows("999")


def test_a_single_object_without_an_account_field_serves_any_account() -> None:
    book = accounts({"secret_token": "t0k3n-value"}, field=None, required=["secret_token"])
    assert book.wildcard and book.knows("anything")
    assert book.get("anything") is book.get(None) is book.accounts[0]


def test_listed_accounts_inherit_shared_fields_and_override_them() -> None:
    book = accounts({
        "app_secret": "shared-app-secret", "verify_token": "shared-vt",
        "accounts": [
            {"id": "1065", "name": "Sales", "access_token": "EAAG-sales"},
            {"id": "2077", "name": " Support ", "access_token": "EAAG-support", "app_secret": "own-app-secret"},
        ],
    })
    sales, support = book
    assert (sales.id, sales.name, support.name) == ("1065", "Sales", "Support")
    assert dict(sales.secrets) == {"app_secret": "shared-app-secret", "verify_token": "shared-vt",
                                   "access_token": "EAAG-sales", "phone_number_id": "1065"}
    assert support.secrets["app_secret"] == "own-app-secret"
    assert support.secrets["phone_number_id"] == "2077"
    assert "name" not in support.secrets and "id" not in support.secrets
    assert book.get("2077") is support and not book.knows("3000")


def test_an_account_may_name_its_id_by_the_plugins_own_field() -> None:
    book = accounts({"accounts": [{**ONE, "name": "Sales"}]})
    assert book.ids == ["1065"]


def test_signers_check_a_shared_signing_secret_once_and_distinct_ones_each() -> None:
    book = accounts({
        "app_secret": "shared", "verify_token": "vt",
        "accounts": [{"id": "1", "access_token": "a"}, {"id": "2", "access_token": "b"},
                     {"id": "3", "access_token": "c", "app_secret": "other-app"}],
    })
    assert [a.id for a in book.signers(["app_secret"])] == ["1", "3"]
    assert [a.id for a in book.signers(())] == ["1", "2", "3"]  # no signing field declared: each account's own


@pytest.mark.parametrize(("data", "problem"), [
    ({"accounts": []}, "must be a non-empty list"),
    ({"accounts": {"id": "1"}}, "must be a non-empty list"),
    ({"accounts": ["1065"]}, r"accounts\[0\] is not an object"),
    ({"accounts": [{"name": "no id", **{k: v for k, v in ONE.items() if k != "phone_number_id"}}]},
     "'id' must be the account's id"),
    ({"accounts": [{"id": "10 65", **ONE}]}, "'id' must be the account's id"),
    ({"accounts": [{**ONE, "id": "2077"}]}, "'phone_number_id' differs from 'id'"),
    ({"accounts": [{**ONE, "id": "1065"}, {**ONE, "id": "1065"}]}, "account 1065 is listed twice"),
    ({"accounts": [{**ONE, "id": "1065", "name": "x" * 81}]}, "longer than 80"),
    ({"accounts": [{**ONE, "id": "1065", "access_token": ["EAAG"]}]}, "'access_token' must be a string"),
    ({**ONE, "extra": {"nested": "EAAG"}}, "'extra' must be a string"),
])
def test_bad_secrets_are_refused_naming_the_place_never_a_value(data: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem) as err:
        accounts(data)
    assert not any(v in str(err.value) for v in ("app-s3cret-1", "EAAG-1", "vt-1"))


def test_a_missing_field_names_the_account_and_the_field() -> None:
    with pytest.raises(MissingSecret) as err:
        accounts({"app_secret": "s", "verify_token": "v",
                  "accounts": [{"id": "1065", "access_token": "a"}, {"id": "2077"}]})
    assert str(err.value) == "secret siu/whatsapp accounts[1] (account 2077) is missing field(s): access_token"
    with pytest.raises(MissingSecret, match=r"^secret siu/whatsapp is missing field\(s\): access_token$"):
        accounts({k: v for k, v in ONE.items() if k != "access_token"})


def test_the_flat_reading_of_a_secret_that_lists_accounts_says_so() -> None:
    with pytest.raises(ConfigError, match="lists accounts"):
        parse_secret("siu/whatsapp", json.dumps({"accounts": [{"id": "1"}]}))
