"""What the inbox API loads once per cold start: config, channel plugins, secrets, signing key, HTTP session."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

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

    def channel(self, name: str) -> Channel:
        """The loaded plugin of a channel (UnknownChannel when it is not installed)."""
        return self.channels.get(name)

    def channel_settings(self, name: str) -> dict[str, Any]:
        """The plugin's settings with the deployment's overrides (api base URL, templates, human-agent tag)."""
        return self.channel(name).settings(self.config.channel_settings(name))


def load_services() -> InboxServices:
    """Build the services from the deployment: SSM config, installed plugins, Secrets Manager."""
    from siu_core.auth import SigningKeys
    from siu_core.config import load_config
    from siu_core.plugins import load_channels
    from siu_core.secrets import SecretStore

    return InboxServices(config=load_config(), channels=load_channels(), secrets=SecretStore(), keys=SigningKeys())
