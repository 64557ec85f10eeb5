"""Who else is on a thread, and a reply held because the customer wrote meanwhile: in Chromium against ``siu dev``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import Inbox

pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package (pip install -e '.[dev]')")
from playwright.sync_api import Page, expect


def sign_in(page: Page, inbox: Inbox, user: str, role: str = "agent") -> None:
    """Open the login link ``siu token issue`` prints, as a teammate does."""
    page.goto(inbox.login_url(inbox.token(user, role)))
    expect(page.locator("#who")).to_contain_text(role)
    expect(page.locator("#list .queue-section").first).to_be_visible()


@pytest.fixture
def second(browser: Any) -> Iterator[Page]:
    """A second teammate's tab, in its own browser context (own session storage)."""
    context = browser.new_context(viewport={"width": 1400, "height": 860}, locale="en-GB",
                                  timezone_id="Asia/Singapore")
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_a_second_teammate_sees_the_first_typing_and_a_stale_reply_is_held(page: Page, second: Page,
                                                                            inbox: Inbox) -> None:
    wa = "65" + str(uuid.uuid4().int)[:9]
    inbox.customer_writes("whatsapp", "Where is my parcel?", sender=wa, name="Kofi Mensah")
    inbox.drained()
    thread = inbox.thread_of(wa)["thread_id"]
    sign_in(page, inbox, "ana")
    page.goto(f"{inbox.base_url}/inbox/#/queue/{thread}")
    sign_in(second, inbox, "mei", "admin")
    second.goto(f"{inbox.base_url}/inbox/#/queue/{thread}")
    expect(second.locator("#thread-presence")).to_have_text("Ana Lim is viewing")
    expect(page.locator("#thread-presence")).to_have_text("Mei Lin Tan is viewing")

    box = page.get_by_label("Your reply")
    box.type("It left our warehouse")
    expect(second.locator("#thread-presence")).to_have_text("Ana Lim is typing…")

    # The customer writes while Ana is still writing: her reply was composed before it, so it is held.
    inbox.customer_writes("whatsapp", "Actually please cancel it", sender=wa, name="Kofi Mensah")
    inbox.drained()
    page.locator("#send-reply").click()
    held = page.locator("#thread-changed")
    expect(held).to_be_visible()
    expect(held).to_contain_text("Actually please cancel it")
    assert not [c for c in inbox.outbox() if (c.get("body") or {}).get("to") == wa]
    page.locator("#send-anyway").click()
    expect(page.locator(".msg-out", has_text="It left our warehouse")).to_be_visible()
    expect(held).to_be_hidden()
    sent = [c for c in inbox.outbox() if (c.get("body") or {}).get("to") == wa]
    assert len(sent) == 1 and sent[0]["body"]["text"]["body"] == "It left our warehouse"


def test_a_snoozed_thread_disappears_and_comes_back_when_the_customer_writes(page: Page, inbox: Inbox) -> None:
    wa = "65" + str(uuid.uuid4().int)[:9]
    inbox.customer_writes("whatsapp", "I'll send the photo tomorrow", sender=wa, name="Lena Park")
    inbox.drained()
    thread = inbox.thread_of(wa)["thread_id"]
    sign_in(page, inbox, "ana")
    mine = page.locator(".queue-section", has=page.get_by_role("heading", name="Assigned to me"))
    snoozed = page.locator(".queue-section", has=page.get_by_role("heading", name="Snoozed"))
    expect(mine.locator(f'[data-id="{thread}"]')).to_be_visible()
    page.goto(f"{inbox.base_url}/inbox/#/queue/{thread}")
    page.locator("#snooze-thread").select_option("customer")
    expect(page.locator("#snoozed-tag")).to_contain_text("until the customer replies")
    expect(mine.locator(f'[data-id="{thread}"]')).to_have_count(0)
    expect(snoozed.locator(f'[data-id="{thread}"]')).to_be_visible()

    inbox.customer_writes("whatsapp", "Here is the photo", sender=wa, name="Lena Park")
    inbox.drained()
    expect(mine.locator(f'[data-id="{thread}"]')).to_be_visible()
    expect(snoozed.locator(f'[data-id="{thread}"]')).to_have_count(0)
    expect(page.locator("#snoozed-tag")).to_have_count(0)
    expect(page.locator("#snooze-thread")).to_be_visible()
