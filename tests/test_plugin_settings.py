"""The plugin API's settings reader and shaped required secrets: one way to read them, one error per mistake."""

from __future__ import annotations

import re
from typing import Any

import pytest

from siu_core.plugin import MissingSecret, PermanentSendError, SettingValues, require_secret

DEFAULTS = {"api_base_url": "https://api.example.com", "timeout_seconds": 10.0, "callback_url": "",
            "token_seconds": 50}


@pytest.mark.parametrize(("settings", "read", "expected"), [
    ({}, lambda v: v.base_url("api_base_url"), "https://api.example.com"),
    ({"api_base_url": "http://127.0.0.1:9/x/"}, lambda v: v.base_url("api_base_url"), "http://127.0.0.1:9/x"),
    ({"callback_url": "https://in.example.com/hook/"}, lambda v: v.url("callback_url", optional=True),
     "https://in.example.com/hook/"),
    ({}, lambda v: v.url("callback_url", optional=True), ""),
    ({"callback_url": None}, lambda v: v.base_url("callback_url", optional=True), ""),
    ({}, lambda v: v.seconds("timeout_seconds", most=60), 10.0),
    ({"timeout_seconds": 60}, lambda v: v.seconds("timeout_seconds", most=60), 60.0),
    ({"token_seconds": 0}, lambda v: v.seconds("token_seconds", most=60, zero=True, whole=True), 0.0),
    ({"extra": 3}, lambda v: v["extra"], 3),
])
def test_settings_read_over_the_defaults(settings: dict[str, Any], read: Any, expected: Any) -> None:
    assert read(SettingValues(DEFAULTS, settings)) == expected


@pytest.mark.parametrize(("settings", "read", "message"), [
    ({"api_base_url": "ftp://x"}, lambda v: v.base_url("api_base_url"),
     r"setting api_base_url must be an http\(s\) URL"),
    ({"api_base_url": ""}, lambda v: v.url("api_base_url"), r"setting api_base_url must be an http\(s\) URL"),
    ({"callback_url": "in.example.com"}, lambda v: v.url("callback_url", optional=True),
     r"setting callback_url must be empty or an http\(s\) URL"),
    ({"timeout_seconds": 0}, lambda v: v.seconds("timeout_seconds", most=60),
     r"setting timeout_seconds must be a number of seconds in \(0, 60\]"),
    ({"timeout_seconds": 60.5}, lambda v: v.seconds("timeout_seconds", most=60), r"\(0, 60\]"),
    ({"timeout_seconds": True}, lambda v: v.seconds("timeout_seconds", most=60), r"\(0, 60\]"),
    ({"timeout_seconds": "10"}, lambda v: v.seconds("timeout_seconds", most=60), r"\(0, 60\]"),
    ({"token_seconds": 1.5}, lambda v: v.seconds("token_seconds", most=60, zero=True, whole=True),
     r"setting token_seconds must be a whole number of seconds in \[0, 60\]"),
    ({"token_seconds": -1}, lambda v: v.seconds("token_seconds", most=60, zero=True, whole=True), r"\[0, 60\]"),
])
def test_a_bad_setting_is_a_permanent_error_naming_it(settings: dict[str, Any], read: Any, message: str) -> None:
    with pytest.raises(PermanentSendError, match=message):
        read(SettingValues(DEFAULTS, settings))


def test_a_shaped_secret_is_refused_by_name_never_echoed() -> None:
    shape = re.compile(r"^[A-Za-z0-9]{1,20}$")
    assert require_secret({"token": "abc123"}, "token", "demo", shape=shape, shape_of="a demo token") == "abc123"
    with pytest.raises(PermanentSendError) as refused:
        require_secret({"token": "abc/../x"}, "token", "demo", shape=shape, shape_of="a demo token")
    assert str(refused.value) == "secret field 'token' has characters a demo token never has"
    assert "abc" not in str(refused.value)
    with pytest.raises(MissingSecret):
        require_secret({"token": ""}, "token", "demo", shape=shape, shape_of="a demo token")
