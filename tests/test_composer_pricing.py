"""The cost line of a template message (pure): the operator's rate table, with the platform's free-in-window rule."""

from __future__ import annotations

import pytest

from siu_core.composer import pricing
from siu_core.config import ConfigError, example_config, parse_config

TABLE = {"currency": "EUR", "market": "Germany", "source": "Meta rate card 2026-01",
         "per_message": {"MARKETING": "0.1131", "UTILITY": "0.0456"}}


def test_the_line_names_category_amount_currency_and_market() -> None:
    prices = pricing.TemplatePrices.model_validate(TABLE)
    line = pricing.cost_line(prices, "marketing", window_open=False)
    assert line is not None
    assert (line["category"], line["amount"], line["currency"], line["market"]) == ("MARKETING", "0.1131", "EUR",
                                                                                      "Germany")


def test_a_category_free_in_the_window_is_free_there_only_and_unknown_categories_say_so() -> None:
    prices = pricing.TemplatePrices.model_validate({**TABLE, "free_in_window": ["UTILITY"]})
    free = pricing.cost_line(prices, "UTILITY", window_open=True)
    assert free is not None and free["amount"] == "0"
    charged = pricing.cost_line(prices, "UTILITY", window_open=False)
    assert charged is not None and charged["amount"] != "0"
    without_rule = pricing.cost_line(pricing.TemplatePrices.model_validate(TABLE), "UTILITY", window_open=True)
    assert without_rule is not None and without_rule["amount"] != "0"
    missing = pricing.cost_line(prices, "AUTHENTICATION", window_open=False)
    assert missing is not None and missing["amount"] is None and "no rate" in missing["note"]
    assert pricing.cost_line(None, "MARKETING", window_open=False) is None


@pytest.mark.parametrize("bad", [
    {**TABLE, "currency": "euro"},
    {**TABLE, "per_message": {"PROMO": "1"}},
    {**TABLE, "free_in_window": ["PROMO"]},
    {**TABLE, "per_message": {"MARKETING": "-1"}},
    {k: v for k, v in TABLE.items() if k != "source"},
])
def test_a_bad_table_is_a_config_problem(bad: dict[str, object]) -> None:
    data = example_config().model_dump(mode="json", exclude_none=True)
    data["channels"] = {**data.get("channels", {}), "whatsapp": {"template_prices": bad}}
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert "channels.whatsapp.template_prices" in str(caught.value)
