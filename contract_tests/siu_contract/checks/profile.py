"""fetch_profile checks (optional hook, contract 1.4): a profile through the stand-in, None when the platform fails.

The hook runs when a teammate opens a customer, so it must answer a :class:`CustomerProfile` or
``None`` and never raise into the inbox: the check asks the plugin's own stand-in (what ``siu dev``
answers) and then a platform that fails every call.
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import BaseAdapter

from siu_contract.checks import ContractViolation
from siu_contract.checks.standin import BASE_URL, StandInAdapter
from siu_contract.manifest import SendCase
from siu_contract.target import ChannelUnderTest
from siu_core.models import CustomerProfile, ReplyRequest


class FailingAdapter(BaseAdapter):
    """A platform that is down: every call fails to connect."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        """Refuse the call the way a dead host does."""
        raise requests.ConnectionError("the platform is down (contract check)")

    def close(self) -> None:
        """Nothing to release."""


def _ask(t: ChannelUnderTest, adapter: BaseAdapter, customer_id: str, account_id: str) -> CustomerProfile | None:
    settings = {**t.settings, "api_base_url": BASE_URL}
    with requests.Session() as session:
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        try:
            return t.channel.fetch_profile(customer_id, account_id, t.secrets, session, settings)
        except Exception as exc:
            raise ContractViolation(f"fetch_profile raised {type(exc).__name__}: it must answer None instead") from exc


def check_profile(t: ChannelUnderTest, case: SendCase) -> None:
    """The stand-in's profile is a CustomerProfile (or None); a platform that fails gives None, never an exception."""
    request = ReplyRequest.model_validate(case.request)
    customer, account = request.recipient.id, request.account_id
    adapter = StandInAdapter(t.channel, t.channel.settings({**t.settings, "api_base_url": BASE_URL}))
    found = _ask(t, adapter, customer, account)
    if found is not None and not isinstance(found, CustomerProfile):
        raise ContractViolation(f"fetch_profile returned {type(found).__name__}, not CustomerProfile or None")
    if found is not None and not adapter.calls:
        raise ContractViolation("fetch_profile answered a profile without calling the API at api_base_url")
    down = _ask(t, FailingAdapter(), customer, account)
    if down is not None:
        raise ContractViolation(f"fetch_profile answered {down!r} while the platform was down; expected None")
