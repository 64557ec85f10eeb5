"""The customer panel beside a thread, in a real browser against ``siu dev``: who the person is across
channels, notes and tags, a merge suggestion taken (one history) and undone (two again)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from browser_support import Inbox

pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package (pip install -e '.[dev]')")
from playwright.sync_api import Page, expect
from siu_meta.profiles import stand_in_profile


def test_the_profile_panel_merges_two_customers_into_one_history_and_unmerges_them(page: Page, inbox: Inbox) -> None:
    phone = "65" + str(uuid.uuid4().int)[:8]
    ig_sender = str(uuid.uuid4().int)[:15]
    inbox.customer_writes("whatsapp", "Where is my order?", sender=phone, name="Lena Goh",
                          at=datetime.now(UTC) - timedelta(minutes=2))
    inbox.customer_writes("instagram", f"Hi, it's Lena again, my WhatsApp is +{phone}", sender=ig_sender,
                          name="Lena G")
    inbox.drained()
    ig_thread = inbox.thread_of(ig_sender)["thread_id"]

    page.goto(inbox.login_url(inbox.token("ana", "agent")))  # both threads went to ana (care)
    expect(page.locator("#list .queue-section").first).to_be_visible()
    page.goto(f"{inbox.base_url}/inbox/#/queue/{ig_thread}")
    panel = page.locator("#customer-panel")
    expect(panel.locator(".customer-threads li")).to_have_count(1)
    # Instagram sent only an id: the panel shows who the (stand-in) profile API says it is
    expect(panel).to_contain_text(stand_in_profile(ig_sender, "name", channel="instagram").body["name"])
    suggestion = panel.locator(".customer-suggestions li")
    expect(suggestion).to_contain_text("wrote this phone number")
    expect(suggestion).to_contain_text("WhatsApp")

    panel.get_by_label("Tags (comma separated)").fill("vip, wholesale")
    panel.get_by_role("button", name="Save").click()
    expect(panel.get_by_label("Tags (comma separated)")).to_have_value("vip, wholesale")

    suggestion.get_by_role("button", name="Merge").click()
    expect(panel.locator(".customer-threads li")).to_have_count(2)  # one history across both channels
    expect(panel.locator(".customer-handles li")).to_have_count(2)
    expect(panel.locator(".customer-merged li")).to_have_count(1)

    panel.locator(".customer-merged").get_by_role("button", name="Unmerge").click()
    expect(panel.locator(".customer-threads li")).to_have_count(1)
    expect(panel.locator(".customer-merged")).to_have_count(0)
    expect(panel.get_by_label("Tags (comma separated)")).to_have_value("vip, wholesale")
