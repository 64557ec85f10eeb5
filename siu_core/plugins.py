"""Discover, check and dispatch to channel plugins.

Each plugin is registered with pluggy under its entry-point name (the channel name). A call for a
channel goes through a hook caller that excludes every other channel's plugin, so one plugin can
never answer for another channel.

Importing this module imports no pydantic: the models are imported by the calls that build or check
them. A plugin whose ``channel_info`` is plain data (contract 1.4) can then be loaded unchecked
(``load_channels(..., checked=False)``, the connector's cold start): what the webhook path reads comes
from :attr:`Channel.basics`, and :attr:`Channel.info` (the checked ``ChannelInfo``) is built on first use.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import metadata
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlencode

import pluggy

from siu_core import hookspecs
from siu_core.errors import PluginLoadError, SignatureError, UnknownChannel
from siu_core.event_data import CHANNEL_NAME_PATTERN

if TYPE_CHECKING:
    from siu_core.models import (
        Acknowledgement,
        Attachment,
        ChannelInfo,
        CustomerProfile,
        Event,
        HandshakeResponse,
        InboundRequest,
        MediaContent,
        ReplyRequest,
        SendResult,
        SimulatedMessage,
        StandInResponse,
        Unreadable,
        WebhookRequest,
    )

ENTRY_POINT_GROUP = "siu.channels"
#: Comma-separated channel names: load exactly these (the deploy gate and tests use it).
ONLY_ENV = "SIU_CHANNELS"


def contract_compatible(declared: str, expected: str = hookspecs.CONTRACT_VERSION) -> bool:
    """A plugin fits when it shares the core's major version and needs no newer minor version."""
    try:
        d_major, d_minor = (int(p) for p in declared.split("."))
        e_major, e_minor = (int(p) for p in expected.split("."))
    except ValueError:
        return False
    return d_major == e_major and d_minor <= e_minor


class Headers(Mapping[str, str]):
    """Case-insensitive, read-only HTTP headers (Function URL events lowercase them; others may not)."""

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._data: dict[str, str] = {}
        for key, value in pairs:
            k = key.lower()
            # A repeated header is joined the way Function URLs and HTTP/1.1 do: with commas.
            self._data[k] = f"{self._data[k]},{value}" if k in self._data else value

    def __getitem__(self, key: str) -> str:
        return self._data[key.lower()]

    def get(self, key: str, default: Any = None) -> Any:
        """The header's value, or ``default`` (one dict lookup: plugins read a header or two per request)."""
        return self._data.get(key.lower(), default)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Headers({sorted(self._data)})"


@dataclass(frozen=True)
class _Direct:
    """A first-result hook with exactly one plain implementation: called with no pluggy round trip.

    pluggy's general path (wrappers, several implementations, result collection) costs more than a
    small hook itself; a channel's caller excludes every other plugin, so one implementation is the
    rule. The call passes the implementation the arguments it names, as pluggy does.
    """

    function: Callable[..., Any]
    argnames: tuple[str, ...]


def _direct(caller: Any, impls: Sequence[Any]) -> _Direct | None:
    """The direct form of a hook caller, or None when pluggy's general path is needed."""
    spec = getattr(caller, "spec", None)
    if spec is None or not spec.opts.get("firstresult") or len(impls) != 1:
        return None
    impl = impls[0]
    if impl.hookwrapper or impl.wrapper:
        return None
    return _Direct(impl.function, tuple(impl.argnames))


class ChannelBasics(NamedTuple):
    """What the webhook path reads of a channel's description: its secrets' layout and its default settings."""

    secret_fields: tuple[str, ...]
    account_secret_field: str | None
    signing_secret_fields: tuple[str, ...]
    settings: Mapping[str, Any]


def _described(description: Any, key: str) -> Any:
    """One field of what ``channel_info`` returned (a mapping or a model), or None when it says nothing."""
    if isinstance(description, Mapping):
        return description.get(key)
    return getattr(description, key, None)


