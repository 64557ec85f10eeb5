"""The cost line of a template message (pure), from the deployment's own rate table.

Meta charges WhatsApp template messages per delivered message (per-message pricing), by the template's
category and the recipient's market; its rate cards change, so siu ships no numbers: the operator copies
the rates of their market into the channel setting ``template_prices`` (docs/operations.md), with the
date and source, and the composer shows the matching line before a template is sent. A utility
template sent while the customer service window is open is free (Meta's rule since July 2025).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

#: The channel setting holding the table.
SETTING = "template_prices"
#: Meta's template categories.
CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")


class TemplatePrices(BaseModel):
    """A rate table: currency, the market it is for, where it comes from, and the price per category."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    currency: str = Field(pattern=r"^[A-Z]{3}$")
    market: str = Field(min_length=1, max_length=80)
    source: str = Field(min_length=1, max_length=300)
    per_message: dict[str, Decimal] = Field(min_length=1)

    def price(self, category: str | None) -> Decimal | None:
        """The price of one delivered message of a category (None: not in the table)."""
        return self.per_message.get((category or "").upper())


def read(settings: Mapping[str, Any]) -> TemplatePrices | None:
    """The channel's rate table, or None when it has none (a malformed one is a config problem)."""
    raw = settings.get(SETTING)
    return None if raw is None else TemplatePrices.model_validate(raw)


def problem(raw: Any) -> str | None:
    """Why a ``template_prices`` setting is unusable, or None."""
    try:
        prices = TemplatePrices.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc']) or 'value'}: {first['msg']}"
    unknown = sorted(set(prices.per_message) - set(CATEGORIES))
    if unknown:
        return f"unknown categor{'ies' if len(unknown) > 1 else 'y'} {', '.join(unknown)} (use {', '.join(CATEGORIES)})"
    if any(v < 0 for v in prices.per_message.values()):
        return "a price cannot be negative"
    return None


def cost_line(prices: TemplatePrices | None, category: str | None, *, window_open: bool) -> dict[str, Any] | None:
    """What sending one message of this template costs, as the composer shows it; None without a table."""
    if prices is None:
        return None
    cat = (category or "").upper() or None
    if cat == "UTILITY" and window_open:
        return {"category": cat, "amount": "0", "currency": prices.currency, "market": prices.market,
                "source": prices.source, "note": "free: a utility template inside the customer service window"}
    amount = prices.price(cat)
    if amount is None:
        return {"category": cat, "amount": None, "currency": prices.currency, "market": prices.market,
                "source": prices.source, "note": f"no rate for {cat or 'this category'} in the table"}
    return {"category": cat, "amount": str(amount), "currency": prices.currency, "market": prices.market,
            "source": prices.source, "note": "per delivered message"}
