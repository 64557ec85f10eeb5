"""The shared inbox in a real browser, against ``siu dev``: sign in, queue, thread, reply, reassign, close, admin.

Each test brings its own customers, so the tests share one stack yet depend on no other test.
Set ``SIU_UI_SCREENSHOTS=docs/img`` to refresh the user guide's screenshots from the last test.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from browser_support import Inbox

pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package (pip install -e '.[dev]')")
from playwright.sync_api import Page, Request, expect

#: The UI polls every 4 s; a new message is on screen within one poll after the pipeline stored it.
POLL_WAIT = 12_000


def sign_in(page: Page, inbox: Inbox, user: str, role: str = "agent") -> None:
    """Open the login link ``siu token issue`` prints, as a teammate does."""
    page.goto(inbox.login_url(inbox.token(user, role)))
    expect(page.locator("#who")).to_contain_text(role)
    expect(page.locator("#list .queue-section").first).to_be_visible()


def customer(prefix: str = "65") -> str:
    """A fresh customer id (a phone number for WhatsApp)."""
    return prefix + str(uuid.uuid4().int)[:9]


def row(page: Page, name: str) -> Any:
    return page.locator("#list .row", has_text=name)


def thread_api(inbox: Inbox, token: str, thread_id: str) -> dict[str, Any]:
    answer = inbox.api("GET", f"/api/threads/{thread_id}", token)
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


# --- signing in --------------------------------------------------------------------------------------


def test_a_bad_or_expired_link_sends_you_to_your_admin(page: Page, inbox: Inbox) -> None:
    page.goto(f"{inbox.base_url}/inbox/")
    expect(page.get_by_role("heading", name="Sign in with your link")).to_be_visible()

    expired = inbox.token("ana", "agent", now=datetime.now(UTC) - timedelta(hours=3), ttl=timedelta(hours=1))
    page.goto(inbox.login_url(expired))
    expect(page.get_by_role("heading", name="Your sign-in link has expired")).to_be_visible()
    expect(page.locator("#gate")).to_contain_text("Ask your admin for a new link")
    assert "token=" not in page.url

    # Signed with another key: only the API can tell, and it answers 401.
    from siu_core.auth import issue_token

    forged = issue_token("ana", key="k" * 48, now=datetime.now(UTC))
    page.goto(inbox.login_url(forged))
    expect(page.get_by_role("heading", name="This sign-in link does not work")).to_be_visible()
    expect(page.locator("#gate")).to_contain_text("Ask your admin for a new link")
    assert page.evaluate("sessionStorage.length") == 0


def test_sign_in_keeps_the_token_out_of_the_address_bar_and_shows_new_messages_without_a_reload(
        page: Page, inbox: Inbox) -> None:
    sign_in(page, inbox, "ana")
    assert "token" not in page.url and page.url.endswith("#/queue")
    assert page.evaluate("history.length") == 1 or "token" not in page.evaluate("document.referrer")
    assert page.evaluate("sessionStorage.getItem('siu.inbox.token')")
    expect(page.get_by_role("navigation", name="Views").get_by_role("link", name="My queue")).to_have_attribute(
        "aria-current", "page")

    loads = page.evaluate("""() => performance.getEntriesByType('navigation')
        .concat(performance.getEntriesByType('resource'))
        .filter(e => new URL(e.name).pathname.startsWith('/inbox')).map(e => e.transferSize)""")
    assert sum(loads) < 200 * 1024, f"first load transferred {sum(loads)} bytes"

    who = customer()
    inbox.customer_writes("whatsapp", "Where is my order #1042? It was due yesterday.\nThanks!", sender=who,
                          name="Rita Wong")
    line = row(page, "Rita Wong")
    expect(line).to_be_visible(timeout=POLL_WAIT)  # no reload: the page polls
    # The first line of the customer's newest message (the queue's preview).
    expect(line.locator(".row-line")).to_contain_text("Where is my order #1042?")
    expect(line.get_by_role("img", name="WhatsApp")).to_be_visible()
    expect(line.locator(".tag-topic")).to_contain_text("orders shipping")
    expect(line.locator(".tag-lang")).to_contain_text("en")
    expect(line.locator(".since")).to_contain_text(re.compile(r"just now|ago"))
    expect(line.locator("[data-due]")).to_contain_text("due in 3 h")
    assert re.match(r"\(\d+\) siu inbox", page.title())


def test_channel_names_icons_and_colours_come_from_the_plugins(page: Page, inbox: Inbox) -> None:
    sign_in(page, inbox, "ana")
    inbox.customer_writes("whatsapp", "Is the shop open on Sunday?", sender=customer(), name="Omar Haddad")
    icon = row(page, "Omar Haddad").get_by_role("img", name="WhatsApp")
    expect(icon).to_have_css("color", "rgb(23, 128, 61)", timeout=POLL_WAIT)  # the plugin's accent_color
    drawn = page.evaluate("""async () => {
        const ch = await import("/inbox/channels.js");  // the page's own instance: what /api/me filled in
        const shown = (name) => {
            const svg = ch.channelIcon(name, ch.channelName(name));
            return [svg.getAttribute("aria-label"), svg.style.color, svg.querySelectorAll("path").length];
        };
        return { facebook: shown("facebook"), gone: shown("retired_chat") };
    }""")
    # Messenger's short name and colour; a channel whose plugin is gone: its id and the generic bubble.
    assert drawn == {"facebook": ["Messenger", "rgb(11, 87, 208)", 2], "gone": ["retired_chat", "", 1]}


def test_polling_pauses_while_the_tab_is_hidden(page: Page, inbox: Inbox) -> None:
    page.clock.install()
    sign_in(page, inbox, "ana")
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "/api/queue" in r.url else None)
    for step in (4_000, 6_000):  # the first two polls (4 s, then 6 s while nothing changes)
        page.clock.run_for(step)
        page.wait_for_timeout(300)
    assert len(polls) >= 2, polls
    page.evaluate("""() => { Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
                            document.dispatchEvent(new Event('visibilitychange')); }""")
    page.wait_for_timeout(300)
    polls.clear()
    page.clock.run_for(20_000)
    page.wait_for_timeout(300)
    assert polls == []
    page.evaluate("""() => { Object.defineProperty(document, 'visibilityState', {value: 'visible', configurable: true});
                            document.dispatchEvent(new Event('visibilitychange')); }""")
    page.wait_for_timeout(500)
    assert polls, "a visible tab refreshes at once"


def test_an_idle_tab_polls_less_and_a_click_brings_the_fast_pace_back(page: Page, inbox: Inbox) -> None:
    page.clock.install()
    sign_in(page, inbox, "ana")
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "/api/queue" in r.url else None)

    def advance(seconds: int) -> int:
        polls.clear()
        for _ in range(seconds // 2):  # each poll waits for its answer before the next is scheduled
            page.clock.run_for(2_000)
            page.wait_for_timeout(120)
        return len(polls)

    per_poll = advance(4)
    assert per_poll >= 1
    # Nothing changes: 6, 9, 13.5, 20.25 s apart, then every 30 s (live.js), not every 4 s.
    assert advance(60) <= 5 * per_poll
    assert advance(30) <= 2 * per_poll
    page.mouse.click(2, 2)  # the teammate is back: the long wait is cut short
    assert advance(4) >= per_poll


# --- the thread and the reply ------------------------------------------------------------------------


def test_a_double_click_sends_once_and_a_retry_reuses_the_key(page: Page, inbox: Inbox) -> None:
    who = customer()
    inbox.customer_writes("whatsapp", "Can I change the delivery address?", sender=who, name="Omar Said")
    inbox.drained()
    sign_in(page, inbox, "ana")
    row(page, "Omar Said").locator(".row-link").click()
    expect(page.locator("#thread-title").filter(has_text="Omar Said")).to_be_visible()
    expect(page.locator(".window-note")).to_contain_text("Reply window open until")

    replies: list[Request] = []
    page.on("request", lambda r: replies.append(r) if r.method == "POST" and r.url.endswith("/reply") else None)

    # The platform fails three times (the API's whole retry budget): nothing is sent, the error shows.
    inbox.http.post(f"{inbox.base_url}/dev/outbox/fail", timeout=10, json={
        "channel": "whatsapp", "status": 500, "count": 3,
        "body": {"error": {"message": "Service temporarily unavailable", "type": "OAuthException", "code": 2,
                           "is_transient": True}}})
    text = "Yes: send me the new address and we will update the courier."
    page.get_by_label("Your reply").fill(text)
    page.locator("#send-reply").dblclick()
    expect(page.locator(".composer-error")).to_contain_text("unavailable")
    assert len(replies) == 1, "the double click made one request"
    expect(page.get_by_label("Your reply")).to_have_value(text)

    page.locator("#send-reply").click()  # the retry of the same reply
    outbound = page.locator(".msg-out", has_text=text)
    expect(outbound).to_be_visible()
    expect(page.get_by_label("Your reply")).to_have_value("")
    assert len(replies) == 2
    keys = {r.headers["idempotency-key"] for r in replies}
    assert len(keys) == 1, "a retry of one reply carries its key"

    sent = [c for c in inbox.outbox() if (c.get("body") or {}).get("to") == who and c["status"] == 200]
    assert len(sent) == 1 and sent[0]["body"]["text"]["body"] == text
    token = inbox.token("ana", "agent")
    thread_id = inbox.thread_of(who)["thread_id"]
    mine = [m for m in thread_api(inbox, token, thread_id)["messages"] if m["direction"] == "out"]
    assert len(mine) == 1

    # The next reply is a new one: a new key, one more call.
    page.get_by_label("Your reply").fill("Anything else?")
    page.get_by_label("Your reply").press("Control+Enter")
    expect(page.locator(".msg-out", has_text="Anything else?")).to_be_visible()
    assert len({r.headers["idempotency-key"] for r in replies}) == 2


def test_every_kind_of_message_is_readable(page: Page, inbox: Inbox) -> None:
    who = customer()
    inbox.customer_writes("whatsapp", "Is this mug chipped? Photo below.", sender=who, name="Hana Lee")
    inbox.drained()
    token = inbox.token("ana", "agent")
    thread_id = inbox.thread_of(who)["thread_id"]
    sent = inbox.api("POST", f"/api/threads/{thread_id}/reply", token, {"text": "Sorry! Which one?"})
    assert sent.status_code == 422  # no Idempotency-Key: refused, nothing sent
    first = inbox.http.post(f"{inbox.base_url}/api/threads/{thread_id}/reply", timeout=15,
                            json={"text": "Sorry to hear that. Could you send a photo?"},
                            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k-photo-1"})
    assert first.status_code == 200, first.text
    reply_id = first.json()["message"]["id"]
    second = inbox.http.post(f"{inbox.base_url}/api/threads/{thread_id}/reply", timeout=15,
                             json={"text": "We can also send a new one today."},
                             headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k-photo-2"})
    assert second.status_code == 200, second.text
    inbox.whatsapp_status(reply_id, who, "delivered")
    inbox.whatsapp_status(reply_id, who, "read")
    inbox.whatsapp_status(second.json()["message"]["id"], who, "failed", {
        "code": 131047, "title": "Re-engagement message",
        "message": "More than 24 hours have passed since the recipient last replied"})
    inbox.whatsapp_image(who, "Hana Lee", "the chip is on the rim")
    inbox.whatsapp_reaction(who, "Hana Lee", reply_id, "\U0001F44D")
    inbox.whatsapp_echo(who, "Hi Hana, this is Mei from the shop phone.")
    inbox.drained()

    sign_in(page, inbox, "ana")
    row(page, "Hana Lee").locator(".row-link").click()
    messages = page.get_by_role("list", name="Messages")
    expect(messages.locator(".msg-in").first).to_contain_text("Is this mug chipped?")
    read = messages.locator(".msg-out", has_text="Could you send a photo?")
    expect(read.locator(".delivery")).to_have_attribute("data-status", "read")
    expect(read.get_by_role("list", name="Reactions")).to_contain_text("\U0001F44D")
    failed = messages.locator(".msg-out", has_text="We can also send a new one today.")
    expect(failed.locator(".delivery")).to_contain_text("Failed: Re-engagement message")
    echo = messages.locator(".msg-echo")
    expect(echo).to_contain_text("Business phone")
    expect(echo).to_contain_text("Hi Hana, this is Mei from the shop phone.")
    image = messages.locator(".msg-in", has_text="the chip is on the rim")
    expect(image.locator(".tag-kind")).to_have_text("Image")
    expect(image.locator(".msg-text")).to_have_text("the chip is on the rim")  # the caption, shown once
    photo = image.get_by_role("img", name="the chip is on the rim")
    expect(photo).to_have_attribute("src", re.compile(r"^blob:"))  # fetched from the API with the token
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())

    # The labeler said "product questions": Ana corrects it, and the correction is audited.
    page.get_by_role("button", name="Correct labels").click()
    page.get_by_label("Topic", exact=True).select_option("returns_refunds")
    page.get_by_label("Urgency", exact=True).select_option("urgent")
    page.get_by_role("button", name="Save correction").click()
    expect(page.locator('dd[data-label="topic"]')).to_have_text("returns refunds")
    expect(page.locator("#labels-title")).to_contain_text("corrected")
    expect(page.locator(".thread-meta .tag-urgent")).to_be_visible()
    labels = thread_api(inbox, token, thread_id)["labels"]
    assert (labels["topic"], labels["urgency"], labels["corrected"]) == ("returns_refunds", "urgent", True)

    # Ana asks the labeler to read the thread again: its answer replaces the labels, audited.
    page.get_by_role("button", name="Label again").click()
    expect(page.locator("#status")).to_contain_text("The labeler gave new labels.")
    relabeled = thread_api(inbox, token, thread_id)["labels"]
    assert relabeled["labeler"] == "rules" and relabeled["topic"] != "returns_refunds"
    expect(page.locator('dd[data-label="topic"]')).not_to_have_text("returns refunds")


def test_edits_places_forms_and_unknown_kinds_are_shown_as_the_customer_sent_them(page: Page, inbox: Inbox) -> None:
    who = customer()
    base = int(datetime.now(UTC).timestamp()) - 60
    contacts = [{"profile": {"name": "Rui Costa"}, "wa_id": who}]

    def item(n: int, kind: str, **body: Any) -> dict[str, Any]:
        return {"from": who, "id": f"wamid.shape{n}{uuid.uuid4().hex[:10]}", "timestamp": str(base + n), "type": kind,
                **body}

    first = item(0, "text", text={"body": "Do you have it in blue?"})
    inbox.whatsapp({"contacts": contacts, "messages": [
        first,
        item(1, "location", location={"latitude": 38.7223, "longitude": -9.1393, "name": "Rossio"}),
        item(2, "interactive", interactive={"type": "nfm_reply", "nfm_reply": {
            "name": "flow", "body": "Sent", "response_json": json.dumps({"flow_token": "t", "delivery_rating": "4"})}}),
        item(3, "unknown", errors=[{"code": 131051, "title": "Unsupported message type"}]),
    ]})
    inbox.drained()
    green = {"type": "text", "text": {"body": "Do you have it in green?"}}
    inbox.whatsapp({"contacts": contacts,
                    "messages": [item(4, "edit", edit={"original_message_id": first["id"], "message": green})]})
    inbox.drained()
    sign_in(page, inbox, "ana")
    page.goto(f"{inbox.base_url}/inbox/#/queue/{inbox.thread_of(who)['thread_id']}")
    messages = page.get_by_role("list", name="Messages")
    edited = messages.locator(".msg-in", has_text="Do you have it in green?")
    edited.locator("summary").click()
    expect(edited.locator(".msg-edits")).to_contain_text("Do you have it in blue?")
    place = messages.locator(".msg-location")
    expect(place).to_contain_text("Rossio")
    expect(place.get_by_role("link", name="Open on a map")).to_have_attribute(
        "href", re.compile(r"^https://www\.openstreetmap\.org/\?mlat=38\.7223&mlon=-9\.1393"))
    form = messages.get_by_role("definition").filter(has_text="4")
    expect(form).to_have_count(1)
    expect(messages.locator(".msg-form")).to_contain_text("delivery rating")
    expect(messages.locator(".msg-form")).not_to_contain_text("flow token")
    expect(messages).to_contain_text("Unsupported message type (code 131051)")


def test_a_deleted_message_is_marked_and_customer_text_stays_text(page: Page, inbox: Inbox) -> None:
    who = customer("ig")
    hostile = '<img src=x onerror="document.body.dataset.pwned=1">Do you ship to Penang?'
    mid = inbox.customer_writes("instagram", hostile, sender=who, name="Nadia")
    inbox.customer_writes("instagram", "Sorry, wrong chat!", sender=who, name="Nadia")
    inbox.drained()
    inbox.instagram_unsend(who, mid)
    inbox.drained()
    sign_in(page, inbox, "ana")
    thread_id = inbox.thread_of(who)["thread_id"]
    page.goto(f"{inbox.base_url}/inbox/#/queue/{thread_id}")
    messages = page.get_by_role("list", name="Messages")
    expect(messages.locator(".msg-deleted")).to_contain_text("The customer deleted this message.")
    expect(messages).to_contain_text("Sorry, wrong chat!")
    assert "Do you ship" not in messages.inner_text()

    # Untrusted words in the queue row render as text, never as markup.
    inbox.customer_writes("instagram", hostile, sender=who, name="Nadia")
    expect(page.locator("#list")).to_contain_text("<img src=x", timeout=POLL_WAIT)
    assert page.evaluate("document.body.dataset.pwned") is None
    assert page.locator("#list img").count() == 0
    assert page.locator(".msg-text img").count() == 0


def test_the_reply_box_knows_the_window(page: Page, inbox: Inbox) -> None:
    wa, fb_late, fb_gone = customer(), customer("fb"), customer("fb")
    now = datetime.now(UTC)
    inbox.customer_writes("whatsapp", "Is the grinder back in stock?", sender=wa, name="Kofi",
                          at=now - timedelta(days=2))
    inbox.customer_writes("facebook", "Any news on my refund?", sender=fb_late, name="Lena",
                          at=now - timedelta(days=3))
    inbox.customer_writes("facebook", "Hello?", sender=fb_gone, name="Old Friend", at=now - timedelta(days=9))
    inbox.drained()
    sign_in(page, inbox, "mei", "admin")
    token = inbox.token("mei", "admin")

    page.goto(f"{inbox.base_url}/inbox/#/queue/{inbox.thread_of(wa)['thread_id']}")
    expect(page.locator(".window-note")).to_contain_text("only accepts an approved template")
    expect(page.get_by_label("Your reply")).to_have_count(0)
    page.get_by_label("Approved template").select_option(index=0)
    page.get_by_label("Parameter {{1}}").fill("Kofi")
    page.locator("#send-template").click()
    expect(page.locator(".msg-out .template")).to_contain_text("order_update (en_US)")
    sent = [c for c in inbox.outbox() if (c.get("body") or {}).get("to") == wa]
    assert len(sent) == 1 and sent[0]["body"]["type"] == "template"

    page.goto(f"{inbox.base_url}/inbox/#/queue/{inbox.thread_of(fb_late)['thread_id']}")
    expect(page.locator(".window-note")).to_contain_text("HUMAN_AGENT")
    page.get_by_label("Your reply").fill("Your refund went out this morning.")
    page.get_by_role("button", name="Send with HUMAN_AGENT tag").click()
    expect(page.locator(".msg-out", has_text="Your refund went out")).to_be_visible()
    tagged = [c for c in inbox.outbox() if (c.get("body") or {}).get("recipient", {}).get("id") == fb_late]
    assert len(tagged) == 1 and tagged[0]["body"].get("tag") == "HUMAN_AGENT"

    thread_gone = inbox.thread_of(fb_gone)["thread_id"]
    page.goto(f"{inbox.base_url}/inbox/#/queue/{thread_gone}")
    expect(page.locator(".window-note")).to_contain_text("cannot reply until the customer writes again")
    expect(page.get_by_label("Your reply")).to_have_count(0)
    refused = inbox.api("POST", f"/api/threads/{thread_gone}/reply", token, {"text": "hi"})
    assert refused.status_code in (409, 422)


# --- reassign, close, shortcuts ------------------------------------------------------------------------


def test_reassign_close_and_the_keyboard(page: Page, inbox: Inbox) -> None:
    first, second = customer(), customer()
    inbox.customer_writes("whatsapp", "Do you deliver on Sundays?", sender=first, name="Ivy Tan",
                          at=datetime.now(UTC) - timedelta(minutes=1))
    inbox.customer_writes("whatsapp", "Can I pick up in store?", sender=second, name="Zed Koh")
    inbox.drained()
    sign_in(page, inbox, "ana")
    token = inbox.token("ana", "agent")
    load_before = inbox.api("GET", "/api/me", token).json()["open_threads"]

    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()

    page.keyboard.press("j")  # the newest customer message first: Zed
    expect(page.locator("#thread-title").filter(has_text="Zed Koh")).to_be_visible()
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(page.locator("#thread-title").filter(has_text="Zed Koh")).to_be_visible()
    page.keyboard.press("r")
    expect(page.get_by_label("Your reply")).to_be_focused()
    page.keyboard.type("r j k typed here are text, not shortcuts")
    expect(page.locator("#thread-title").filter(has_text="Zed Koh")).to_be_visible()
    page.get_by_label("Your reply").fill("")

    # Reassign: who can take it now is listed; off teammates cannot be chosen.
    page.get_by_role("button", name="Reassign…").click()
    choices = page.get_by_label(re.compile("Reassign to"))
    expect(choices.locator("option", has_text="(ben)")).to_contain_text("away")
    expect(choices.locator("option", has_text="(joao)")).to_be_disabled()
    choices.select_option("ben")
    page.get_by_role("button", name="Reassign", exact=True).click()
    expect(page.locator(".thread-meta")).to_contain_text("assigned to ben")
    expect(page.locator(".composer")).to_contain_text("Only ben (or an admin) can reply")
    expect(row(page, "Zed Koh")).to_have_count(0, timeout=POLL_WAIT)

    # Close with the keyboard: it asks first.
    row(page, "Ivy Tan").locator(".row-link").click()
    expect(page.locator("#thread-title").filter(has_text="Ivy Tan")).to_be_visible()
    page.keyboard.press("e")
    dialog = page.get_by_role("dialog", name="Close this thread?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Close thread")).to_be_focused()
    page.keyboard.press("Enter")
    expect(row(page, "Ivy Tan")).to_have_count(0)
    assert inbox.thread_of(first)["status"] == "closed"
    assert inbox.api("GET", "/api/me", token).json()["open_threads"] == load_before - 2


def test_a_refused_action_shows_its_error(page: Page, inbox: Inbox) -> None:
    who = customer()
    inbox.customer_writes("whatsapp", "Please cancel my order.", sender=who, name="Leo Park")
    inbox.drained()
    page.clock.install()  # no polling: the page still believes the thread is Ana's when she clicks
    sign_in(page, inbox, "ana")
    thread_id = inbox.thread_of(who)["thread_id"]
    page.goto(f"{inbox.base_url}/inbox/#/queue/{thread_id}")
    expect(page.get_by_role("button", name="Close")).to_be_visible()

    # Meanwhile an admin gives the thread to Ben: Ana's close is refused, and the page says why.
    moved = inbox.api("POST", f"/api/threads/{thread_id}/reassign", inbox.token("mei", "admin"), {"to": "ben"})
    assert moved.status_code == 200, moved.text
    page.get_by_role("button", name="Close").click()
    page.get_by_role("dialog").get_by_role("button", name="Close thread").click()
    alert = page.locator(".thread-head [role=alert]")
    expect(alert).to_contain_text("Not allowed: the thread is assigned to ben")
    expect(page.locator(".thread-meta")).to_contain_text("assigned to ben")
    assert inbox.thread_of(who)["status"] == "open"


# --- admin -----------------------------------------------------------------------------------------------


def test_the_admin_edits_the_roster_and_sees_every_queue_and_the_audit_trail(page: Page, inbox: Inbox) -> None:
    who = customer()
    inbox.customer_writes("whatsapp", "Wholesale price list please", sender=who, name="Cafe Uno")
    inbox.drained()
    sign_in(page, inbox, "mei", "admin")
    nav = page.get_by_role("navigation", name="Views")
    nav.get_by_role("link", name="Roster").click()
    table = page.get_by_role("table", name="Roster")
    expect(table.locator("tr", has_text="Ben Ong")).to_contain_text("away")

    table.get_by_role("button", name="Edit Ben Ong").click()
    form = page.get_by_role("form", name="Edit Ben Ong")
    form.get_by_label("Capacity (open threads at most)").fill("7")
    form.get_by_label("Time zone", exact=True).fill("Europe/Lisbon")
    form.get_by_label(re.compile("Own working hours")).check()
    form.get_by_label("Sat").uncheck()
    form.get_by_label("Sun").uncheck()
    form.get_by_label("Start").fill("25:00")
    form.get_by_role("button", name="Save changes").click()
    expect(form.get_by_role("alert")).to_contain_text("working_hours.start")  # refused, shown, nothing saved
    token = inbox.token("mei", "admin")
    before = next(p for p in inbox.api("GET", "/api/roster", token).json()["roster"] if p["id"] == "ben")
    assert before["capacity"] == 50

    form.get_by_label("Start").fill("08:00")
    form.get_by_label("End").fill("17:00")
    form.get_by_role("button", name="Save changes").click()
    ben = table.locator("tr", has_text="Ben Ong")
    expect(ben).to_contain_text("Mon Tue Wed Thu Fri 08:00–17:00")
    expect(ben).to_contain_text("Europe/Lisbon")
    expect(ben).to_contain_text("/ 7")
    after = next(p for p in inbox.api("GET", "/api/roster", token).json()["roster"] if p["id"] == "ben")
    assert after["capacity"] == 7 and after["time_zone"] == "Europe/Lisbon" and after["status"] == "away"
    assert after["working_hours"]["days"] == ["mon", "tue", "wed", "thu", "fri"]

    nav.get_by_role("link", name="All queues").click()
    for team in ("care", "accounts", "sales"):
        expect(page.locator("#list")).to_contain_text(f"Unassigned · {team}")
    page.get_by_label("Also show the queue of").select_option("sam")
    line = row(page, "Cafe Uno")
    expect(line).to_be_visible()
    line.locator(".row-link").click()
    page.locator("#audit summary").click()
    trail = page.locator("#audit .audit-list")
    expect(trail).to_contain_text("message in")
    expect(trail).to_contain_text("assigned")


def test_an_admin_signs_a_teammate_out_everywhere_and_their_open_tab_says_so(page: Page, inbox: Inbox) -> None:
    sign_in(page, inbox, "priya")
    admin = page.context.new_page()
    sign_in(admin, inbox, "mei", "admin")
    admin.get_by_role("navigation", name="Views").get_by_role("link", name="Roster").click()
    admin.get_by_role("table", name="Roster").get_by_role("button", name="Edit Priya Nair").click()
    admin.get_by_role("form", name="Edit Priya Nair").get_by_role("button", name="Sign out everywhere").click()
    expect(admin.locator("#status")).to_contain_text("Priya Nair is signed out everywhere")
    # Priya's tab learns at its next poll: the API answers 401 revoked_token. An idle tab polls every 30 s
    # at most; her click (she is back) brings the poll forward to 4 s.
    page.mouse.click(2, 2)
    expect(page.get_by_role("heading", name="You were signed out")).to_be_visible(timeout=POLL_WAIT)
    assert page.evaluate("sessionStorage.length") == 0
    admin.close()


def test_the_pages_pass_an_accessibility_audit(page: Page, inbox: Inbox) -> None:
    """axe-core's WCAG 2 A/AA rules (contrast, names, labels, landmarks) on each view, dialogs included."""
    axe = pytest.importorskip("axe_playwright_python.base")
    who = customer()
    inbox.customer_writes("whatsapp", "URGENT: I was charged twice for order 2231", sender=who, name="Dana")
    inbox.drained()

    def audit(where: str) -> None:
        results = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})""")
        bad = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
               for v in results["violations"] if v.get("impact") in ("serious", "critical", "moderate")]
        assert not bad, f"{where}: {json.dumps(bad, ensure_ascii=False)}"

    page.goto(f"{inbox.base_url}/inbox/")
    expect(page.get_by_role("heading", name="Sign in with your link")).to_be_visible()
    page.evaluate(axe.AXE_SCRIPT)
    audit("sign-in page")

    sign_in(page, inbox, "mei", "admin")
    page.evaluate(axe.AXE_SCRIPT)
    audit("queue")
    page.goto(f"{inbox.base_url}/inbox/#/queue/{inbox.thread_of(who)['thread_id']}")
    expect(page.locator(".msg-in", has_text="charged twice")).to_be_visible()
    audit("thread")
    page.get_by_role("button", name="Reassign…").click()
    expect(page.get_by_label(re.compile("Reassign to"))).to_be_visible()
    audit("thread with the reassign form")
    page.keyboard.press("Escape")
    page.locator("#help-open").click()
    audit("shortcuts dialog")
    page.keyboard.press("Escape")
    page.get_by_role("navigation", name="Views").get_by_role("link", name="Roster").click()
    page.get_by_role("button", name="Edit Ana Lim").click()
    audit("roster editor")


def test_screenshots_of_the_queue_and_a_thread(page: Page, inbox: Inbox, tmp_path: Path) -> None:
    """A realistic morning for the user guide's pictures (``SIU_UI_SCREENSHOTS=docs/img`` keeps them)."""
    out = Path(os.environ.get("SIU_UI_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    admin = inbox.token("mei", "admin")
    for old in inbox.api("GET", "/api/queue?assignee=ana", admin).json()["threads"]:  # a fresh morning
        assert inbox.api("POST", f"/api/threads/{old['id']}/close", admin).status_code == 200
    now = datetime.now(UTC)
    who = customer()
    inbox.customer_writes("whatsapp", "Hi! My V60 dripper arrived cracked. Can I get a replacement?", sender=who,
                          name="Aisha Rahman", at=now - timedelta(minutes=50))
    inbox.customer_writes("facebook", "Do you have the light roast Ethiopia beans in 1 kg bags?",
                          sender=customer("fb"), name="", at=now - timedelta(hours=5))
    urgent = customer()
    inbox.customer_writes("whatsapp", "URGENT: my parcel still hasn't arrived and I fly out tomorrow morning",
                          sender=urgent, name="Daniel Goh", at=now - timedelta(minutes=7))
    inbox.customer_writes("whatsapp", "Bonjour ! Vous livrez en France ? Merci", sender=customer(),
                          name="Camille Martin", at=now - timedelta(minutes=25))
    inbox.customer_writes("instagram", "Will the speckled mugs be restocked before Christmas?",
                          sender=customer("ig"), name="", at=now - timedelta(hours=2))
    inbox.whatsapp_image(who, "Aisha Rahman", "Here, the crack is along the rim", at=now - timedelta(minutes=48))
    inbox.whatsapp_echo(who, "Hi Aisha, Mei here from the shop phone: so sorry! Ana will sort out a replacement.",
                        at=now - timedelta(minutes=30))
    inbox.drained()
    token = inbox.token("ana", "agent")
    thread_id = inbox.thread_of(who)["thread_id"]
    sent = inbox.http.post(f"{inbox.base_url}/api/threads/{thread_id}/reply", timeout=15,
                           json={"text": "We'll ship a new dripper today. Is your address still 12 Kim Tian Road?"},
                           headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"shot-{uuid.uuid4()}"})
    assert sent.status_code == 200, sent.text
    inbox.whatsapp_status(sent.json()["message"]["id"], who, "read")
    inbox.whatsapp_reaction(who, "Aisha Rahman", sent.json()["message"]["id"], "\U0001F44D")
    inbox.drained()

    page.set_viewport_size({"width": 1400, "height": 900})
    sign_in(page, inbox, "ana")
    row(page, "Daniel Goh").locator(".row-link").click()
    expect(page.locator(".msg-in", has_text="fly out tomorrow")).to_be_visible()
    page.get_by_label("Your reply").fill("So sorry, Daniel! I'm checking with the courier right now.")
    page.locator("#status").evaluate("el => { el.hidden = true; }")
    page.screenshot(path=str(out / "inbox-queue.png"))
    row(page, "Aisha Rahman").locator(".row-link").click()
    expect(page.locator(".msg-out .delivery")).to_have_attribute("data-status", "read")
    page.get_by_label("Your reply").fill("Thank you! It goes out this afternoon; you'll get the tracking number here.")
    page.wait_for_function("() => [...document.querySelectorAll('.attachment-image img')]"
                           ".every(i => i.complete && i.naturalWidth > 0)")
    page.screenshot(path=str(out / "inbox-thread.png"))

    sign_in(page, inbox, "mei", "admin")
    page.get_by_role("navigation", name="Views").get_by_role("link", name="Roster").click()
    page.set_viewport_size({"width": 1400, "height": 1240})
    page.get_by_role("button", name="Edit Ben Ong").click()
    page.locator("#status").evaluate("el => { el.hidden = true; }")
    page.locator("#wide").evaluate("el => { el.scrollTop = 0; }")
    page.screenshot(path=str(out / "inbox-roster.png"))
    for name in ("inbox-queue.png", "inbox-thread.png", "inbox-roster.png"):
        assert (out / name).stat().st_size > 10_000, name


def test_an_override_character_in_customer_text_cannot_reorder_what_is_around_it(page: Page, inbox: Inbox) -> None:
    who = customer()
    # U+202E (right-to-left override) would reverse everything after it in its paragraph: the name
    # "\u202eZed" shows as "deZ" and drags the UI's own words (or the next name) into the reversal.
    name = "\u202eZed Koh"
    inbox.customer_writes("whatsapp", "\u202eHello\u2066 \u202dthere", sender=who, name=name)
    inbox.drained()
    sign_in(page, inbox, "mei", "admin")
    thread_id = inbox.thread_of(who)["thread_id"]
    page.goto(f"{inbox.base_url}/inbox/#/queue/{thread_id}")
    expect(page.locator("#thread-title")).to_contain_text("Zed Koh")
    expect(page.locator(".msg-text").last).to_contain_text("Hello")

    # Every piece of customer text on screen is its own isolate (a <bdi dir=auto>, unicode-bidi: isolate).
    loose = page.evaluate("""() => {
        const out = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            if (!/[\\u202a-\\u202e\\u2066-\\u2069]/.test(n.data)) continue;
            const box = n.parentElement.closest("bdi.ct");
            const isolated = box && box.getAttribute("dir") === "auto"
                && getComputedStyle(box).unicodeBidi === "isolate";
            if (!isolated) out.push(n.parentElement.outerHTML.slice(0, 120));
        }
        return out;
    }""")
    assert loose == []
    assert page.locator("bdi.ct", has_text="Zed Koh").count() >= 2  # the queue row and the thread title at least

    # In running text too (the close dialog's sentence): the words after the name stay after it.
    page.locator("#detail").focus()
    page.keyboard.press("e")
    dialog = page.get_by_role("dialog", name="Close this thread?")
    expect(dialog).to_be_visible()
    left_of = page.evaluate("""() => {
        const p = [...document.querySelectorAll("dialog[open] p")].find((el) => el.textContent.includes("Zed"));
        const node = p.firstChild;
        const box = (word) => {
            const at = node.data.indexOf(word);
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + word.length);
            return range.getBoundingClientRect();
        };
        return { name: box("Zed").left, after: box("leaves").left, before: box("conversation").left };
    }""")
    assert left_of["before"] < left_of["name"] < left_of["after"], left_of
    dialog.get_by_role("button", name="Cancel").click()
    assert inbox.thread_of(who)["status"] == "open"
