"""The composer in a real browser against ``siu dev``: saved replies inserted with "/" and filled for the thread."""

from __future__ import annotations

import uuid

import pytest
from browser_support import Inbox

pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package (pip install -e '.[dev]')")
from playwright.sync_api import Page, expect


def sign_in(page: Page, inbox: Inbox, user: str, role: str = "agent") -> None:
    """Open the login link ``siu token issue`` prints, as a teammate does."""
    page.goto(inbox.login_url(inbox.token(user, role)))
    expect(page.locator("#who")).to_contain_text(role)
    expect(page.locator("#list .queue-section").first).to_be_visible()


def test_slash_inserts_a_saved_reply_filled_for_the_thread(page: Page, inbox: Inbox) -> None:
    wa = "65" + str(uuid.uuid4().int)[:9]
    inbox.customer_writes("whatsapp", "Is the grinder back in stock?", sender=wa, name="Kofi Mensah")
    inbox.drained()
    token = inbox.token("mei", "admin")
    for name, text in (("Back in stock", "Hi {{customer.first_name}}, {{teammate.first_name}} here: it is back."),
                       ("Opening hours", "We open at 9.")):
        saved = inbox.api("POST", "/api/saved-replies", token, {"name": name, "text": text, "scope": "everyone"})
        assert saved.status_code == 201, saved.text
    sign_in(page, inbox, "mei", "admin")
    page.goto(f"{inbox.base_url}/inbox/#/queue/{inbox.thread_of(wa)['thread_id']}")

    box = page.get_by_label("Your reply")
    box.click()
    box.press("/")
    search = page.get_by_role("combobox", name="Search saved replies")
    expect(search).to_be_focused()
    expect(page.locator("#saved-list").get_by_role("option")).to_have_count(2)
    search.fill("stock")
    expect(page.locator("#saved-list").get_by_role("option")).to_have_count(1)
    search.press("Enter")
    expect(box).to_have_value("Hi Kofi, Mei here: it is back.")
    expect(box).to_be_focused()
    expect(page.locator("#saved-popup")).to_be_hidden()

    box.press("End")
    box.type(" {{thread.id}}")
    page.locator("#send-reply").click()
    expect(page.locator(".composer-error")).to_contain_text("Replace {{thread.id}}")
    assert not [c for c in inbox.outbox() if (c.get("body") or {}).get("to") == wa]

    box.fill("Hi Kofi, Mei here: it is back.")
    page.locator("#send-reply").click()
    expect(page.locator(".msg-out", has_text="Mei here: it is back")).to_be_visible()
    sent = [c for c in inbox.outbox() if (c.get("body") or {}).get("to") == wa]
    assert len(sent) == 1 and sent[0]["body"]["text"]["body"] == "Hi Kofi, Mei here: it is back."


def test_the_reply_box_text_is_saved_as_a_reply(page: Page, inbox: Inbox) -> None:
    wa = "65" + str(uuid.uuid4().int)[:9]
    inbox.customer_writes("whatsapp", "Do you deliver on Sundays?", sender=wa, name="Lena")
    inbox.drained()
    sign_in(page, inbox, "ana")
    page.goto(f"{inbox.base_url}/inbox/#/queue/{inbox.thread_of(wa)['thread_id']}")
    box = page.get_by_label("Your reply")
    box.fill("We deliver Monday to Saturday, {{customer.first_name}}.")
    box.press("Home")
    box.press("/")
    page.get_by_label("Name").fill("Delivery days")
    page.get_by_label("Who can use it").select_option("personal")
    page.get_by_role("button", name="Save the reply box's text").click()
    expect(page.locator("#status")).to_contain_text('Saved "Delivery days"')
    mine = inbox.api("GET", "/api/saved-replies", inbox.token("ana", "agent")).json()["saved_replies"]
    assert [(r["name"], r["text"], r["scope"]) for r in mine if r["scope"] == "personal"] == [
        ("Delivery days", "We deliver Monday to Saturday, {{customer.first_name}}.", "personal")]

    box.fill("")
    box.press("/")
    option = page.locator("#saved-list .saved-option", has_text="Delivery days")
    expect(option).to_contain_text("We deliver Monday to Saturday, Lena.")
    option.get_by_role("button", name="Delete saved reply Delivery days").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.locator("#status")).to_contain_text('Deleted "Delivery days"')
    expect(option).to_have_count(0)
    mine = inbox.api("GET", "/api/saved-replies", inbox.token("ana", "agent")).json()["saved_replies"]
    assert not [r for r in mine if r["scope"] == "personal"]
    options = page.locator("#saved-new-scope option")
    expect(options).to_have_text(["Only me", "Team care"])  # agents keep personal and their teams' replies


TEAMS = {"ana": "care", "priya": "accounts", "sam": "sales"}


def test_a_note_with_a_mention_reaches_the_teammate_and_never_the_customer(page: Page, inbox: Inbox) -> None:
    wa = "65" + str(uuid.uuid4().int)[:9]
    inbox.customer_writes("whatsapp", "My order arrived broken", sender=wa, name="Nadia")
    inbox.drained()
    tid = inbox.thread_of(wa)["thread_id"]
    admin = inbox.token("mei", "admin")
    detail = inbox.api("GET", f"/api/threads/{tid}", admin).json()
    target = next(who for who, team in TEAMS.items() if team != detail["team"] and who != detail["assignee"])
    outbox_before = len(inbox.outbox())

    sign_in(page, inbox, "mei", "admin")
    page.goto(f"{inbox.base_url}/inbox/#/queue/{tid}")
    page.get_by_role("textbox", name="Internal note").fill(f"@{target} could you check the courier's photo?")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#status")).to_contain_text(f"{target} was told")
    expect(page.locator(".notes .note")).to_contain_text("could you check the courier's photo?")
    expect(page.locator(".msg-out", has_text="courier's photo")).to_have_count(0)
    assert len(inbox.outbox()) == outbox_before  # a note never goes to the platform

    page.context.clear_cookies()
    sign_in(page, inbox, target)
    expect(page.locator(".bell-count")).to_have_text("1")
    page.locator("#bell-summary").click()
    page.locator(f'.bell-list li[data-kind="mention"] a[data-thread="{tid}"]').click()
    expect(page.locator(".notes .note")).to_contain_text("could you check the courier's photo?")
    expect(page.locator(".composer")).to_contain_text("can reply to this thread")
