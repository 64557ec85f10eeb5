"""fetch_profile on Messenger and Instagram, replayed from the shipped (scrubbed) cassettes: a profile, or None."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import requests
import vcr

from siu_core.models import CustomerProfile
from siu_core.plugins import load_channels

SECRETS = {"access_token": "token-for-replay", "app_secret": "x", "verify_token": "y"}
CASES: list[tuple[str, str, dict[str, Any], str, CustomerProfile | None]] = [
    ("facebook", "7392015648120394", {}, "profile_success.yaml",
     CustomerProfile(name="Mai Tran", picture_url="https://platform-lookaside.fbsbx.com/platform/profilepic/"
                     "?psid=7392015648120394&width=1024&ext=1767500000&hash=AbCdEfGh")),
    ("facebook", "7392015648120394", {}, "profile_refused.yaml", None),
    ("instagram", "1254459154682919", {"host": "instagram"}, "profile_success.yaml",
     CustomerProfile(name="Lena Vogel", username="lena.vogel",
                     picture_url="https://scontent.cdninstagram.com/v/t51.2885-19/1254459154682919_n.jpg")),
    ("instagram", "1254459154682919", {"host": "instagram"}, "profile_refused.yaml", None),
]


def _cassette(channel: str, name: str) -> Path:
    return Path(str(resources.files(f"siu_{channel}").joinpath("contract", "cassettes", name)))


@pytest.mark.parametrize(("channel", "person", "settings", "cassette", "expected"), CASES,
                         ids=[f"{c[0]}-{c[3][:-5]}" for c in CASES])
def test_fetch_profile_replays(channel: str, person: str, settings: dict[str, Any], cassette: str,
                               expected: CustomerProfile | None) -> None:
    ch = load_channels([channel]).get(channel)
    replayer = vcr.VCR(record_mode="none", match_on=["method", "uri"])
    with replayer.use_cassette(str(_cassette(channel, cassette))) as played, requests.Session() as session:
        found = ch.fetch_profile(person, "102938475610293", SECRETS, session, settings)
        assert played.play_count == 1
    assert found == expected


@pytest.mark.parametrize("channel", ["facebook", "instagram"])
def test_the_profile_cassettes_carry_no_token(channel: str) -> None:
    for name in ("profile_success.yaml", "profile_refused.yaml"):
        text = _cassette(channel, name).read_text(encoding="utf-8")
        assert "Authorization" not in text and "access_token" not in text and "token-for-replay" not in text
