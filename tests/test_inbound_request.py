"""InboundRequest (contract 1.3): what a plugin sees of the webhook request, form bodies parsed."""

from __future__ import annotations

from siu_core.models import InboundRequest


def test_a_form_body_is_parsed_in_the_order_sent_with_repeats_kept() -> None:
    request = InboundRequest.received(
        method="post", url="https://x.example/webhooks/twilio?a=1&a=2&b=",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        body=b"To=%2B15550001&Body=caf%C3%A9+ok&MediaUrl0=https%3A%2F%2Fm&Body=again",
    )
    assert request.method == "POST"
    assert request.form == (("To", "+15550001"), ("Body", "café ok"), ("MediaUrl0", "https://m"), ("Body", "again"))
    assert request.form_value("Body") == "café ok"
    assert request.form_value("Missing") is None
    assert request.path == "/webhooks/twilio"
    assert request.query == {"a": "1", "b": ""}


def test_a_json_body_has_no_form_and_a_bad_form_has_no_pairs() -> None:
    json_request = InboundRequest.received(method="POST", url="", headers={"content-type": "application/json"},
                                           body=b'{"a":1}')
    assert json_request.form is None and json_request.form_value("a") is None
    bad = InboundRequest.received(method="POST", url="", body=b"\xff\xfe",
                                  headers={"content-type": "application/x-www-form-urlencoded"})
    assert bad.form == ()
    assert "2 bytes" in repr(bad) and "\\xff" not in repr(bad)


def test_a_contract_1_3_plugin_reads_the_request_and_a_1_2_plugin_works_unchanged() -> None:
    from collections.abc import Mapping
    from datetime import UTC, datetime
    from typing import Any

    import pytest

    from siu_core.errors import SignatureError
    from siu_core.hookspecs import hookimpl
    from siu_core.models import Acknowledgement, ChannelInfo, HandshakeResponse, MessageEvent, Participant
    from siu_core.plugins import ChannelRegistry, new_plugin_manager

    seen: list[InboundRequest] = []

    class FormChannel:
        @hookimpl
        def channel_info(self) -> ChannelInfo:
            return ChannelInfo(name="formy", display_name="Formy", version="1", contract_version="1.3",
                               secret_fields=["token"])

        @hookimpl
        def handshake(self, request: InboundRequest) -> HandshakeResponse:
            return HandshakeResponse(status=200, body=request.query.get("c", ""))

        @hookimpl
        def verify_signature(self, request: InboundRequest, secrets: Mapping[str, str]) -> bool:
            seen.append(request)
            if request.form_value("Token") != secrets["token"] or not request.url.endswith("/webhooks/formy"):
                raise SignatureError("bad")
            return True

        @hookimpl
        def normalize(self, request: InboundRequest) -> list[Any]:
            return [MessageEvent(type="message", channel="formy", account_id="a", customer=Participant(id="c"),
                                 timestamp=datetime(2024, 1, 1, tzinfo=UTC), message_id="m", kind="text",
                                 text=request.form_value("Body"))]

        @hookimpl
        def acknowledge(self) -> Acknowledgement:
            return Acknowledgement(body="<Response/>", content_type="text/xml")

        @hookimpl
        def send_reply(self) -> None:
            return None

    reg = ChannelRegistry(pm=new_plugin_manager())
    reg.register(FormChannel(), "formy")
    channel = reg.get("formy")
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    body = b"Token=t0k&Body=hello"
    request = InboundRequest.received(method="POST", url="https://h.example/webhooks/formy", headers=headers,
                                      body=body)
    channel.verify_signature(body, headers, {"token": "t0k"}, request=request)
    with pytest.raises(SignatureError):  # without the request the URL is unknown: never accepted by accident
        channel.verify_signature(body, headers, {"token": "t0k"})
    events = channel.normalize(body, headers, request=request)
    assert [e.text for e in events] == ["hello"]
    assert channel.acknowledge(request, events) == Acknowledgement(body="<Response/>", content_type="text/xml")
    assert channel.handshake({"c": "42"}, {}).body == "42"
    assert seen[0] is request
