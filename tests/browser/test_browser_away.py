"""Away replies in a real browser against ``siu dev``: a team closed today answers once, marked automatic."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from browser_support import Inbox, running_inbox, write_config

pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package (pip install -e '.[dev]')")
from playwright.sync_api import Page, expect

AWAY = "Thanks for writing! Accounts is closed today; we answer tomorrow from 9:00."


def _config_closed_today(folder: Path) -> Path:
    """The browser-test config with an away reply for accounts and today (and tomorrow) as its holidays."""
    path = write_config(folder)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    today = datetime.now(ZoneInfo("Asia/Singapore")).date()
    data["teams"]["accounts"]["away"] = {"message": AWAY, "holidays": [str(today), str(today + timedelta(days=1))],
                                         "gap_hours": 12}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Inbox]:
    """A dev stack whose accounts team is closed today."""
    folder = tmp_path_factory.mktemp("siu-browser-away")
    with running_inbox(folder, _config_closed_today(folder)) as running:
        yield running


def test_a_customer_writing_on_a_holiday_gets_the_away_reply_once(page: Page, inbox: Inbox) -> None:
    wa = "65" + str(uuid.uuid4().int)[:9]
    inbox.customer_writes("whatsapp", "I was charged twice on my card", sender=wa, name="Farah")
    inbox.drained()
    inbox.customer_writes("whatsapp", "Hello? The invoice is wrong too", sender=wa, name="Farah")
    inbox.drained()
    sent = [c for c in inbox.outbox() if (c.get("body") or {}).get("to") == wa]
    assert [c["body"]["text"]["body"] for c in sent] == [AWAY]

    page.goto(inbox.login_url(inbox.token("mei", "admin")))
    expect(page.locator("#list .queue-section").first).to_be_visible()
    page.goto(f"{inbox.base_url}/inbox/#/queue/{inbox.thread_of(wa)['thread_id']}")
    auto = page.locator(".msg-out.msg-auto")
    expect(auto).to_have_count(1)
    expect(auto).to_contain_text(AWAY)
    expect(auto).to_contain_text("Away reply")
