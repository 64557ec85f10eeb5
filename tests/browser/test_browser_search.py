"""Search in a real browser against ``siu dev``: a phone number finds its customer, a word finds an old message."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit

import pytest
from browser_support import Inbox

pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package (pip install -e '.[dev]')")
from playwright.sync_api import Page, Route, expect


def indexed(inbox: Inbox, token: str, q: str, *, within: float = 10.0) -> None:
    """Wait until the index (which follows the store's stream a moment behind) finds ``q``."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = inbox.api("GET", f"/api/search?q={quote(q)}", token).json()
        if found.get("threads") or found.get("messages"):
            return
        time.sleep(0.1)
    raise AssertionError(f"the index never found {q!r}")


def test_a_phone_number_and_a_word_in_an_old_message_find_their_threads(page: Page, inbox: Inbox) -> None:
    phone = "65" + str(uuid.uuid4().int)[:8]
    word = "zanzibar" + uuid.uuid4().hex[:6]
    old = datetime.now(UTC) - timedelta(days=200)
    inbox.customer_writes("whatsapp", f"Do you still ship the {word} lamp to Jurong?", sender=phone,
                          name="Wen Li", at=old)
    inbox.customer_writes("whatsapp", "Never mind, found it.", sender=phone, name="Wen Li")
    inbox.drained()
    token = inbox.token("boss", "admin")
    indexed(inbox, token, word)

    page.goto(inbox.login_url(token))
    expect(page.locator("#who")).to_contain_text("admin")
    box = page.get_by_role("searchbox", name="Search customers and messages")
    page.locator("#list").click()
    page.keyboard.press("/")
    expect(box).to_be_focused()
    # The phone number as a person types it: spaces, a plus, the country code.
    box.fill(f"+{phone[:2]} {phone[2:6]} {phone[6:]}")
    box.press("Enter")
    customers = page.get_by_role("region", name="Customers")
    expect(customers.locator(".row", has_text="Wen Li")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("result")

    box.fill(word)
    box.press("Enter")
    messages = page.get_by_role("region", name="Messages")
    hit = messages.locator(".row", has_text=word)
    expect(hit).to_be_visible()
    hit.locator(".row-link").click()
    expect(page.locator("#detail")).to_contain_text(f"Do you still ship the {word} lamp")
    assert "#/search/" in page.url

    # The results view passes the same WCAG 2 A/AA audit as the other views.
    axe = pytest.importorskip("axe_playwright_python.base")
    page.evaluate(axe.AXE_SCRIPT)
    results = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})""")
    bad = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in results["violations"]
           if v.get("impact") in ("serious", "critical", "moderate")]
    assert not bad, bad


def test_a_queue_answer_arriving_after_a_search_does_not_cover_its_results(page: Page, inbox: Inbox) -> None:
    """The queue read a slow network held back lands after the search drew: the results stay."""
    phone = "65" + str(uuid.uuid4().int)[:8]
    inbox.customer_writes("whatsapp", "Is the rattan chair back in stock?", sender=phone, name="Ava Tan")
    inbox.drained()
    token = inbox.token("boss", "admin")
    indexed(inbox, token, phone)

    held: list[Route] = []
    released = False

    def a_queue_section(url: str) -> bool:
        return urlsplit(url).path.endswith("/api/queue")

    def hold(route: Route) -> None:
        if released:
            route.continue_()
        else:
            held.append(route)

    page.route(a_queue_section, hold)  # the queue's first section read waits here, as on a slow network
    page.goto(inbox.login_url(token))
    expect(page.locator("#who")).to_contain_text("admin")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the inbox read no queue section"
    box = page.get_by_role("searchbox", name="Search customers and messages")
    box.fill(phone)
    box.press("Enter")
    customers = page.get_by_role("region", name="Customers")
    expect(customers.locator(".row", has_text="Ava Tan")).to_be_visible()

    released = True
    # The network lets the held read through: the queue's other sections and its counts follow, all
    # landing after the results drew (the counts come last: the empty sections' hints).
    with page.expect_response(lambda r: urlsplit(r.url).path.endswith("/api/queues")):
        for route in held:
            route.continue_()
    page.evaluate("() => new Promise((done) => setTimeout(done, 50))")  # the answer's draw runs meanwhile
    expect(customers.locator(".row", has_text="Ava Tan")).to_be_visible()
    expect(page.get_by_role("region", name="Inbox")).to_have_count(0)


def test_search_results_arriving_after_the_teammate_went_back_to_the_queue_stay_away(page: Page, inbox: Inbox) -> None:
    """The reverse race: results a slow network held back land after the teammate opened their queue."""
    inbox.customer_writes("whatsapp", "Do you deliver on Sundays?", sender="6591234567", name="Ravi Kumar")
    inbox.drained()
    token = inbox.token("boss", "admin")
    held: list[Route] = []

    def a_search(url: str) -> bool:
        return urlsplit(url).path.endswith("/api/search")

    page.route(a_search, lambda route: held.append(route))
    page.goto(inbox.login_url(token))
    expect(page.locator("#who")).to_contain_text("admin")
    box = page.get_by_role("searchbox", name="Search customers and messages")
    box.fill("Sunday")
    box.press("Enter")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the inbox asked no search"
    page.get_by_role("link", name="All queues").click()
    expect(page.get_by_role("heading", name="All queues")).to_be_visible()

    with page.expect_response(lambda r: a_search(r.url)):
        for route in held:
            route.continue_()
    page.evaluate("() => new Promise((done) => setTimeout(done, 50))")  # the answer's draw would run meanwhile
    expect(page.get_by_role("heading", name="All queues")).to_be_visible()
    expect(page.get_by_role("region", name="Customers")).to_have_count(0)
