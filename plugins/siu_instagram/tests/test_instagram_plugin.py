"""The instagram plugin as the core loads it: both hosts, the byte limit, echoes, samples, stand-in."""

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
from siu_instagram import plugin
from siu_instagram.display import DISPLAY

from siu_core import CONTRACT_VERSION
from siu_core.errors import ConfigError, InvalidReply, WindowClosed
from siu_core.models import (
    Attachment,
    AttachmentRule,
    AttachmentSupport,
    ChannelInfo,
    MessageEvent,
    ReplyRequest,
    ReplyWindowPolicy,
    SimulatedMessage,
)
from siu_core.plugins import Channel, load_channels

ACCOUNT, IGSID = "17841405822304914", "1254459154682919"
SECRETS = {"app_secret": "s3cret", "verify_token": "vt", "access_token": "IGtoken", "ig_account_id": ACCOUNT}
LAST = datetime(2026, 11, 20, 9, tzinfo=UTC)


class ScriptedAdapter(BaseAdapter):
    """Answers each request with the next scripted reply and records what was sent (no network)."""

    def __init__(self, *replies: tuple[int, bytes]) -> None:
        super().__init__()
        self.replies = list(replies)
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.sent.append(request)
        status, body = self.replies.pop(0)
        resp = requests.Response()
        resp.status_code = status
        resp.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
        resp.raw = io.BytesIO(body)
        resp.request = request
        return resp

    def close(self) -> None:
        """Nothing to release."""


def _session(adapter: ScriptedAdapter) -> requests.Session:
    s = requests.Session()
    s.mount("https://", adapter)
    s.mount("http://", adapter)
    return s


OK = (200, json.dumps({"recipient_id": IGSID, "message_id": "aWdfZG1f"}).encode())


@pytest.fixture(scope="module")
def channel() -> Channel:
    return load_channels(["instagram"]).get("instagram")


def _request(hours: float = 1.0, **kw: Any) -> ReplyRequest:
    data: dict[str, Any] = {"channel": "instagram", "account_id": ACCOUNT, "recipient": {"id": IGSID},
                            "text": "Hi", "idempotency_key": "key-1", "last_inbound_at": LAST,
                            "requested_at": LAST + timedelta(hours=hours)}
    data.update(kw)
    return ReplyRequest.model_validate(data)


def test_channel_info(channel: Channel) -> None:
    info = channel.info
    assert (info.name, info.version, info.contract_version) == (
        "instagram", version("siu-instagram"), CONTRACT_VERSION)
    assert info.secret_fields == ["app_secret", "verify_token", "access_token", "ig_account_id"]
    assert info.optional_secret_fields == ["page_id"]
    assert info.signing_secret_fields == ["app_secret"]
    assert info.account_secret_field == "ig_account_id"
    assert (info.reply_window.standard_hours, info.reply_window.human_agent_days) == (24, 7)
    assert (info.max_text_length, info.text_length_unit) == (1000, "bytes")
    assert info.settings["host"] == "facebook" and info.settings["human_agent_enabled"] is False
    assert {"api_base_url", "graph_version", "app_id"} <= set(info.settings)


