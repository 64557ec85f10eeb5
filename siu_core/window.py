"""Reply-window rules: what a teammate may send now, from the channel's policy. Pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from siu_core.models import ReplyWindowPolicy

WindowStateName = Literal["unlimited", "open", "human_agent", "template_only", "closed"]


@dataclass(frozen=True)
class WindowState:
    """Where a conversation stands in its platform's reply window, and what that allows."""

    state: WindowStateName
    open_until: datetime | None
    human_agent_until: datetime | None
    allowed: tuple[Literal["text", "template"], ...]
    explanation: str

    @property
    def can_send_text(self) -> bool:
        """Free text is possible (inside the window, or with the human-agent tag)."""
        return "text" in self.allowed

    @property
    def needs_human_agent_tag(self) -> bool:
        """Text must go out with the platform's HUMAN_AGENT message tag."""
        return self.state == "human_agent"


def reply_window(
    policy: ReplyWindowPolicy,
    last_inbound_at: datetime | None,
    now: datetime,
    *,
    human_agent_enabled: bool = False,
) -> WindowState:
    """Decide what can be sent at ``now`` given the customer's last message time.

    The standard window is open while ``now < last_inbound_at + standard_hours`` (so 23h59 is open and
    24h00 is closed); the human-agent period, when the policy has one and the deployment enabled it,
    runs to ``last_inbound_at + human_agent_days``.
    """
    if policy.standard_hours is None:
        return WindowState("unlimited", None, None, ("text",), "this channel has no reply window")
    open_until = None if last_inbound_at is None else last_inbound_at + timedelta(hours=policy.standard_hours)
    if open_until is not None and now < open_until:
        return WindowState("open", open_until, _human_until(policy, last_inbound_at, human_agent_enabled),
                           ("text",), "inside the standard reply window")
    human_until = _human_until(policy, last_inbound_at, human_agent_enabled)
    if human_until is not None and now < human_until:
        return WindowState(
            "human_agent", open_until, human_until, ("text",),
            "past the standard window: a human agent may still answer, sent with the HUMAN_AGENT tag",
        )
    if policy.template_when_closed:
        return WindowState(
            "template_only", open_until, human_until, ("template",),
            "the 24-hour window is closed: only an approved template can be sent",
        )
    hint = (
        "the reply window is closed; the customer must write again"
        if policy.human_agent_days is None or human_agent_enabled
        else "the reply window is closed; enabling the HUMAN_AGENT tag (needs the platform's approval) "
        "would allow answers up to 7 days after the customer's last message"
    )
    return WindowState("closed", open_until, human_until, (), hint)


def _human_until(
    policy: ReplyWindowPolicy, last_inbound_at: datetime | None, enabled: bool
) -> datetime | None:
    if not enabled or policy.human_agent_days is None or last_inbound_at is None:
        return None
    return last_inbound_at + timedelta(days=policy.human_agent_days)
