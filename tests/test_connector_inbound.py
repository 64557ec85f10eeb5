"""The request the hooks see: the public URL from a Function URL event, the public_url override, the form."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from siu_core.config import example_config, parse_config
from siu_core.connector.inbound import addressed_url, inbound_request, public_url_problem, with_public_url
from siu_core.errors import ConfigError
from siu_core.models import Acknowledgement
from siu_core.plugins import Headers


def event(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "rawPath": "/", "rawQueryString": "", "headers": {"x-forwarded-proto": "https"},
        "requestContext": {"domainName": "abc.lambda-url.eu-west-1.on.aws", "http": {"method": "POST", "path": "/"}},
    }
    base.update(over)
    return base


def test_the_function_url_is_scheme_domain_raw_path_and_raw_query() -> None:
    assert addressed_url(event()) == "https://abc.lambda-url.eu-west-1.on.aws/"
    assert addressed_url(event(rawPath="/a%2Fb", rawQueryString="x=1&y=%20")) == \
        "https://abc.lambda-url.eu-west-1.on.aws/a%2Fb?x=1&y=%20"


def test_siu_dev_events_say_http_and_the_host_with_its_port() -> None:
    dev = event(headers={"x-forwarded-proto": "http"}, rawPath="/webhooks/twilio")
    dev["requestContext"]["domainName"] = "127.0.0.1:8787"
    assert addressed_url(dev) == "http://127.0.0.1:8787/webhooks/twilio"


@pytest.mark.parametrize("proto", [None, "", "gopher", "HTTPS"])
def test_the_scheme_is_https_unless_the_front_says_http(proto: str | None) -> None:
    headers = {} if proto is None else {"x-forwarded-proto": proto}
    assert addressed_url(event(headers=headers)).startswith("https://")


def test_without_a_domain_name_the_host_header_then_localhost_stand_in() -> None:
    no_domain = event(headers={"host": "hooks.example.com"}, requestContext={"http": {"path": "/p"}}, rawPath=None)
    assert addressed_url(no_domain) == "https://hooks.example.com/p"
    assert addressed_url({}) == "https://localhost/"


def test_public_url_replaces_scheme_host_and_path_and_keeps_the_query() -> None:
    given = "https://abc.lambda-url.eu-west-1.on.aws/?a=1"
    assert with_public_url(given, {}) == given
    assert with_public_url(given, {"public_url": ""}) == given
    assert with_public_url(given, {"public_url": "https://x.example/siu/twilio"}) == "https://x.example/siu/twilio?a=1"
    assert with_public_url("https://h/", {"public_url": "http://x.example/"}) == "http://x.example/"


@pytest.mark.parametrize("bad", ["x.example/path", "ftp://x.example/", "https:///path", "https://x.example/?q=1",
                                 "https://x.example/#f", "https://x.example/ a", 42, None])
def test_an_unusable_public_url_is_named_as_a_config_problem(bad: Any) -> None:
    assert public_url_problem(bad)
    if bad is not None:
        with pytest.raises(ConfigError, match="public_url"):
            with_public_url("https://h/", {"public_url": bad})
    data = example_config().model_dump()
    data["channels"] = {"twilio": {"public_url": bad}}
    with pytest.raises(ConfigError, match=r"channels\.twilio\.public_url"):
        parse_config(data)


def test_a_good_public_url_passes_config_validation() -> None:
    data = example_config().model_dump()
    data["channels"] = {"twilio": {"public_url": "https://hooks.example.com/siu/twilio"}}
    assert parse_config(data).channel_settings("twilio")["public_url"] == "https://hooks.example.com/siu/twilio"


def test_the_inbound_request_parses_a_form_body_and_only_a_form_body() -> None:
    headers = Headers({"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"})
    form = inbound_request(event(), "POST", headers, b"Body=1%2B1&From=%2B65", {})
    assert form.form == (("Body", "1+1"), ("From", "+65")) and form.url.startswith("https://abc.")
    as_json = inbound_request(event(), "POST", Headers({"content-type": "application/json"}), b'{"a":1}', {})
    assert as_json.form is None and as_json.body == b'{"a":1}'


@pytest.mark.parametrize("bad", ["text/xml\r\nSet-Cookie: a=b", "", " text/xml", "text/é"])
def test_an_acknowledgement_content_type_is_one_printable_header_value(bad: str) -> None:
    assert Acknowledgement(content_type="text/xml; charset=utf-8").content_type == "text/xml; charset=utf-8"
    with pytest.raises(ValidationError):
        Acknowledgement(content_type=bad)
