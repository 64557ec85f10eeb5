"""The facebook plugin as the core loads it: description, configuration, sending rules, samples, stand-in."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from siu_contract.mappings import as_models
from siu_facebook import plugin
from siu_facebook.display import DISPLAY

from siu_core import CONTRACT_VERSION
from siu_core.errors import ConfigError, InvalidReply, WindowClosed
from siu_core.models import (
    AttachmentRule,
    AttachmentSupport,
    ChannelInfo,
    MessageEvent,
    ReplyRequest,
    ReplyWindowPolicy,
    SimulatedMessage,
)
from siu_core.plugins import Channel, load_channels

PAGE, PSID = "102938475610293", "7392015648120394"
SECRETS = {"app_secret": "s3cret", "verify_token": "vt", "access_token": "EAAtoken", "page_id": PAGE}
LAST = datetime(2026, 11, 20, 9, tzinfo=UTC)


class ScriptedAdapter(BaseAdapter):
    """Answers each request with the next scripted JSON reply and records what was sent (no network)."""

    def __init__(self, *replies: tuple[int, dict[str, Any]]) -> None:
        super().__init__()
        self.replies = list(replies)
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.sent.append(request)
        status, body = self.replies.pop(0)
        resp = requests.Response()
        resp.status_code = status
        resp.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
        resp.raw = io.BytesIO(json.dumps(body).encode())
        resp.request = request
        return resp

    def close(self) -> None:
        """Nothing to release."""


def _session(adapter: ScriptedAdapter) -> requests.Session:
    s = requests.Session()
    s.mount("https://", adapter)
    s.mount("http://", adapter)
    return s


@pytest.fixture(scope="module")
def channel() -> Channel:
    return load_channels(["facebook"]).get("facebook")


def _request(hours: float = 1.0, **kw: Any) -> ReplyRequest:
    data: dict[str, Any] = {"channel": "facebook", "account_id": PAGE, "recipient": {"id": PSID}, "text": "Hi",
                            "idempotency_key": "key-1", "last_inbound_at": LAST,
                            "requested_at": LAST + timedelta(hours=hours)}
    data.update(kw)
    return ReplyRequest.model_validate(data)


def test_channel_info(channel: Channel) -> None:
    info = channel.info
    assert (info.name, info.version, info.contract_version) == ("facebook", version("siu-facebook"), CONTRACT_VERSION)
    assert info.secret_fields == ["app_secret", "verify_token", "access_token", "page_id"]
    assert info.signing_secret_fields == ["app_secret"]
    assert info.account_secret_field == "page_id"
    assert (info.reply_window.standard_hours, info.reply_window.human_agent_days) == (24, 7)
    assert not info.reply_window.template_when_closed and not info.supports_templates
    assert (info.max_text_length, info.text_length_unit) == (2000, "characters")
    assert info.settings == {"api_base_url": "", "graph_version": "v25.0", "human_agent_enabled": False, "app_id": ""}


_MB = 1024 * 1024
#: The description as the models built it before it was plain data (contract 1.4), kept to prove nothing drifted.
MODEL_INFO = ChannelInfo(
    name="facebook",
    display_name="Facebook Messenger",
    version=version("siu-facebook"),
    contract_version=CONTRACT_VERSION,
    secret_fields=["app_secret", "verify_token", "access_token", "page_id"],
    optional_secret_fields=[],
    signing_secret_fields=["app_secret"],
    account_secret_field="page_id",
    settings={"api_base_url": "", "graph_version": "v25.0", "human_agent_enabled": False, "app_id": ""},
    reply_window=ReplyWindowPolicy(standard_hours=24, human_agent_days=7, template_when_closed=False),
    max_text_length=2000,
    text_length_unit="characters",
    supports_templates=False,
    attachments=AttachmentSupport(
        kinds={
            "image": AttachmentRule(content_types=["image/jpeg", "image/png", "image/gif"], max_bytes=25 * _MB),
            "video": AttachmentRule(content_types=["video/mp4"], max_bytes=25 * _MB),
            "audio": AttachmentRule(content_types=["audio/mpeg", "audio/mp4", "audio/aac", "audio/wav"],
                                    max_bytes=25 * _MB),
            "document": AttachmentRule(content_types=[
                "application/pdf", "text/plain", "application/msword",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ], max_bytes=25 * _MB),
        },
        caption=False,
    ),
    **DISPLAY,
)


def test_channel_info_is_plain_data_equal_to_the_model_it_replaced() -> None:
    info = plugin.channel_info()
    assert type(info) is dict and type(info["reply_window"]) is dict and type(info["attachments"]) is dict
    assert ChannelInfo.model_validate(info) == MODEL_INFO
    assert ChannelInfo.model_validate(info).model_dump() == MODEL_INFO.model_dump()
    info["attachments"]["kinds"].clear()  # a fresh copy each call: a caller cannot change the plugin's
    info["reply_window"]["standard_hours"] = 1
    assert ChannelInfo.model_validate(plugin.channel_info()) == MODEL_INFO


def test_default_settings_refuse_human_agent_window(channel: Channel) -> None:
    adapter = ScriptedAdapter()
    with pytest.raises(WindowClosed, match="HUMAN_AGENT") as info:
        channel.send_reply(_request(hours=30), SECRETS, _session(adapter))
    assert info.value.allowed == ()
    assert adapter.sent == []


def test_human_agent_from_text_setting(channel: Channel) -> None:
    adapter = ScriptedAdapter((200, {"recipient_id": PSID, "message_id": "m_1"}))
    result = channel.send_reply(_request(hours=30), SECRETS, _session(adapter), {"human_agent_enabled": "true"})
    assert result.message_id == "m_1"
    body = json.loads(adapter.sent[0].body or b"")
    assert (body["messaging_type"], body["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


def test_api_base_url_points_at_the_stand_in(channel: Channel) -> None:
    adapter = ScriptedAdapter((200, {"recipient_id": PSID, "message_id": "m_1"}))
    channel.send_reply(_request(), SECRETS, _session(adapter),
                       {"api_base_url": "http://127.0.0.1:8000/platform/facebook", "graph_version": "v26.0"})
    sent = adapter.sent[0]
    assert sent.url == f"http://127.0.0.1:8000/platform/facebook/v26.0/{PAGE}/messages"
    assert sent.headers["Authorization"] == "Bearer EAAtoken"


def test_reply_from_another_page_is_refused(channel: Channel) -> None:
    with pytest.raises(InvalidReply, match="Page 999"):
        channel.send_reply(_request(account_id="999"), SECRETS, _session(ScriptedAdapter()))


@pytest.mark.parametrize("missing", ["page_id", "access_token"])
def test_missing_secret_is_a_config_error(channel: Channel, missing: str) -> None:
    secrets = {k: v for k, v in SECRETS.items() if k != missing}
    with pytest.raises(ConfigError, match=missing):
        channel.send_reply(_request(), secrets, _session(ScriptedAdapter()))


def test_simulated_webhook_verifies_and_normalizes_back(channel: Channel) -> None:
    at = datetime(2026, 11, 20, 9, 30, 1, 250000, tzinfo=UTC)
    messages = [SimulatedMessage(sender_id=PSID, sender_name="Jürgen", text="Größe M?", message_id="m_sim1",
                                 timestamp=at),
                SimulatedMessage(sender_id="42", text="second", message_id="m_sim2", timestamp=at)]
    hook = channel.simulate_webhook(messages, PAGE, SECRETS)
    channel.verify_signature(hook.body, hook.headers, SECRETS)
    events = [e for e in as_models(channel.normalize(hook.body, hook.headers)) if isinstance(e, MessageEvent)]
    assert len(events) == len(messages)
    assert [(e.type, e.message_id, e.customer.id, e.text, e.timestamp) for e in events] == [
        ("message", m.message_id, m.sender_id, m.text, m.timestamp) for m in messages]
    assert json.loads(hook.body)["object"] == "page"


def test_stand_in_hook(channel: Channel) -> None:
    ok = channel.stand_in_response("POST", f"/v25.0/{PAGE}/messages", {}, json.dumps(
        {"recipient": {"id": PSID}, "messaging_type": "RESPONSE", "message": {"text": "hi"}}).encode())
    assert ok is not None and ok.status == 200 and ok.body["recipient_id"] == PSID
    assert channel.stand_in_response("GET", "/v25.0/me", {}, b"") is None
