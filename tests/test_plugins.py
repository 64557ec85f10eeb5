"""Plugin loading: discovery, load-time checks, isolation of broken plugins, per-channel dispatch."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from siu_core import CONTRACT_VERSION, hookimpl
from siu_core.errors import PluginLoadError, SignatureError, UnknownChannel
from siu_core.models import ChannelInfo, HandshakeResponse, MessageEvent, Participant, SendResult
from siu_core.plugins import ChannelRegistry, Headers, contract_compatible, load_channels, new_plugin_manager


def make_plugin(name: str, *, reported: str | None = None, contract: str = CONTRACT_VERSION,
                accept: bool = True) -> object:
    """A minimal but complete channel plugin whose answers name the channel."""

    class Plugin:
        @hookimpl
        def channel_info(self) -> ChannelInfo:
            return ChannelInfo(name=reported or name, display_name=name.title(), version="1.2.3",
                               contract_version=contract, secret_fields=["secret"])

        @hookimpl
        def handshake(self, query: Mapping[str, str]) -> HandshakeResponse:
            return HandshakeResponse(status=200, body=f"{name}:{query.get('c', '')}")

        @hookimpl
        def verify_signature(self, body: bytes, headers: Mapping[str, str], secrets: Mapping[str, str]) -> bool:
            if not accept or headers.get("X-Sig") != secrets["secret"]:
                raise SignatureError("bad")
            return True

        @hookimpl
        def normalize(self, body: bytes) -> list[Any]:
            return [MessageEvent(type="message", channel=name, account_id="acct", customer=Participant(id="c"),
                                 timestamp=datetime(2024, 1, 1, tzinfo=UTC), message_id=body.decode(),
                                 kind="text", text=name)]

        @hookimpl
        def send_reply(self, request: Any) -> SendResult:
            return SendResult(message_id=f"{name}-sent")

    return Plugin()


class FakeDist:
    def __init__(self, name: str) -> None:
        self.name = name
        self.version = "1.2.3"


class FakeEntryPoint:
    def __init__(self, name: str, loader: Callable[[], object], dist: str) -> None:
        self.name = name
        self.value = f"{dist.replace('-', '_')}.plugin"
        self.group = "siu.channels"
        self.dist = FakeDist(dist)
        self._loader = loader

    def load(self) -> object:
        return self._loader()


@pytest.fixture
def entry_points(monkeypatch: pytest.MonkeyPatch) -> list[FakeEntryPoint]:
    eps: list[FakeEntryPoint] = []
    monkeypatch.setattr("siu_core.plugins.metadata.entry_points", lambda group: list(eps))
    monkeypatch.delenv("SIU_CHANNELS", raising=False)
    return eps


def test_dispatch_reaches_only_the_named_channels_plugin() -> None:
    reg = ChannelRegistry(pm=new_plugin_manager())
    for name in ("alpha", "beta", "gamma"):
        reg.register(make_plugin(name), name)
    for name in ("alpha", "beta", "gamma"):
        ch = reg.get(name)
        assert ch.handshake({"c": "x"}, {}).body == f"{name}:x"
        assert ch.normalize(b"m1", {})[0].channel == name
        assert ch.send_reply(None, {}, None).message_id == f"{name}-sent"  # type: ignore[arg-type]


def test_a_plugin_that_accepts_everything_cannot_answer_for_another_channel() -> None:
    reg = ChannelRegistry(pm=new_plugin_manager())
    reg.register(make_plugin("strict"), "strict")
    reg.register(make_plugin("lax", accept=True), "lax")  # registered last: pluggy would call it first
    with pytest.raises(SignatureError):
        reg.get("strict").verify_signature(b"{}", {"X-Sig": "wrong"}, {"secret": "right"})
    reg.get("strict").verify_signature(b"{}", {"x-sig": "right"}, {"secret": "right"})


def test_verify_signature_requires_an_explicit_true() -> None:
    class Lazy:
        @hookimpl
        def verify_signature(self) -> None:
            return None

    reg = ChannelRegistry(pm=new_plugin_manager())
    plugin = make_plugin("lazy")
    reg.register(plugin, "lazy")
    reg.pm.unregister(name="lazy")
    reg.pm.register(Lazy(), name="lazy")
    reg.channels["lazy"]._callers = reg._callers_for("lazy")
    with pytest.raises(SignatureError):
        reg.get("lazy").verify_signature(b"{}", {}, {})


def test_entry_point_discovery_and_versions(entry_points: list[FakeEntryPoint]) -> None:
    entry_points.append(FakeEntryPoint("alpha", lambda: make_plugin("alpha"), "siu-alpha"))
    reg = load_channels()
    assert reg.names() == ["alpha"]
    assert reg.get("alpha").distribution == "siu-alpha"
    assert reg.failures == {}


def test_broken_plugins_are_reported_by_name_and_others_keep_working(entry_points: list[FakeEntryPoint]) -> None:
    def boom() -> object:
        raise ImportError("No module named 'nope'")

    class Misspelled:
        @hookimpl
        def normalise(self) -> list[Any]:  # British spelling: not a hook
            return []

    class Missing:
        @hookimpl
        def channel_info(self) -> ChannelInfo:
            return ChannelInfo(name="missing", display_name="M", version="1", contract_version=CONTRACT_VERSION,
                               secret_fields=[])

    entry_points.extend([
        FakeEntryPoint("good", lambda: make_plugin("good"), "siu-good"),
        FakeEntryPoint("broken", boom, "siu-broken"),
        FakeEntryPoint("misspelled", Misspelled, "siu-misspelled"),
        FakeEntryPoint("missing", Missing, "siu-missing"),
        FakeEntryPoint("renamed", lambda: make_plugin("renamed", reported="other"), "siu-renamed"),
        FakeEntryPoint("future", lambda: make_plugin("future", contract="2.0"), "siu-future"),
    ])
    reg = load_channels()
    assert reg.names() == ["good"]
    assert "import failed" in reg.failures["broken"] and "nope" in reg.failures["broken"]
    assert "normalise" in reg.failures["misspelled"]
    assert "missing required hook" in reg.failures["missing"]
    assert "differs" in reg.failures["renamed"] and "'other'" in reg.failures["renamed"]
    assert "1.2.3" in reg.failures["future"] and "2.0" in reg.failures["future"]
    assert CONTRACT_VERSION in reg.failures["future"]
    with pytest.raises(UnknownChannel, match="failed to load"):
        reg.get("broken")
    with pytest.raises(UnknownChannel, match="installed: good"):
        reg.get("nowhere")


def test_duplicate_channel_names_fail_loudly(entry_points: list[FakeEntryPoint]) -> None:
    entry_points.extend([
        FakeEntryPoint("dup", lambda: make_plugin("dup"), "siu-dup-a"),
        FakeEntryPoint("dup", lambda: make_plugin("dup"), "siu-dup-b"),
    ])
    reg = load_channels()
    assert reg.names() == []
    assert "siu-dup-a" in reg.failures["dup"] and "siu-dup-b" in reg.failures["dup"]


def test_environment_switch_loads_only_named_channels(
    entry_points: list[FakeEntryPoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded: list[str] = []

    def loader(name: str) -> Callable[[], object]:
        def _load() -> object:
            loaded.append(name)
            return make_plugin(name)
        return _load

    entry_points.extend(FakeEntryPoint(n, loader(n), f"siu-{n}") for n in ("a", "b", "c"))
    monkeypatch.setenv("SIU_CHANNELS", "b, c,zzz")
    reg = load_channels()
    assert reg.names() == ["b", "c"]
    assert loaded == ["b", "c"]  # "a" was never imported
    assert "not installed" in reg.failures["zzz"]


def test_register_rejects_bad_names_and_doubles() -> None:
    reg = ChannelRegistry(pm=new_plugin_manager())
    with pytest.raises(PluginLoadError):
        reg.register(make_plugin("Bad"), "Bad")
    reg.register(make_plugin("ok"), "ok")
    with pytest.raises(PluginLoadError, match="already"):
        reg.register(make_plugin("ok"), "ok")


@pytest.mark.parametrize(("declared", "ok"), [("1.0", True), ("1.1", False), ("0.9", False), ("2.0", False),
                                              ("x", False), ("1", False)])
def test_contract_compatibility(declared: str, ok: bool) -> None:
    assert contract_compatible(declared, "1.0") is ok


def test_headers_are_case_insensitive_and_join_repeats() -> None:
    h = Headers([("X-Hub-Signature-256", "a"), ("x-hub-signature-256", "b"), ("Content-Type", "json")])
    assert h["x-HUB-signature-256"] == "a,b"
    assert h.get("content-type") == "json"
    assert len(h) == 2


def test_a_plugin_without_acknowledge_gets_none() -> None:
    reg = ChannelRegistry(pm=new_plugin_manager())
    reg.register(make_plugin("plain"), "plain")
    channel = reg.get("plain")
    from siu_core.models import InboundRequest

    request = InboundRequest.received(method="POST", url="", headers={}, body=b"m1")
    assert channel.acknowledge(request, channel.normalize(b"m1", {}, request=request)) is None


def test_a_hook_with_a_wrapper_still_goes_through_pluggy() -> None:
    """The direct call is for one plain implementation only: a wrapper around it still runs."""
    seen: list[str] = []

    class Wrapped:
        @hookimpl(specname="normalize", wrapper=True)
        def around_normalize(self, body: bytes) -> Any:
            seen.append(f"before {body.decode()}")
            events = yield
            seen.append(f"after {len(events)}")
            return events

    reg = ChannelRegistry(pm=new_plugin_manager())
    plugin = make_plugin("wrapped")
    reg.register(plugin, "wrapped")
    channel = reg.get("wrapped")
    assert [e.message_id for e in channel.normalize(b"m1", {})] == ["m1"] and seen == []  # direct
    reg.pm.unregister(name="wrapped")
    reg.pm.register(plugin, name="wrapped")
    reg.pm.register(Wrapped(), name="wrapped-extra")
    channel._callers = {h: reg.pm.subset_hook_caller(h, remove_plugins=[]) for h in channel._callers}
    assert [e.message_id for e in channel.normalize(b"m2", {})] == ["m2"]
    assert seen == ["before m2", "after 1"]


def test_a_plugin_is_handed_the_request_only_when_its_hook_reads_it() -> None:
    got: list[Any] = []

    class Reads:
        @hookimpl
        def normalize(self, body: bytes, request: Any) -> list[Any]:
            got.append(request)
            return []

    reg = ChannelRegistry(pm=new_plugin_manager())
    reg.register(make_plugin("reads"), "reads")
    channel = reg.get("reads")
    assert channel._takes("normalize", "request") is False and channel._takes("normalize", "body") is True
    reg.pm.unregister(name="reads")
    reg.pm.register(Reads(), name="reads")
    channel._callers = reg._callers_for("reads")
    assert channel._takes("normalize", "request") is True
    channel.normalize(b"a=1&b=2", {"Content-Type": "application/x-www-form-urlencoded"})
    (request,) = got
    assert request.method == "POST" and request.body == b"a=1&b=2" and request.form == (("a", "1"), ("b", "2"))


def _described_plugin(name: str, description: Mapping[str, Any]) -> object:
    """A plugin whose channel_info is plain data (contract 1.4), with the rest of make_plugin's hooks."""
    base = make_plugin(name)

    class Plugin(type(base)):  # type: ignore[misc]
        @hookimpl
        def channel_info(self) -> Mapping[str, Any]:
            return dict(description)

    return Plugin()


