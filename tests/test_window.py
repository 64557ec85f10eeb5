"""Reply-window rules at their boundaries, per channel policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from siu_core.models import ReplyWindowPolicy
from siu_core.window import reply_window

LAST = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
WHATSAPP = ReplyWindowPolicy(standard_hours=24, template_when_closed=True)
MESSENGER = ReplyWindowPolicy(standard_hours=24, human_agent_days=7)
TELEGRAM = ReplyWindowPolicy(standard_hours=None)


def at(**delta: int) -> datetime:
    return LAST + timedelta(**delta)


@pytest.mark.parametrize(
    ("policy", "now", "human", "state", "allowed"),
    [
        (WHATSAPP, at(hours=23, minutes=59), False, "open", ("text",)),
        (WHATSAPP, at(hours=24), False, "template_only", ("template",)),
        (WHATSAPP, at(hours=24, minutes=1), False, "template_only", ("template",)),
        (MESSENGER, at(hours=23, minutes=59), True, "open", ("text",)),
        (MESSENGER, at(hours=24, minutes=1), True, "human_agent", ("text",)),
        (MESSENGER, at(days=6, hours=23), True, "human_agent", ("text",)),
        (MESSENGER, at(days=7, minutes=1), True, "closed", ()),
        (MESSENGER, at(hours=24, minutes=1), False, "closed", ()),
        (TELEGRAM, at(days=400), False, "unlimited", ("text",)),
    ],
)
def test_window_boundaries(policy: ReplyWindowPolicy, now: datetime, human: bool, state: str,
                           allowed: tuple[str, ...]) -> None:
    w = reply_window(policy, LAST, now, human_agent_enabled=human)
    assert w.state == state
    assert w.allowed == allowed
    assert w.explanation


def test_open_until_and_human_agent_until() -> None:
    w = reply_window(MESSENGER, LAST, at(hours=1), human_agent_enabled=True)
    assert w.open_until == at(hours=24)
    assert w.human_agent_until == at(days=7)
    assert not w.needs_human_agent_tag
    assert reply_window(MESSENGER, LAST, at(hours=30), human_agent_enabled=True).needs_human_agent_tag


def test_closed_messenger_says_what_would_help() -> None:
    w = reply_window(MESSENGER, LAST, at(hours=30), human_agent_enabled=False)
    assert "HUMAN_AGENT" in w.explanation


def test_no_inbound_message_means_closed() -> None:
    assert reply_window(WHATSAPP, None, LAST).state == "template_only"
    assert reply_window(MESSENGER, None, LAST, human_agent_enabled=True).state == "closed"
