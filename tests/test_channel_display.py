"""The inbox's channel display data: each plugin's own, and generic wording for a plugin that declares none."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from siu_contract.checks.display import contrast

from siu_core.inbox.channel_display import HUMAN_AGENT_NOTE, display_view, window_name
from siu_core.models import ChannelInfo, ReplyWindowPolicy

BARE: dict[str, Any] = {"name": "acme_chat", "display_name": "Acme Chat", "version": "1.0",
                        "contract_version": "1.3", "secret_fields": []}


def info(**fields: Any) -> ChannelInfo:
    return ChannelInfo(**{**BARE, **fields})


def test_a_plugin_that_declares_nothing_gets_generic_display_data() -> None:
    assert display_view(info()) == {
        "name": "Acme Chat",
        "accent_color": None,
        "icon": {"outline": [], "solid": []},
        "window_name": "24-hour window",
        "template_only_note": "Acme Chat only accepts an approved template until the customer writes again.",
        "template_help": "type the name and language of a template the platform approved.",
        "human_agent_note": HUMAN_AGENT_NOTE,
    }


def test_what_the_plugin_declares_wins() -> None:
    view = display_view(info(short_name="Acme", accent_color="#0b57d0", icon=["M4 5h16v11H9l-5 4z"],
                             icon_solid=["M8 9h8"], template_only_note="Only templates now.",
                             template_help="use the Acme console.", human_agent_note="people only."))
    assert view["name"] == "Acme" and view["accent_color"] == "#0b57d0"
    assert view["icon"] == {"outline": ["M4 5h16v11H9l-5 4z"], "solid": ["M8 9h8"]}
    assert (view["template_only_note"], view["template_help"], view["human_agent_note"]) == (
        "Only templates now.", "use the Acme console.", "people only.")


@pytest.mark.parametrize(("hours", "said"), [(24, "24-hour window"), (72, "72-hour window"), (None, "reply window")])
def test_the_window_is_named_by_the_channels_own_policy(hours: int | None, said: str) -> None:
    assert window_name(info(reply_window=ReplyWindowPolicy(standard_hours=hours))) == said


@pytest.mark.parametrize(
    "fields",
    [
        {"accent_color": "red"},
        {"accent_color": "#12345"},
        {"accent_color": "#0b57d0; background: url(x)"},
        {"icon": ['"/><script>alert(1)</script>']},
        {"icon": ["M0 0L24 24"] * 200},  # 2,000 characters: a picture, not a line drawing
        {"icon_solid": ["M0 0 url(#x)"]},
        {"short_name": ""},
        {"short_name": "x" * 41},
        {"template_help": "x" * 301},
    ],
    ids=["named-colour", "short-hex", "css-injection", "markup-in-icon", "icon-too-big", "url-in-icon",
         "empty-name", "long-name", "long-wording"],
)
def test_bad_display_data_is_refused_when_the_plugin_loads(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        info(**fields)


@pytest.mark.parametrize(
    ("colour", "passes"),
    [("#17803d", True), ("#0b57d0", True), ("#767676", True), ("#06c755", False), ("#ffff00", False),
     ("#ffffff", False)],
)
def test_an_accent_colour_needs_three_to_one_on_white(colour: str, passes: bool) -> None:
    assert (contrast(colour, "#ffffff") >= 3.0) is passes


def test_contrast_is_symmetric_and_spans_one_to_twenty_one() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#000000") == contrast("#000000", "#ffffff")
    assert contrast("#0b57d0", "#0b57d0") == pytest.approx(1.0)
