"""A template to a closed-window WhatsApp thread in a real browser: parameters, preview, cost line, sent once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from browser_support import Inbox, running_inbox, write_config

pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package (pip install -e '.[dev]')")
from playwright.sync_api import Page, expect

PRICES = {"currency": "USD", "market": "Singapore", "source": "Meta rate card 2026-01",
          "per_message": {"MARKETING": "0.0787", "UTILITY": "0.0140", "AUTHENTICATION": "0.0135"}}


def _config_with_prices(folder: Path) -> Path:
    path = write_config(folder)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["channels"]["whatsapp"]["template_prices"] = PRICES
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Inbox]:
    """A dev stack whose WhatsApp channel has a rate table."""
    folder = tmp_path_factory.mktemp("siu-browser-templates")
    with running_inbox(folder, _config_with_prices(folder)) as running:
        yield running


def test_a_template_with_parameters_previewed_priced_and_sent(page: Page, inbox: Inbox) -> None:
    wa = "65" + str(uuid.uuid4().int)[:9]
    inbox.customer_writes("whatsapp", "Is the grinder back in stock?", sender=wa, name="Kofi",
                          at=datetime.now(UTC) - timedelta(days=2))
    inbox.drained()
    token = inbox.token("mei", "admin")
    listing = inbox.api("GET", "/api/templates?channel=whatsapp", token).json()
    assert [(t["name"], t["category"], t["cost"]["amount"]) for t in listing["templates"]] == [
        ("order_update", "UTILITY", "0.0140")]  # the stand-in's approved list, narrowed by the setting
    page.goto(inbox.login_url(token))
    expect(page.locator("#list .queue-section").first).to_be_visible()
    page.goto(f"{inbox.base_url}/inbox/#/queue/{inbox.thread_of(wa)['thread_id']}")
    expect(page.locator(".window-note")).to_contain_text("only accepts an approved template")
    page.get_by_label("Approved template").select_option(index=0)
    page.get_by_label("Parameter {{1}}").fill("A-1042")
    expect(page.locator("#template-preview")).to_contain_text("order_update (en_US): {{1}} = A-1042")
    expect(page.locator("#template-cost")).to_contain_text("Cost: USD 0.0140 per delivered message (UTILITY, Singapore")
    page.locator("#send-template").click()
    expect(page.locator(".msg-out .template")).to_contain_text("order_update (en_US)")
    sent = [c for c in inbox.outbox() if (c.get("body") or {}).get("to") == wa]
    assert len(sent) == 1 and sent[0]["body"]["type"] == "template"
