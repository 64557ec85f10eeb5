"""``GET /api/templates?channel=&account=``: the templates a teammate may send, with the cost of each.

The list is the channel's catalog (:meth:`siu_core.inbox.services.InboxServices.templates`: the
platform's approved templates, cached and refreshable); each sendable template carries the cost line
of one message (:mod:`siu_core.composer.pricing`) for a closed window, from the deployment's rate table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from siu_core.composer import pricing
from siu_core.errors import UnknownChannel
from siu_core.inbox.errors import invalid, not_found

if TYPE_CHECKING:
    from siu_core.inbox.services import InboxServices


def listing(services: InboxServices, params: Mapping[str, str]) -> dict[str, Any]:
    """The channel's templates for an account, each with its cost line (``?refresh=1`` asks the platform)."""
    name = (params.get("channel") or "").strip()
    if not name:
        raise invalid("ask for a channel: /api/templates?channel=NAME&account=ID")
    try:
        channel = services.channel(name)
    except UnknownChannel:
        raise not_found("channel", name) from None
    account = (params.get("account") or "").strip() or None
    catalog = services.templates(channel.name, refresh=params.get("refresh") == "1")
    prices = pricing.read(services.config.channel_settings(channel.name))
    if catalog is None:
        return {"channel": channel.name, "account": account, "supports_templates": False, "source": None,
                "templates": [], "prices": None}
    templates = [{**t.view(), "cost": pricing.cost_line(prices, t.category, window_open=False)}
                 for t in catalog.sendable]
    return {"channel": channel.name, "account": account, "supports_templates": True, "source": catalog.source,
            "templates": templates,
            "prices": None if prices is None else {"currency": prices.currency, "market": prices.market,
                                                   "source": prices.source}}
