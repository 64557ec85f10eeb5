"""Browser tests of notifications and empty states (issue 18 items 1 and 5), in Chromium against ``siu dev``.

Their own stack (module-scoped fixture): the landing test needs a stack where nobody has answered
anything yet.
"""

from __future__ import annotations

import re
import uuid

import pytest
from browser_support import Inbox

pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package (pip install -e '.[dev]')")
from playwright.sync_api import Page, expect

POLL_WAIT = 12_000

#: A stand-in for the browser's Notification API: permission asked from the button, notifications recorded.
FAKE_NOTIFICATIONS = """
window.__shown = [];
window.Notification = class {
  static permission = "default";
  static async requestPermission() { window.Notification.permission = "granted"; return "granted"; }
  constructor(title, options) { window.__shown.push({ title, body: options.body }); }
};
"""


def _customer() -> str:
    return "65" + str(uuid.uuid4().int)[:9]


def test_an_admin_with_nothing_assigned_lands_on_the_busiest_queue(page: Page, inbox: Inbox) -> None:
    for i in range(3):  # orders questions: the care team's only available teammate (ana) takes them
        inbox.customer_writes("whatsapp", f"Where is my order #{i}?", sender=_customer(), name=f"Buyer {i}")
    inbox.drained()
    page.goto(inbox.login_url(inbox.token("mei", "admin")))  # mei is away: nothing assigned to her
    expect(page).to_have_url(re.compile(r"#/all$"))
    section = page.locator('#list section[data-key="who:ana"]')
    expect(section).to_be_visible()
    expect(section.locator(".row")).to_have_count(3)
    expect(section.locator(".section-title")).to_be_focused()
    page.goto(f"{inbox.base_url}/inbox/#/queue")
    mine = page.locator('#list section[data-key="mine"]')
    expect(mine.locator(".empty-section")).to_contain_text("Nothing assigned to you")
    hint = mine.locator('.elsewhere-link[data-queue="who:ana"]')
    expect(hint).to_contain_text("3 waiting in the queue of ana")
    hint.click()
    expect(page).to_have_url(re.compile(r"#/all$"))
    expect(page.locator('#list section[data-key="who:ana"] .row')).to_have_count(3)


def test_a_customer_answering_in_my_thread_notifies_me(page: Page, inbox: Inbox) -> None:
    page.add_init_script(FAKE_NOTIFICATIONS)
    who = _customer()
    inbox.customer_writes("whatsapp", "My parcel has not arrived", sender=who, name="Lena Goh")
    inbox.drained()
    page.goto(inbox.login_url(inbox.token("ana", "agent")))
    expect(page.locator("#who")).to_contain_text("agent")
    summary = page.locator("#bell-summary")
    expect(summary).to_be_visible()
    summary.click()
    page.locator(".bell-settings > summary").click()
    page.get_by_role("button", name="Turn on browser notifications").click()
    expect(page.locator("#status")).to_contain_text("Browser notifications are on")
    page.get_by_label("Sound").check()
    expect(page.locator("#status")).to_contain_text("Preferences saved")
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator(".bell-count")).to_have_text("0")
    expect(page).to_have_title("siu inbox")

    inbox.customer_writes("whatsapp", "Hello? Any news about it?", sender=who, name="Lena Goh")
    entry = page.locator('.bell-list li.is-unread[data-kind="answered"]')
    expect(entry).to_contain_text("A customer answered in your thread", timeout=POLL_WAIT)
    expect(page.locator(".bell-count")).to_have_text("1")
    expect(page).to_have_title("(1) siu inbox")
    line = page.locator("#list .row", has_text="Lena Goh")
    expect(line.locator(".unread-dot")).to_be_visible()
    shown = page.evaluate("window.__shown")
    assert shown == [{"title": "siu inbox", "body": "A customer answered in your thread"}]  # never the words
    entry.locator("a").click()  # opening the thread reads its notifications
    expect(page.locator(".bell-count")).to_have_text("0", timeout=POLL_WAIT)
    expect(line.locator(".unread-dot")).to_have_count(0)
