"""X-Twilio-Signature: Twilio's documented example, the port quirk, bodySHA256, and every way to get it wrong."""

from __future__ import annotations

import hashlib
import json

import pytest
from siu_twilio.signature import candidate_urls, compute, signed_string, verify
from tw_testkit import SECRETS, TOKEN, URL, channel, inbound, signed  # type: ignore[import-not-found, unused-ignore]

from siu_core.errors import MissingSignature, SignatureError
from siu_core.models import InboundRequest

#: The example of Twilio's security documentation (and of its helper libraries' tests).
DOC_TOKEN = "12345"
DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
              ("From", "+14158675309"), ("To", "+18005551212")]
DOC_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_twilios_documented_example_vector() -> None:
    assert compute(DOC_TOKEN, DOC_URL, DOC_PARAMS) == DOC_SIGNATURE
    shuffled = list(reversed(DOC_PARAMS))
    assert compute(DOC_TOKEN, DOC_URL, shuffled) == DOC_SIGNATURE


def test_the_documented_request_verifies_through_the_hook() -> None:
    body = "&".join(f"{k}={v.replace('+', '%2B')}" for k, v in DOC_PARAMS).encode()
    request = InboundRequest.received(method="POST", url=DOC_URL, body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": DOC_SIGNATURE})
    channel().verify_signature(body, request.headers, {**SECRETS, "auth_token": DOC_TOKEN}, request=request)
    with pytest.raises(SignatureError):
        channel().verify_signature(body, request.headers, SECRETS, request=request)


def test_names_sorted_then_each_names_distinct_values_sorted() -> None:
    pairs = [("b", "2"), ("a", "9"), ("a", "1"), ("a", "1"), ("B", "x")]
    assert signed_string("u", pairs) == "uBxa1a9b2"


@pytest.mark.parametrize(("url", "expected"), [
    ("https://h.test/p?q=1", ["https://h.test/p?q=1", "https://h.test:443/p?q=1"]),
    ("https://h.test:443/p", ["https://h.test:443/p", "https://h.test/p"]),
    ("http://h.test:8080/p", ["http://h.test:8080/p", "http://h.test/p"]),
    ("http://h.test/p", ["http://h.test/p", "http://h.test:80/p"]),
])
def test_the_port_quirk_tries_the_url_with_and_without_its_port(url: str, expected: list[str]) -> None:
    assert candidate_urls(url) == expected


@pytest.mark.parametrize("signed_over", ["https://inbox.example.com:443/webhooks/twilio",
                                         "https://inbox.example.com/webhooks/twilio"])
def test_a_signature_with_or_without_the_default_port_verifies(signed_over: str) -> None:
    assert verify(signed(inbound(), sign_url=signed_over), SECRETS) is True


def test_a_signature_for_another_port_does_not() -> None:
    with pytest.raises(SignatureError, match="does not match"):
        verify(signed(inbound(), sign_url="https://inbox.example.com:8443/webhooks/twilio"), SECRETS)


def test_blank_parameters_are_signed_too() -> None:
    assert verify(signed(inbound(Body="", MediaUrl0="https://x.test/m", NumMedia="1")), SECRETS)


def test_a_json_body_is_covered_by_body_sha256_in_the_signed_url() -> None:
    body = json.dumps({"MessageSid": "SM1", "Body": "hi"}).encode()
    url = f"{URL}?bodySHA256={hashlib.sha256(body).hexdigest()}"
    headers = {"Content-Type": "application/json", "X-Twilio-Signature": compute(TOKEN, url, [])}
    assert verify(InboundRequest.received(method="POST", url=url, headers=headers, body=body), SECRETS)
    tampered = body.replace(b"hi", b"ho")
    with pytest.raises(SignatureError, match="bodySHA256"):
        verify(InboundRequest.received(method="POST", url=url, headers=headers, body=tampered), SECRETS)


def test_a_json_body_without_body_sha256_is_refused_even_if_the_url_signature_is_right() -> None:
    body = b'{"Body": "forged"}'
    headers = {"Content-Type": "application/json", "X-Twilio-Signature": compute(TOKEN, URL, [])}
    with pytest.raises(SignatureError, match="neither"):
        verify(InboundRequest.received(method="POST", url=URL, headers=headers, body=body), SECRETS)


def test_tampered_values_names_and_added_parameters_fail() -> None:
    good = signed(inbound())
    for body in (good.body.replace(b"Hi+there", b"Hi+therE"), good.body.replace(b"Body=", b"body="),
                 good.body + b"&Extra=1", good.body.replace(b"&NumSegments=1", b"")):
        request = InboundRequest.received(method="POST", url=URL, headers=good.headers, body=body)
        with pytest.raises(SignatureError):
            verify(request, SECRETS)


def test_a_replay_to_another_url_fails() -> None:
    """A captured webhook POSTed to another siu endpoint (or with a query added) does not verify there."""
    good = signed(inbound())
    for url in (URL + "?x=1", URL.replace("twilio", "twilio2"), URL.replace("https", "http"),
                URL.replace("inbox.example.com", "evil.example.com")):
        request = InboundRequest.received(method="POST", url=url, headers=good.headers, body=good.body)
        with pytest.raises(SignatureError):
            verify(request, SECRETS)


def test_missing_empty_or_wrong_configuration_are_refused_without_echoing_the_token() -> None:
    good = signed(inbound())
    bare = InboundRequest.received(method="POST", url=URL, body=good.body,
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(MissingSignature):
        verify(bare, SECRETS)
    with pytest.raises(SignatureError, match="no auth_token"):
        verify(good, {**SECRETS, "auth_token": ""})
    with pytest.raises(SignatureError) as info:
        verify(good, {**SECRETS, "auth_token": TOKEN + "x"})
    assert TOKEN not in str(info.value)
    with pytest.raises(SignatureError, match=r"contract 1\.3"):
        verify(None, SECRETS)


def test_the_header_is_read_whatever_its_case() -> None:
    good = signed(inbound())
    lowered = {k.lower(): v for k, v in good.headers.items()}
    assert verify(InboundRequest.received(method="POST", url=URL, headers=lowered, body=good.body), SECRETS)


def test_a_webhooks_rule_shared_key_signature_is_refused_with_a_reason() -> None:
    good = signed(inbound())
    headers = {**good.headers, "X-Twilio-Webhooks-Signature-Settings": "key=k1,algorithm=HMAC_SHA256"}
    with pytest.raises(SignatureError, match="Webhooks Rule"):
        verify(InboundRequest.received(method="POST", url=URL, headers=headers, body=good.body), SECRETS)


def test_an_unreadable_form_body_never_verifies() -> None:
    good = signed(inbound())
    broken = InboundRequest.received(method="POST", url=URL, headers=good.headers, body=b"\xff\xfe" + good.body)
    with pytest.raises(SignatureError):
        verify(broken, SECRETS)
