"""The channel under test: its loaded plugin, its fixtures, and what every check reads from them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from siu_contract.fixtures import Fixtures
from siu_contract.manifest import Manifest
from siu_core.models import InboundRequest
from siu_core.plugins import Channel, ChannelRegistry, Headers, load_channels

#: Headers a webhook POST carries when a normalize case names none.
DEFAULT_HEADERS: Mapping[str, str] = {"content-type": "application/json"}


def load_registry(name: str) -> ChannelRegistry:
    """Load exactly this channel through its entry point, the way the connector does."""
    return load_channels(only=[name])


@dataclass
class ChannelUnderTest:
    """Everything a check needs: the channel (reached only through core dispatch) and its fixtures."""

    name: str
    fixtures: Fixtures
    registry: ChannelRegistry
    channel: Channel
    examples: int = 100
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def manifest(self) -> Manifest:
        """The validated manifest."""
        return self.fixtures.manifest

    @property
    def secrets(self) -> dict[str, str]:
        """The fake secrets the fixtures were made with (a fresh copy: checks may alter it)."""
        return dict(self.manifest.secrets)

    @property
    def settings(self) -> dict[str, Any]:
        """The manifest's setting overrides (the channel merges them over its defaults)."""
        return dict(self.manifest.settings)

    def headers(self, extra: Mapping[str, str] | None = None) -> Headers:
        """Webhook headers for a normalize call: JSON content type plus the case's own."""
        return Headers({**DEFAULT_HEADERS, **(extra or {})})

    @property
    def webhook_url(self) -> str:
        """The public URL the manifest's samples were sent to."""
        return self.manifest.webhook_url.replace("{channel}", self.name)

    def request(self, body: bytes, headers: Mapping[str, str], *, method: str = "POST",
                query: str = "") -> InboundRequest:
        """The whole request a sample stands for (contract 1.3): the manifest's URL, these headers and bytes."""
        url = f"{self.webhook_url}?{query}" if query else self.webhook_url
        return InboundRequest.received(method=method, url=url, headers=headers, body=body)
