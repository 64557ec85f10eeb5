"""Shared helpers for the Twilio plugin's tests: the loaded channel, its shipped fixtures, signed requests."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from siu_contract.fixtures import load_fixtures
from siu_contract.manifest import Manifest
from siu_twilio.signature import compute

from siu_core.models import InboundRequest
from siu_core.plugins import Channel, load_channels

CONTRACT = Path(__file__).resolve().parent.parent / "siu_twilio" / "contract"
FORM = "application/x-www-form-urlencoded"
URL = "https://inbox.example.com/webhooks/twilio"
TOKEN = "test-auth-token-0123456789abcdef"
SECRETS = {"account_sid": "AC" + "1" * 32, "auth_token": TOKEN, "phone_number": "+14155238886"}


@cache
def channel() -> Channel:
    """The Twilio channel, loaded through its entry point like the connector loads it."""
    return load_channels(["twilio"]).get("twilio")


@cache
def manifest() -> Manifest:
    """The shipped manifest, strictly validated."""
    return load_fixtures(CONTRACT / "manifest.json", "twilio").manifest


def fixture_bytes(relative: str) -> bytes:
    """A fixture file's exact bytes."""
    return (CONTRACT / relative).read_bytes()


def inbound(**overrides: str) -> list[tuple[str, str]]:
    """An incoming SMS webhook's parameters, with some replaced (or added)."""
    form = {"SmsMessageSid": "SM" + "a" * 32, "NumMedia": "0", "SmsSid": "SM" + "a" * 32, "SmsStatus": "received",
            "Body": "Hi there", "To": "+14155238886", "NumSegments": "1", "MessageSid": "SM" + "a" * 32,
            "AccountSid": SECRETS["account_sid"], "From": "+14155550123", "ApiVersion": "2010-04-01"}
    form.update(overrides)
    return list(form.items())


def signed(form: Sequence[tuple[str, str]], *, url: str = URL, sign_url: str | None = None,
           token: str = TOKEN, content_type: str = FORM, date: str | None = None) -> InboundRequest:
    """The POST Twilio would send to ``url``, signed over ``sign_url`` (``url`` by default)."""
    body = urlencode(list(form)).encode("utf-8")
    headers = {"Content-Type": content_type, "X-Twilio-Signature": compute(token, sign_url or url, form)}
    if date is not None:
        headers["Date"] = date
    return InboundRequest.received(method="POST", url=url, headers=headers, body=body)