_MB = 1024 * 1024
#: The description as the models built it before it was plain data (contract 1.4), kept to prove nothing drifted.
MODEL_INFO = ChannelInfo(
    name="instagram",
    display_name="Instagram",
    version=version("siu-instagram"),
    contract_version=CONTRACT_VERSION,
    secret_fields=["app_secret", "verify_token", "access_token", "ig_account_id"],
    optional_secret_fields=["page_id"],
    signing_secret_fields=["app_secret"],
    account_secret_field="ig_account_id",
    settings={"api_base_url": "", "host": "facebook", "graph_version": "v25.0", "human_agent_enabled": False,
              "app_id": ""},
    reply_window=ReplyWindowPolicy(standard_hours=24, human_agent_days=7, template_when_closed=False),
    max_text_length=1000,
    text_length_unit="bytes",
    supports_templates=False,
    attachments=AttachmentSupport(
        kinds={
            "image": AttachmentRule(content_types=["image/jpeg", "image/png"], max_bytes=8 * _MB),
            "video": AttachmentRule(content_types=["video/mp4", "video/quicktime", "video/webm"],
                                    max_bytes=25 * _MB),
            "audio": AttachmentRule(content_types=["audio/aac", "audio/mp4", "audio/wav"], max_bytes=25 * _MB),
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


@pytest.mark.parametrize(
    ("settings", "secrets", "url"),
    [
        ({"host": "instagram"}, SECRETS, f"https://graph.instagram.com/v25.0/{ACCOUNT}/messages"),
        ({"host": "facebook"}, SECRETS, "https://graph.facebook.com/v25.0/me/messages"),
        ({}, {**SECRETS, "page_id": "1029"}, "https://graph.facebook.com/v25.0/1029/messages"),
        ({"host": "instagram", "api_base_url": "http://127.0.0.1:9/platform/instagram"}, SECRETS,
         f"http://127.0.0.1:9/platform/instagram/v25.0/{ACCOUNT}/messages"),
    ],
)
def test_hosts(channel: Channel, settings: dict[str, Any], secrets: dict[str, str], url: str) -> None:
    adapter = ScriptedAdapter(OK)
    assert channel.send_reply(_request(), secrets, _session(adapter), settings).message_id == "aWdfZG1f"
    sent = adapter.sent[0]
    assert sent.url == url
    assert sent.headers["Authorization"] == "Bearer IGtoken"
    # Instagram documents no ``metadata``: siu sends none and recognises its echoes by app_id.
    assert json.loads(sent.body or b"") == {"recipient": {"id": IGSID}, "messaging_type": "RESPONSE",
                                            "message": {"text": "Hi"}}


def test_unknown_host_is_a_config_error(channel: Channel) -> None:
    with pytest.raises(ConfigError, match="host"):
        channel.send_reply(_request(), SECRETS, _session(ScriptedAdapter()), {"host": "threads"})


@pytest.mark.parametrize(("text", "ok"), [("a" * 1000, True), ("ä" * 500, True), ("ä" * 500 + "a", False),
                                          ("🙂" * 251, False)])
def test_text_limit_is_in_utf8_bytes(channel: Channel, text: str, ok: bool) -> None:
    adapter = ScriptedAdapter(OK)
    if ok:
        channel.send_reply(_request(text=text), SECRETS, _session(adapter))
        assert len(adapter.sent) == 1
    else:
        with pytest.raises(InvalidReply, match="bytes"):
            channel.send_reply(_request(text=text), SECRETS, _session(adapter))
        assert adapter.sent == []


def test_window_closed_past_a_day_without_human_agent(channel: Channel) -> None:
    with pytest.raises(WindowClosed, match="Instagram"):
        channel.send_reply(_request(hours=25), SECRETS, _session(ScriptedAdapter()))


def test_reply_from_another_account_is_refused(channel: Channel) -> None:
    with pytest.raises(InvalidReply, match="account 1"):
        channel.send_reply(_request(account_id="1"), SECRETS, _session(ScriptedAdapter()))


def test_media_token_only_for_the_configured_graph_host(channel: Channel) -> None:
    adapter = ScriptedAdapter((200, b"img"), (200, b"img"))
    s = _session(adapter)
    channel.download_media(Attachment(type="image", url="https://graph.instagram.com/v25.0/1/media"),
                           SECRETS, s, {"host": "instagram"})
    channel.download_media(Attachment(type="image", url="https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1"),
                           SECRETS, s, {"host": "instagram"})
    assert [r.headers.get("Authorization") for r in adapter.sent] == ["Bearer IGtoken", None]


def test_own_echo_recognised_by_app_id(channel: Channel) -> None:
    body = json.dumps({"object": "instagram", "entry": [{"id": ACCOUNT, "time": 1795166100000, "messaging": [
        {"sender": {"id": ACCOUNT}, "recipient": {"id": IGSID}, "timestamp": 1795166100000,
         "message": {"mid": "aWdf", "is_echo": True, "app_id": 777, "text": "Hi"}}]}]}).encode()
    (mine,) = as_models(channel.normalize(body, {}, {"app_id": "777"}))
    (theirs,) = as_models(channel.normalize(body, {}, {"app_id": "778"}))
    assert (mine.type, getattr(mine, "own_app", None)) == ("echo", True)
    assert getattr(theirs, "own_app", None) is False


def test_simulated_webhook_round_trips(channel: Channel) -> None:
    at = datetime(2026, 11, 20, 9, 30, 1, 250000, tzinfo=UTC)
    messages = [SimulatedMessage(sender_id=IGSID, text="Preis? 🙂", message_id="aWdfc2lt", timestamp=at)]
    hook = channel.simulate_webhook(messages, ACCOUNT, SECRETS)
    channel.verify_signature(hook.body, hook.headers, SECRETS)
    (event,) = as_models(channel.normalize(hook.body, hook.headers))
    assert isinstance(event, MessageEvent)
    assert (event.account_id, event.customer.id, event.text, event.timestamp) == (
        ACCOUNT, IGSID, "Preis? 🙂", at)
    assert json.loads(hook.body)["object"] == "instagram"


def test_stand_in_counts_bytes(channel: Channel) -> None:
    def ask(text: str) -> int:
        answer = channel.stand_in_response("POST", f"/v25.0/{ACCOUNT}/messages", {}, json.dumps(
            {"recipient": {"id": IGSID}, "message": {"text": text}}).encode())
        assert answer is not None
        return answer.status

    assert (ask("ä" * 500), ask("ä" * 501)) == (200, 400)
