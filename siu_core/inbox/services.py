"""What the inbox API loads once per cold start: config, channel plugins, secrets, signing key, HTTP session,
and the platforms' template lists (cached for a few minutes, see :mod:`siu_core.inbox.templates`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from siu_core import obs
from siu_core.inbox import templates as tpl
from siu_core.inbox.errors import ApiError

if TYPE_CHECKING:
    from siu_core.auth import SigningKeys
    from siu_core.config import SiuConfig
    from siu_core.plugins import Channel, ChannelRegistry
    from siu_core.secrets import SecretStore

#: Send attempts for a reply when the platform answers with a transient error (5xx).
SEND_ATTEMPTS = 3
#: Seconds of retrying a reply may take in total (the Lambda's timeout is 15 s).
SEND_BUDGET = 8.0
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

    def _settings(self, name: str) -> dict[str, Any]:
        return self.channel(name).settings(self.config.channel_settings(name))

    def channel_settings(self, name: str) -> dict[str, Any]:
        """The plugin's settings with the deployment's overrides (api base URL, templates, human-agent tag).

        For a channel whose plugin lists the platform's templates, ``templates`` is replaced by the
        ones a teammate may send now (approved, narrowed to the setting's), so the thread's window and
        the plugin's own send check see the platform's truth. When the platform cannot be asked, the
        setting stays as configured (a template reply is checked again, strictly, by the reply path).
        """
        merged = self._settings(name)
        channel = self.channel(name)
        if channel.info.supports_templates and channel.has_hook("message_templates"):
            try:
                catalog = self.templates(name)
            except ApiError:
                return merged
            if catalog is not None and catalog.source != "config":
                merged["templates"] = [{"name": t.name, "language": t.language, "param_count": t.param_count}
                                       for t in catalog.sendable]
        return merged

    def templates(self, name: str, *, refresh: bool = False) -> tpl.Catalog | None:
        """The channel's templates: the platform's (cached ``template_cache.ttl`` s), else the configured ones.

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
            reported = channel.message_templates(self.secrets.get(name), self.http(), raw)
            return None if reported is None else tpl.read_reported(reported)

        try:
            platform, fresh = self.template_cache.get(name, fetch, self.template_clock(), refresh=refresh)
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


def load_services() -> InboxServices:
    """Build the services from the deployment: SSM config, installed plugins, Secrets Manager."""
    from siu_core.auth import SigningKeys
    from siu_core.config import load_config
    from siu_core.plugins import load_channels
    from siu_core.secrets import SecretStore

    return InboxServices(config=load_config(), channels=load_channels(), secrets=SecretStore(), keys=SigningKeys())
