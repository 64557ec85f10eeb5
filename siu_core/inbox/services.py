"""What the inbox API loads once per cold start: config, channel plugins, secrets, signing key, HTTP session,
and the platforms' template lists (cached for a few minutes, see :mod:`siu_core.inbox.templates`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from siu_core import obs
from siu_core.errors import ConfigError, UnknownChannel
from siu_core.inbox import templates as tpl
from siu_core.inbox.errors import ApiError

if TYPE_CHECKING:
    from siu_core.accounts import Account
    from siu_core.auth import SigningKeys
    from siu_core.config import SiuConfig
    from siu_core.labeling import Labeler
    from siu_core.plugins import Channel, ChannelRegistry
    from siu_core.secrets import SecretStore

#: Send attempts for a reply when the platform answers with a transient error (5xx).
SEND_ATTEMPTS = 3
#: Seconds of retrying a reply may take in total (the Lambda's timeout is 15 s).
SEND_BUDGET = 8.0
#: Seconds a relabel may spend on the model (the Lambda's timeout is 15 s).
RELABEL_BUDGET = 10.0
#: How long a second request with the same Idempotency-Key waits for the first one to finish.
PEER_WAIT = 5.0
PEER_POLL = 0.1


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class InboxServices:
    """The cold-start state of the inbox API; tests build one with a fixed clock and no sleeping."""

    config: SiuConfig
    channels: ChannelRegistry
    secrets: SecretStore
    keys: SigningKeys
    clock: Callable[[], datetime] = _utc_now
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    send_attempts: int = SEND_ATTEMPTS
    send_budget: float = SEND_BUDGET
    peer_wait: float = PEER_WAIT
    peer_poll: float = PEER_POLL
    session_factory: Callable[[], Any] | None = None
    template_cache: tpl.TemplateCache = field(default_factory=tpl.TemplateCache)
    #: The template cache's own clock (separate from ``monotonic``, which times send retries).
    template_clock: Callable[[], float] = time.monotonic
    #: Slack direct messages for @mentions (built on first use; no token means none are sent).
    notifier: Any = None
    _session: Any = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: The labeler a relabel request uses (built on first use from the config; tests may set it).
    relabeler: Labeler | None = field(default=None, repr=False)

    def labeler(self) -> Labeler:
        """The deployment's labeler, sized for a request: one model attempt budget inside the inbox's timeout."""
        with self._lock:
            if self.relabeler is None:
                from siu_core.labeling import build_labeler

                if self.config.labeler == "bedrock":
                    from siu_core.labeling.bedrock import BedrockLabeler

                    self.relabeler = BedrockLabeler.from_config(self.config, max_attempts=2,
                                                                budget_seconds=RELABEL_BUDGET, read_timeout=8.0)
                else:
                    self.relabeler = build_labeler(self.config)
            return self.relabeler

    def http(self) -> Any:
        """The HTTP session replies go out on (one per process, created on first send)."""
        with self._lock:
            if self._session is None:
                if self.session_factory is not None:
                    self._session = self.session_factory()
                else:
                    import requests

                    self._session = requests.Session()
            return self._session

    def slack(self) -> Any:
        """The Slack notifier (:class:`siu_core.notify.Notifier`), reading its token from this deployment's secrets."""
        with self._lock:
            if self.notifier is None:
                from siu_core.notify import Notifier

                self.notifier = Notifier(secrets=self.secrets)
            return self.notifier

    def channel(self, name: str) -> Channel:
        """The loaded plugin of a channel (UnknownChannel when it is not installed)."""
        return self.channels.get(name)

    def account(self, channel: Channel, account_id: str | None) -> Account | None:
        """A channel's configured account by id (its first one for None); None when the secret does not list it.

        A reply goes out through the account the customer wrote to, with that account's secrets and
        templates. The secret is read once per cold start, and again (at most every 10 s) when it
        does not list the account asked for, so an account added since is found.
        """
        accounts = self.secrets.accounts(channel.name, channel.info)
        if account_id is None:
            return accounts.accounts[0]
        found = accounts.get(account_id)
        if found is None and self.secrets.reread_if_stale(channel.name):  # added since the cold start?
            found = self.secrets.accounts(channel.name, channel.info).get(account_id)
        return found

    def account_name(self, thread: Mapping[str, Any]) -> str | None:
        """The display name of the account a thread came in on ("Support"), None when it has none or is gone."""
        try:
            channel = self.channel(str(thread.get("channel")))
            account = self.secrets.accounts(channel.name, channel.info).get(str(thread.get("account_id") or ""))
        except (ConfigError, UnknownChannel):
            return None
        return account.name if account is not None else None

    def _settings(self, name: str) -> dict[str, Any]:
        return self.channel(name).settings(self.config.channel_settings(name))

    def channel_settings(self, name: str, account_id: str | None = None) -> dict[str, Any]:
        """The plugin's settings with the deployment's overrides (api base URL, templates, human-agent tag).

        For a channel whose plugin lists the platform's templates, ``templates`` is replaced by the
        ones a teammate may send now through ``account_id`` (approved, narrowed to the setting's), so
        the thread's window and the plugin's own send check see the platform's truth. When the platform
        cannot be asked, the setting stays as configured (a template reply is checked again, strictly,
        by the reply path).
        """
        merged = self._settings(name)
        channel = self.channel(name)
        if channel.info.supports_templates and channel.has_hook("message_templates"):
            try:
                catalog = self.templates(name, account_id)
            except ApiError:
                return merged
            if catalog is not None and catalog.source != "config":
                merged["templates"] = [{"name": t.name, "language": t.language, "param_count": t.param_count}
                                       for t in catalog.sendable]
        return merged

    def templates(self, name: str, account_id: str | None = None, *, refresh: bool = False) -> tpl.Catalog | None:
        """An account's templates: the platform's (cached ``template_cache.ttl`` s), else the configured ones.

        Each account (a phone number of its own business account, say) has its own list; ``account_id``
        None means the channel's first account.

        None for a channel without templates. ``refresh`` asks the platform again (at most every
        ``template_cache.min_refresh`` s). 503 ``templates_unavailable`` when the platform cannot be
        asked, has never answered and no template is configured.
        """
        channel = self.channel(name)
        if not channel.info.supports_templates:
            return None
        raw = self._settings(name)
        config = tpl.configured(raw)
        from_config = tpl.Catalog(tuple(config), tuple(config), "config")
        if not channel.has_hook("message_templates"):
            return from_config

        def fetch() -> list[tpl.TemplateInfo] | None:
            account = self.account(channel, account_id)
            if account is None:  # a thread of an account no longer configured: nothing to ask with
                return None
            reported = channel.message_templates(account.secrets, self.http(), raw)
            return None if reported is None else tpl.read_reported(reported)

        try:
            platform, fresh = self.template_cache.get(self._template_key(channel, account_id), fetch,
                                                      self.template_clock(), refresh=refresh)
        except Exception as exc:
            obs.get_logger(tpl.SERVICE).warning("cannot list the platform's templates",
                                                extra={"channel": name, "error": type(exc).__name__})
            if config:
                return from_config
            raise ApiError(503, "templates_unavailable",
                           f"the {channel.info.display_name} template list cannot be read right now; try again",
                           headers={"Retry-After": "30"}) from None
        if platform is None:
            return from_config
        return tpl.Catalog(tuple(platform), tuple(tpl.offered(platform, config)), "platform" if fresh else "stale")

    def _template_key(self, channel: Channel, account_id: str | None) -> str:
        """One cache entry per account, whether it is named or reached as the channel's first."""
        try:
            account = self.account(channel, account_id)
        except ConfigError:
            account = None  # the fetch fails the same way, and says so
        return f"{channel.name}#{account.id if account is not None else account_id or ''}"


def load_services() -> InboxServices:
    """Build the services from the deployment: SSM config, installed plugins, the SecureString secrets."""
    from siu_core.auth import SigningKeys
    from siu_core.config import load_config
    from siu_core.plugins import load_channels
    from siu_core.secrets import SecretStore

    return InboxServices(config=load_config(), channels=load_channels(), secrets=SecretStore(), keys=SigningKeys())
