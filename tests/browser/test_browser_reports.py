"""The reports page in a real browser against ``siu dev``: the charts are drawn, readable without colour, and
the CSV downloads hold the threads."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import pytest
from browser_support import Inbox

pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package (pip install -e '.[dev]')")
from playwright.sync_api import Page, expect

CHARTS = ("chart-response", "chart-volume-day", "chart-channels", "chart-topics", "chart-people")


def sign_in(page: Page, inbox: Inbox, user: str, role: str = "agent") -> None:
    """Open the login link ``siu token issue`` prints, then the Reports view."""
    page.goto(inbox.login_url(inbox.token(user, role)))
    expect(page.locator("#who")).to_contain_text(role)
    page.get_by_role("navigation", name="Views").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Reports")).to_be_visible()


def _answered_thread(inbox: Inbox) -> str:
    sender = "65" + str(uuid.uuid4().int)[:9]
    inbox.customer_writes("whatsapp", "Where is my order 4410?", sender=sender, name="Rui")
    inbox.drained()
    thread = inbox.thread_of(sender)
    token = inbox.token("mei", "admin")  # admins may answer any thread
    sent = inbox.http.post(f"{inbox.base_url}/api/threads/{thread['thread_id']}/reply", json={"text": "It ships today"},
                           headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
                           timeout=15)
    assert sent.status_code == 200, sent.text
    return str(thread["thread_id"])


def _chart(page: Page, chart_id: str) -> Any:
    """What Chart.js drew on a canvas: its type, labels and each dataset's data, dash and point style."""
    return page.evaluate("""(id) => {
        const chart = window.Chart && window.Chart.getChart(document.getElementById(id));
        if (!chart) return null;
        const box = chart.canvas.getBoundingClientRect();
        return {type: chart.config.type, labels: chart.data.labels, width: box.width, height: box.height,
                datasets: chart.data.datasets.map((d) => ({label: d.label, data: d.data, dash: d.borderDash || [],
                                                          point: d.pointStyle || null}))};
    }""", chart_id)


def test_an_admin_sees_the_charts_and_downloads_the_threads(page: Page, inbox: Inbox) -> None:
    thread_id = _answered_thread(inbox)
    sign_in(page, inbox, "mei", "admin")
    for chart_id in CHARTS:
        expect(page.locator(f"#{chart_id}")).to_be_visible()
    page.wait_for_function("ids => ids.every((id) => window.Chart && "
                           "window.Chart.getChart(document.getElementById(id)))", arg=list(CHARTS))
    drawn = {chart_id: _chart(page, chart_id) for chart_id in CHARTS}
    assert all(c["width"] > 100 and c["height"] > 100 for c in drawn.values()), drawn
    # The two lines of the time series differ by dash and by point shape, not only by colour.
    median, p90 = drawn["chart-response"]["datasets"]
    assert (median["dash"], median["point"]) != (p90["dash"], p90["point"]) and median["dash"] != p90["dash"]
    # Bars carry their numbers in their labels; the channel of the new thread is counted.
    assert any(label.startswith("whatsapp (") for label in drawn["chart-channels"]["labels"])
    assert sum(drawn["chart-volume-day"]["datasets"][0]["data"]) >= 1
    cards = page.locator(".report-cards")
    expect(cards).to_contain_text("New threads")
    expect(cards).to_contain_text("SLA met")
    # Every chart's figures are also a table.
    page.get_by_text("Show as a table").first.click()
    expect(page.get_by_role("table", name="First response per day")).to_be_visible()

    # Narrowed to a channel, the figures are that channel's.
    page.get_by_role("combobox", name="Channel").select_option("whatsapp")
    page.get_by_role("button", name="Show").click()
    page.wait_for_function("""() => {
        const c = window.Chart && window.Chart.getChart(document.getElementById('chart-channels'));
        return c && c.data.labels.length === 1 && c.data.labels[0].startsWith('whatsapp'); }""")
    with page.expect_download() as info:
        page.get_by_role("button", name="CSV: threads").click()
    text = open(info.value.path(), encoding="utf-8").read()  # noqa: SIM115 - a temp file Playwright owns
    rows = {r["thread_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows[thread_id]["first_response_s"] != ""
    assert info.value.suggested_filename.startswith("siu-threads_")


def test_an_agent_sees_their_own_figures_and_their_team(page: Page, inbox: Inbox) -> None:
    sign_in(page, inbox, "ana")
    scope = page.get_by_role("combobox", name="Scope")
    expect(scope.locator("option")).to_have_text(["Just me", "Team care"])
    page.wait_for_function("() => window.Chart && window.Chart.getChart(document.getElementById('chart-response'))")
    scope.select_option(label="Team care")
    page.get_by_role("button", name="Show").click()
    page.wait_for_function("() => window.Chart && window.Chart.getChart(document.getElementById('chart-people'))")
    # The team's figures, but the per-teammate chart shows an agent only themself.
    assert all(label.startswith("ana (") for label in _chart(page, "chart-people")["labels"])
    with page.expect_download() as info:
        page.get_by_role("button", name="CSV: per day").click()
    assert info.value.suggested_filename.startswith("siu-daily_")


def test_the_reports_page_passes_an_accessibility_audit(page: Page, inbox: Inbox) -> None:
    """axe-core's WCAG 2 A/AA rules on the reports page, its tables open (the other views: test_browser_inbox)."""
    axe = pytest.importorskip("axe_playwright_python.base")
    _answered_thread(inbox)
    sign_in(page, inbox, "mei", "admin")
    page.wait_for_function("() => window.Chart && window.Chart.getChart(document.getElementById('chart-people'))")
    for summary in page.get_by_text("Show as a table").all():
        summary.click()
    page.evaluate(axe.AXE_SCRIPT)
    results = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})""")
    bad = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
           for v in results["violations"] if v.get("impact") in ("serious", "critical", "moderate")]
    assert not bad, bad