_DESCRIPTION: dict[str, Any] = {
    "name": "plain", "display_name": "Plain", "version": "1.0.0", "contract_version": CONTRACT_VERSION,
    "secret_fields": ["secret", "account"], "signing_secret_fields": ["secret"], "account_secret_field": "account",
    "settings": {"timeout_seconds": 5},
}


def test_a_plain_data_description_is_checked_at_load_and_read_without_a_model() -> None:
    reg = ChannelRegistry(pm=new_plugin_manager())
    channel = reg.register(_described_plugin("plain", _DESCRIPTION), "plain")
    assert isinstance(channel.info, ChannelInfo) and channel.info.account_secret_field == "account"
    assert channel.basics == (("secret", "account"), "account", ("secret",), {"timeout_seconds": 5})
    assert channel.settings({"extra": 1}) == {"timeout_seconds": 5, "extra": 1}
    # A description that leaves a field to its default is read through the checked model.
    short = {k: v for k, v in _DESCRIPTION.items() if k != "signing_secret_fields"}
    reg.register(_described_plugin("short", {**short, "name": "short"}), "short")
    assert reg.get("short").basics.signing_secret_fields == ()


def test_a_bad_plain_description_fails_a_checked_load_and_an_unchecked_one_on_first_use() -> None:
    bad = {**_DESCRIPTION, "secret_fields": "secret"}  # not a list
    with pytest.raises(PluginLoadError, match="channel_info failed"):
        ChannelRegistry(pm=new_plugin_manager()).register(_described_plugin("plain", bad), "plain")
    unchecked = ChannelRegistry(pm=new_plugin_manager(), checked=False)
    channel = unchecked.register(_described_plugin("plain", {**bad, "secret_fields": ["secret"]}), "plain")
    assert channel.basics.secret_fields == ("secret",)  # read as given, no model built
    channel.description["display_name"] = ""  # a later problem is still found when the model is needed
    channel.description["secret_fields"] = "secret"
    with pytest.raises(PluginLoadError, match="channel_info failed"):
        channel.info  # noqa: B018 - the property checks


@pytest.mark.parametrize("checked", [True, False])
def test_name_and_contract_are_checked_even_unchecked(checked: bool) -> None:
    reg = ChannelRegistry(pm=new_plugin_manager(), checked=checked)
    with pytest.raises(PluginLoadError, match="differs from the channel name"):
        reg.register(_described_plugin("plain", {**_DESCRIPTION, "name": "other"}), "plain")
    with pytest.raises(PluginLoadError, match="expects contract"):
        reg.register(_described_plugin("plain", {**_DESCRIPTION, "contract_version": "9.0"}), "plain")
    assert reg.register(_described_plugin("plain", _DESCRIPTION), "plain").name == "plain"
