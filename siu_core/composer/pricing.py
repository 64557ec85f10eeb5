"""The cost line of a template message (pure), from the deployment's own rate table.

A platform may charge template messages per delivered message, by the template's category and the
recipient's market; rate cards change, so siu ships no numbers: the operator copies the rates of their
market into the channel setting ``template_prices`` (docs/operations.md), with the date and source, and
the composer shows the matching line before a template is sent. Categories the platform does not
charge inside the customer service window are listed in the table too (``free_in_window``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

#: The channel setting holding the table.
SETTING = "template_prices"
#: The template categories a rate table may price.
CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")


class TemplatePrices(BaseModel):
    """A rate table: currency, the market it is for, where it comes from, and the price per category."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    currency: str = Field(pattern=r"^[A-Z]{3}$")
    market: str = Field(min_length=1, max_length=80)
    source: str = Field(min_length=1, max_length=300)
    per_message: dict[str, Decimal] = Field(min_length=1)
    #: Categories sent free while the customer service window is open (the platform's rule, copied too).
    free_in_window: list[str] = []

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
    unknown = sorted((set(prices.per_message) | set(prices.free_in_window)) - set(CATEGORIES))
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
    if cat is not None and cat in prices.free_in_window and window_open:
        return {"category": cat, "amount": "0", "currency": prices.currency, "market": prices.market,
                "source": prices.source, "note": f"free: a {cat.lower()} template inside the customer service window"}
    amount = prices.price(cat)
    if amount is None:
        return {"category": cat, "amount": None, "currency": prices.currency, "market": prices.market,
                "source": prices.source, "note": f"no rate for {cat or 'this category'} in the table"}
    return {"category": cat, "amount": str(amount), "currency": prices.currency, "market": prices.market,
            "source": prices.source, "note": "per delivered message"}
