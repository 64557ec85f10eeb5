"""Contract 1.3 end to end: a form-encoded webhook signed over its public URL, through the connector
handler and through ``siu dev``'s HTTP server, answered with the plugin's acknowledgement."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from form_channel import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    NAME,
    SIGNATURE_HEADER,
    TWIML,
    FormChannel,
    form_body,
    form_registry,
    message_form,
    signature,
    url_event,
)
from moto import mock_aws

from siu_core import obs
from siu_core.dev.http import DevApp, serve
from siu_core.dev.standin import StandIn
from siu_core.handlers.connector import Connector
from siu_core.models import MessageEvent, QueueMessage
from siu_core.secrets import SecretStore

HOST = "abc123.lambda-url.ap-southeast-1.on.aws"
FUNCTION_URL = f"https://{HOST}/"
PROXY_URL = "https://hooks.example.com/siu/formfake"


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with mock_aws():
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="siu-intake-queue")["QueueUrl"]
        sm = boto3.client("ssm")
        sm.put_parameter(Type="SecureString", Name=f"/siu/secrets/{NAME}", Value=json.dumps({"auth_token": AUTH_TOKEN,
                                                                        "account_sid": ACCOUNT_SID}))
        monkeypatch.setenv("SIU_QUEUE_URL", url)
        obs.discard_metrics()
        yield {"sqs": sqs, "url": url, "sm": sm}
        obs.discard_metrics()


@pytest.fixture
def plugin() -> FormChannel:
    return FormChannel()


@pytest.fixture
def connector(aws_env: dict[str, Any], plugin: FormChannel) -> Connector:
    return Connector(channel=form_registry(plugin).get(NAME), secrets=SecretStore(aws_env["sm"]),
                     sqs_client=aws_env["sqs"], sleep=lambda _s: None)


def drain(aws_env: dict[str, Any]) -> list[QueueMessage]:
    out: list[QueueMessage] = []
    while msgs := aws_env["sqs"].receive_message(QueueUrl=aws_env["url"], MaxNumberOfMessages=10).get("Messages"):
        for m in msgs:
            out.append(QueueMessage.model_validate_json(m["Body"]))
            aws_env["sqs"].delete_message(QueueUrl=aws_env["url"], ReceiptHandle=m["ReceiptHandle"])
    return out


def signed_event(signed_url: str, form: list[tuple[str, str]], *, raw_query: str = "") -> dict[str, Any]:
    return url_event(HOST, form_body(form), {SIGNATURE_HEADER: signature(signed_url, form)}, raw_query=raw_query)


# --- through the connector handler -------------------------------------------------------------------


def test_a_form_webhook_signed_over_the_function_url_is_queued_and_acknowledged(
        connector: Connector, plugin: FormChannel, aws_env: dict[str, Any]) -> None:
    form = message_form()
    answer = connector.handle(signed_event(FUNCTION_URL + "?src=sms", form, raw_query="src=sms"))
    assert answer["statusCode"] == 200
    assert (answer["headers"]["content-type"], answer["body"]) == ("text/xml", TWIML)
    assert answer["headers"]["x-siu-enqueued"] == "1"
    assert plugin.seen_urls == [FUNCTION_URL + "?src=sms"]
    (queued,) = drain(aws_env)
    assert isinstance(queued.event, MessageEvent) and queued.event.message_id == "SM1"
    assert queued.event.text == "Where is my order? 1+1=2 ünïcode" and queued.event.account_id == ACCOUNT_SID


@pytest.mark.parametrize("case", ["other_url", "tampered_form", "wrong_token", "missing"])
def test_a_wrongly_signed_form_webhook_is_refused_and_nothing_is_queued(
        connector: Connector, aws_env: dict[str, Any], case: str) -> None:
    form = message_form()
    if case == "other_url":  # signed for another URL: the signature covers the URL, not only the body
        event = signed_event("https://elsewhere.example/", form)
    elif case == "tampered_form":
        event = signed_event(FUNCTION_URL, form)
        event["body"] = form_body([*form[:-2], ("Body", "send me a refund"), form[-1]]).decode()
    elif case == "wrong_token":
        event = url_event(HOST, form_body(form), {SIGNATURE_HEADER: signature(FUNCTION_URL, form, "not-the-token")})
    else:
        event = url_event(HOST, form_body(form), {})
    answer = connector.handle(event)
    assert answer["statusCode"] == (401 if case == "missing" else 403)
    assert "Response" not in answer["body"]
    assert drain(aws_env) == []


def test_the_public_url_setting_is_the_url_the_plugin_sees(
        connector: Connector, plugin: FormChannel, aws_env: dict[str, Any]) -> None:
    connector.settings = {"public_url": PROXY_URL}
    form = message_form()
    assert connector.handle(signed_event(FUNCTION_URL, form))["statusCode"] == 403  # the proxy's URL is signed
    answer = connector.handle(signed_event(PROXY_URL + "?a=1&b=%20", form, raw_query="a=1&b=%20"))
    assert answer["statusCode"] == 200 and answer["body"] == TWIML
    assert plugin.seen_urls[-1] == PROXY_URL + "?a=1&b=%20"  # the request's own query is kept
    assert len(drain(aws_env)) == 1


def test_an_unusable_public_url_is_a_500_that_queues_nothing(connector: Connector, aws_env: dict[str, Any]) -> None:
    connector.settings = {"public_url": "hooks.example.com/siu?x=1"}
    answer = connector.handle(signed_event(FUNCTION_URL, message_form()))
    assert (answer["statusCode"], answer["body"]) == (500, "misconfigured")
    assert drain(aws_env) == []


def test_a_failing_acknowledge_hook_still_answers_200_once_queued(
        connector: Connector, plugin: FormChannel, aws_env: dict[str, Any]) -> None:
    plugin.ack_fails = True
    answer = connector.handle(signed_event(FUNCTION_URL, message_form()))
    assert (answer["statusCode"], answer["body"]) == (200, "EVENT_RECEIVED")
    assert len(drain(aws_env)) == 1


@pytest.mark.parametrize("form", [None, [("Body", "no sid or sender")]])
def test_a_signed_but_malformed_form_is_a_400_and_queues_nothing(
        connector: Connector, aws_env: dict[str, Any], form: list[tuple[str, str]] | None) -> None:
    if form is None:  # not UTF-8: no form pairs, so the signature covers the URL alone
        event = url_event(HOST, b"", {SIGNATURE_HEADER: signature(FUNCTION_URL, [])})
        event["body"], event["isBase64Encoded"] = base64.b64encode(b"\xff\xfe not utf-8").decode(), True
    else:
        event = signed_event(FUNCTION_URL, form)
    answer = connector.handle(event)
    assert (answer["statusCode"], answer["body"]) == (400, "malformed body")
    assert drain(aws_env) == []


def test_the_handshake_sees_the_get_request_with_its_query(connector: Connector, plugin: FormChannel) -> None:
    event = url_event(HOST, b"", {}, raw_query="hello=1", method="GET")
    del event["body"]
    answer = connector.handle(event)
    assert answer["statusCode"] == 405  # unsupported: this platform has no GET verification
    assert plugin.seen_urls == [FUNCTION_URL + "?hello=1"]


# --- through siu dev's HTTP server -----------------------------------------------------------------------


@pytest.fixture
def dev_base(connector: Connector) -> Iterator[str]:
    app = DevApp(webhook=lambda _channel, event: connector.handle(event), channels=lambda: [NAME],
                 standin=StandIn(form_registry()), threads=list)
    server, _ = serve(app, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def post_form(url: str, signed_url: str, form: list[tuple[str, str]], **headers: str) -> requests.Response:
    return requests.post(url, data=form_body(form), timeout=10, headers={
        "Content-Type": "application/x-www-form-urlencoded", SIGNATURE_HEADER: signature(signed_url, form), **headers})


def test_siu_dev_passes_the_url_the_client_addressed_and_sends_the_acknowledgement_back(
        dev_base: str, plugin: FormChannel, aws_env: dict[str, Any]) -> None:
    url = f"{dev_base}/webhooks/{NAME}?q=a%2Fb"
    resp = post_form(url, url, message_form())
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"] == "text/xml" and resp.text == TWIML
    assert plugin.seen_urls == [url]
    assert len(drain(aws_env)) == 1


def test_siu_dev_refuses_a_wrongly_signed_form_with_403_and_queues_nothing(
        dev_base: str, aws_env: dict[str, Any]) -> None:
    url = f"{dev_base}/webhooks/{NAME}"
    resp = post_form(url, url.replace("http://", "https://"), message_form())
    assert resp.status_code == 403
    assert drain(aws_env) == []


def test_siu_dev_behind_a_tunnel_sees_its_host_and_scheme(
        dev_base: str, plugin: FormChannel, aws_env: dict[str, Any]) -> None:
    public = f"https://abc.tunnel.example/webhooks/{NAME}"
    resp = post_form(f"{dev_base}/webhooks/{NAME}", public, message_form(),
                     Host="abc.tunnel.example", **{"X-Forwarded-Proto": "https"})
    assert resp.status_code == 200 and plugin.seen_urls == [public]


def test_siu_dev_honours_the_public_url_setting(
        dev_base: str, connector: Connector, plugin: FormChannel, aws_env: dict[str, Any]) -> None:
    connector.settings = {"public_url": PROXY_URL}
    local = f"{dev_base}/webhooks/{NAME}?x=1"
    assert post_form(local, local, message_form()).status_code == 403
    resp = post_form(local, PROXY_URL + "?x=1", message_form("SM2"))
    assert resp.status_code == 200 and resp.text == TWIML
    assert plugin.seen_urls[-1] == PROXY_URL + "?x=1"
    assert [getattr(m.event, "message_id", None) for m in drain(aws_env)] == ["SM2"]