@dataclass
class Channel:
    """One loaded channel: its description and typed calls into its plugin only."""

    name: str
    #: What the plugin's ``channel_info`` returned: a ``ChannelInfo``, or a mapping of its fields (contract 1.4).
    description: Any
    distribution: str | None
    dist_version: str | None
    _callers: dict[str, Any] = field(repr=False)
    #: hook -> (the implementations it was made from, its direct form or None); remade when they change.
    _direct: dict[str, tuple[list[Any], _Direct | None]] = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def info(self) -> ChannelInfo:
        """The description checked as a ``ChannelInfo`` (at load, or on first use when loaded unchecked)."""
        from siu_core.models import ChannelInfo

        try:
            return ChannelInfo.model_validate(self.description)
        except Exception as exc:
            raise PluginLoadError(self.name, f"channel_info failed: {exc}") from exc

    @cached_property
    def basics(self) -> ChannelBasics:
        """The fields a webhook needs, read from the description as given (no model built when it names them all)."""
        given = self.description
        if isinstance(given, Mapping) and all(k in given for k in ChannelBasics._fields):
            return ChannelBasics(tuple(given["secret_fields"]), given["account_secret_field"],
                                 tuple(given["signing_secret_fields"]), dict(given["settings"]))
        info = self.info
        return ChannelBasics(tuple(info.secret_fields), info.account_secret_field, tuple(info.signing_secret_fields),
                             info.settings)

    def _form(self, hook: str) -> tuple[Any, _Direct | None]:
        caller = self._callers[hook]
        impls = caller.get_hookimpls()
        known = self._direct.get(hook)
        if known is None or known[0] != impls:  # HookImpls compare by identity: a re-registered plugin is new
            known = self._direct[hook] = (impls, _direct(caller, impls))
        return caller, known[1]

    def _call(self, hook: str, **kwargs: Any) -> Any:
        caller, direct = self._form(hook)
        if direct is None:
            return caller(**kwargs)
        try:
            args = [kwargs[name] for name in direct.argnames]
        except KeyError:
            return caller(**kwargs)  # pluggy names the missing argument
        return direct.function(*args)

    def _takes(self, hook: str, argument: str) -> bool:
        """Whether this channel's implementation of a hook reads an argument (so it is worth building)."""
        caller, direct = self._form(hook)
        if direct is not None:
            return argument in direct.argnames
        return any(argument in impl.argnames for impl in caller.get_hookimpls())

    def reads_request(self) -> bool:
        """Whether a webhook hook of this plugin reads the whole request, so the connector builds it only then."""
        return (self._takes("verify_signature", "request") or self._takes("normalize", "request")
                or self.has_hook("acknowledge"))

    def has_hook(self, hook: str) -> bool:
        """Whether this channel's plugin implements an optional hook."""
        return bool(self._callers[hook].get_hookimpls())

    def settings(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The plugin's default settings with the deployment's overrides on top."""
        merged = dict(self.basics.settings)
        merged.update(overrides or {})
        return merged

    def handshake(
        self, query: Mapping[str, str], secrets: Mapping[str, str], settings: Mapping[str, Any] | None = None,
        request: InboundRequest | None = None,
    ) -> HandshakeResponse:
        """Answer a GET verification request for this channel."""
        from siu_core.models import HandshakeResponse, InboundRequest

        if request is None:
            request = InboundRequest(method="GET", url="?" + urlencode(dict(query)), headers=Headers(), body=b"")
        result = self._call("handshake", query=query, secrets=secrets, settings=self.settings(settings),
                            request=request)
        if not isinstance(result, HandshakeResponse):
            raise TypeError(f"{self.name}: handshake returned {type(result).__name__}, not HandshakeResponse")
        return result

    def verify_signature(
        self, body: bytes, headers: Mapping[str, str], secrets: Mapping[str, str],
        request: InboundRequest | None = None,
    ) -> None:
        """Raise SignatureError unless the plugin positively says the body is authentic."""
        if not isinstance(headers, Headers):
            headers = Headers(headers)
        if request is None and self._takes("verify_signature", "request"):
            from siu_core.models import InboundRequest

            request = InboundRequest.received(method="POST", url="", headers=headers, body=body)
        ok = self._call("verify_signature", body=body, headers=headers, secrets=secrets, request=request)
        if ok is not True:
            raise SignatureError("signature not accepted")

    def normalize(
        self, body: bytes, headers: Mapping[str, str], settings: Mapping[str, Any] | None = None,
        account_id: str | None = None, request: InboundRequest | None = None,
    ) -> list[Event | Unreadable]:
        """Normalize a verified body (events, and an Unreadable per item it could not read); anything else is a bug."""
        if not isinstance(headers, Headers):
            headers = Headers(headers)
        if request is None and self._takes("normalize", "request"):
            from siu_core.models import InboundRequest

            request = InboundRequest.received(method="POST", url="", headers=headers, body=body)
        events = self._call("normalize", body=body, headers=headers, settings=self.settings(settings),
                            account_id=account_id, request=request)
        if events is None:
            return []
        if not isinstance(events, list):
            raise TypeError(f"{self.name}: normalize returned {type(events).__name__}, not a list")
        return events

    def acknowledge(
        self, request: InboundRequest, events: Sequence[Event], settings: Mapping[str, Any] | None = None,
    ) -> Acknowledgement | None:
        """The plugin's answer to a verified, queued webhook POST, or None for the core's plain 200."""
        if not self.has_hook("acknowledge"):
            return None
        from siu_core.models import Acknowledgement

        result = self._call("acknowledge", request=request, events=list(events), settings=self.settings(settings))
        if result is not None and not isinstance(result, Acknowledgement):
            raise TypeError(f"{self.name}: acknowledge returned {type(result).__name__}, not Acknowledgement")
        return result

    def send_reply(
        self,
        request: ReplyRequest,
        secrets: Mapping[str, str],
        session: Any,
        settings: Mapping[str, Any] | None = None,
    ) -> SendResult:
        """Send a reply through this channel's plugin (never handing files to one that declared it sends none)."""
        if getattr(request, "attachments", None):
            from siu_core.attachments import check_request

            check_request(self.info, request)
        from siu_core.models import SendResult

        result = self._call(
            "send_reply", request=request, secrets=secrets, settings=self.settings(settings), session=session
        )
        if not isinstance(result, SendResult):
            raise TypeError(f"{self.name}: send_reply returned {type(result).__name__}, not SendResult")
        return result

    def download_media(
        self,
        attachment: Attachment,
        secrets: Mapping[str, str],
        session: Any,
        settings: Mapping[str, Any] | None = None,
    ) -> MediaContent | None:
        """Fetch an attachment's bytes, or None when the plugin has no media download."""
        if not self.has_hook("download_media"):
            return None
        result: MediaContent | None = self._call(
            "download_media",
            attachment=attachment,
            secrets=secrets,
            settings=self.settings(settings),
            session=session,
        )
        return result

    def fetch_profile(
        self,
        customer_id: str,
        account_id: str,
        secrets: Mapping[str, str],
        session: Any,
        settings: Mapping[str, Any] | None = None,
    ) -> CustomerProfile | None:
        """Who a customer is according to the platform, or None when the plugin cannot say (contract 1.4)."""
        if not self.has_hook("fetch_profile"):
            return None
        from siu_core.models import CustomerProfile

        result = self._call("fetch_profile", customer_id=customer_id, account_id=account_id, secrets=secrets,
                            settings=self.settings(settings), session=session)
        if result is not None and not isinstance(result, CustomerProfile):
            raise TypeError(f"{self.name}: fetch_profile returned {type(result).__name__}, not CustomerProfile")
        return result

    def simulate_webhook(
        self,
        messages: Sequence[SimulatedMessage],
        account_id: str,
        secrets: Mapping[str, str],
        settings: Mapping[str, Any] | None = None,
        url: str | None = None,
    ) -> WebhookRequest:
        """Build one signed webhook POST for these messages (NotImplementedError if unsupported).

        A channel that delivers one update per POST can carry several messages only with
        :meth:`simulate_webhooks`; asked for one request, it must get one message.
        """
        requests = self.simulate_webhooks(messages, account_id, secrets, settings, url=url)
        if len(requests) != 1:
            raise ValueError(
                f"channel {self.name!r} needs {len(requests)} webhook POSTs for {len(messages)} message(s): "
                "use simulate_webhooks"
            )
        return requests[0]

    def simulate_webhooks(
        self,
        messages: Sequence[SimulatedMessage],
        account_id: str,
        secrets: Mapping[str, str],
        settings: Mapping[str, Any] | None = None,
        url: str | None = None,
    ) -> list[WebhookRequest]:
        """The signed webhook POSTs the platform would send for these messages, in order (to ``url``, when known)."""
        if not self.has_hook("simulate_webhook"):
            raise NotImplementedError(f"channel {self.name!r} does not implement simulate_webhook")
        result: WebhookRequest | list[WebhookRequest] = self._call(
            "simulate_webhook",
            messages=list(messages),
            account_id=account_id,
            secrets=secrets,
            settings=self.settings(settings),
            url=url or f"https://siu.invalid/webhooks/{self.name}",
        )
        return list(result) if isinstance(result, list) else [result]

    def stand_in_response(
        self, method: str, path: str, query: Mapping[str, str], body: bytes,
        settings: Mapping[str, Any] | None = None,
    ) -> StandInResponse | None:
        """The local stand-in's answer to one API call, or None when the plugin has no stand-in."""
        if not self.has_hook("stand_in_response"):
            return None
        result: StandInResponse | None = self._call(
            "stand_in_response", method=method, path=path, query=query, body=body,
            settings=self.settings(settings),
        )
        return result


    def message_templates(
        self, secrets: Mapping[str, str], session: Any, settings: Mapping[str, Any] | None = None,
    ) -> list[Mapping[str, Any]] | None:
        """The platform's templates for this account, or None when the plugin (or the deployment) cannot list them."""
        if not self.has_hook("message_templates"):
            return None
        result = self._call("message_templates", secrets=secrets, settings=self.settings(settings), session=session)
        if result is not None and not isinstance(result, list):
            raise TypeError(f"{self.name}: message_templates returned {type(result).__name__}, not a list")
        return result


@dataclass
class ChannelRegistry:
    """The loaded channels, and the ones that failed to load with the reason for each."""

    pm: pluggy.PluginManager
    #: Whether each description is checked as a ``ChannelInfo`` at load (every process but the connector).
    checked: bool = True
    channels: dict[str, Channel] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    #: channel name -> (distribution, version) of every entry point seen, loaded or not.
    sources: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

    def get(self, name: str) -> Channel:
        """The channel by name, or an error that says what is installed and what failed."""
        try:
            return self.channels[name]
        except KeyError:
            if name in self.failures:
                raise UnknownChannel(f"channel {name!r} failed to load: {self.failures[name]}") from None
            known = ", ".join(sorted(self.channels)) or "none"
            raise UnknownChannel(f"no channel plugin named {name!r} (installed: {known})") from None

    def names(self) -> list[str]:
        """Loaded channel names, sorted."""
        return sorted(self.channels)

    def register(self, plugin: object, name: str, *, distribution: str | None = None,
                 dist_version: str | None = None) -> Channel:
        """Register one plugin object under a channel name, running every load-time check."""
        if not re.match(CHANNEL_NAME_PATTERN, name):
            raise PluginLoadError(name, f"channel name must match {CHANNEL_NAME_PATTERN}")
        if name in self.channels or self.pm.has_plugin(name):
            raise PluginLoadError(name, "a channel with this name is already registered")
        try:
            self.pm.register(plugin, name=name)
        except pluggy.PluginValidationError as exc:
            raise PluginLoadError(name, f"invalid hook implementation: {exc}") from exc
        try:
            channel = self._build(plugin, name, distribution, dist_version)
        except Exception:
            self.pm.unregister(plugin, name=name)
            raise
        self.channels[name] = channel
        # Other channels' callers must exclude the newcomer too: rebuild them.
        for other in self.channels.values():
            if other.name != name:
                other._callers = self._callers_for(other.name)
        return channel

    def _callers_for(self, name: str) -> dict[str, Any]:
        others = [p for n, p in self.pm.list_name_plugin() if n != name]
        hooks = [h for h in dir(hookspecs.ChannelSpec) if not h.startswith("_")]
        return {h: self.pm.subset_hook_caller(h, remove_plugins=others) for h in hooks}

    def _build(self, plugin: object, name: str, distribution: str | None, dist_version: str | None) -> Channel:
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginLoadError(name, f"invalid hook implementation: {exc}") from exc
        callers = self._callers_for(name)
        missing = [h for h in hookspecs.REQUIRED_HOOKS if not callers[h].get_hookimpls()]
        if missing:
            raise PluginLoadError(name, f"missing required hook(s): {', '.join(missing)}")
        try:
            description = callers["channel_info"]()
        except Exception as exc:
            raise PluginLoadError(name, f"channel_info failed: {exc}") from exc
        channel = Channel(name=name, description=description, distribution=distribution, dist_version=dist_version,
                          _callers=callers)
        if self.checked or not isinstance(description, Mapping):
            description = channel.info  # raises PluginLoadError when it is not a ChannelInfo
        reported = _described(description, "name")
        if reported != name:
            raise PluginLoadError(
                name, f"entry-point name {name!r} differs from the channel name it reports ({reported!r})"
            )
        contract = _described(description, "contract_version")
        if not isinstance(contract, str) or not contract_compatible(contract):
            raise PluginLoadError(
                name,
                f"version {_described(description, 'version')} implements contract {contract}, "
                f"but this siu-core expects contract {hookspecs.CONTRACT_VERSION}",
            )
        return channel


def new_plugin_manager() -> pluggy.PluginManager:
    """A plugin manager with siu's hookspecs and no plugins."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs.ChannelSpec)
    return pm


def _only_from_env() -> set[str] | None:
    raw = os.environ.get(ONLY_ENV, "").strip()
    if not raw:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


def load_channels(only: Iterable[str] | None = None, *, checked: bool = True) -> ChannelRegistry:
    """Load the installed channel plugins (or only the named ones, or those in ``$SIU_CHANNELS``).

    A plugin that fails to import or fails a check is recorded in ``failures`` by name, with the
    reason, and the others keep working. Duplicate channel names fail loudly for every claimant.
    ``checked=False`` (the connector) leaves a plain-data description unchecked until its
    ``ChannelInfo`` is first used: name and contract version are still checked, and the deploy gate
    (the contract suite) has checked the whole description of the exact plugin deployed.
    """
    wanted = set(only) if only is not None else _only_from_env()
    registry = ChannelRegistry(pm=new_plugin_manager(), checked=checked)
    eps = [ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP) if wanted is None or ep.name in wanted]
    claimants: dict[str, list[metadata.EntryPoint]] = {}
    for ep in eps:
        claimants.setdefault(ep.name, []).append(ep)
    for name, group in sorted(claimants.items()):
        if len(group) > 1:
            sources = ", ".join(sorted({_dist_name(ep) or ep.value for ep in group}))
            registry.failures[name] = f"duplicate channel name: claimed by {sources}"
            continue
        ep = group[0]
        registry.sources[name] = (_dist_name(ep), ep.dist.version if ep.dist else None)
        try:
            plugin = ep.load()
        except Exception as exc:
            registry.failures[name] = f"import failed ({ep.value}): {type(exc).__name__}: {exc}"
            continue
        try:
            registry.register(
                plugin, name, distribution=_dist_name(ep), dist_version=ep.dist.version if ep.dist else None
            )
        except PluginLoadError as exc:
            registry.failures[name] = exc.reason
        except Exception as exc:
            registry.failures[name] = f"{type(exc).__name__}: {exc}"
    if wanted:
        for name in sorted(wanted - set(registry.channels) - set(registry.failures)):
            registry.failures[name] = "not installed (no entry point in group 'siu.channels')"
    return registry


def _dist_name(ep: metadata.EntryPoint) -> str | None:
    return ep.dist.name if ep.dist is not None else None
