"""``GET /api/templates``: the platform's approved templates per channel and account, each with its cost line."""

from __future__ import annotations

import json
from typing import Any

import pytest
from inbox_support import TEMPLATES, call, inbox_config, token_for

PRICES = {"currency": "USD", "market": "Singapore", "source": "Meta rate card, 2026-01 (copied by the operator)",
          "per_message": {"MARKETING": "0.0787", "UTILITY": "0.0140", "AUTHENTICATION": "0.0135"}}


def graph(name: str, body: str, category: str, status: str = "APPROVED") -> dict[str, Any]:
    return {"name": name, "language": "en_US", "status": status, "category": category,
            "components": [{"type": "BODY", "text": body}]}


@pytest.fixture
def priced(inbox: Any) -> Any:
    """WhatsApp with its business account id (the plugin asks the stand-in) and a rate table."""
    from siu_core.aws import clients

    ssm = clients.client("ssm")
    name = "/siu/secrets/whatsapp"
    stored = json.loads(ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])
    ssm.put_parameter(Name=name, Type="SecureString", Overwrite=True,
                      Value=json.dumps({**stored, "business_account_id": "waba-1"}))
    inbox.services.secrets.refresh("whatsapp")
    channels = {"whatsapp": {"api_base_url": inbox.stub.url, "timeout_seconds": 2, "template_prices": PRICES},
                "facebook": {"api_base_url": inbox.stub.url}, "instagram": {"api_base_url": inbox.stub.url}}
    inbox.services.config = inbox_config(inbox.stub.url, channels=channels)
    inbox.stub.templates = [graph("order_update", "Order {{1}} has news", "UTILITY"),
                            graph("summer_sale", "Sale {{1}}", "MARKETING"),
                            graph("pending_one", "Hi", "MARKETING", "PENDING")]
    return inbox


def test_each_sendable_template_carries_its_cost_line(priced: Any) -> None:
    listed = call("GET", "/api/templates", token=token_for("ana"), query="channel=whatsapp&account=acct-1")
    assert listed.status == 200, listed.body
    body = listed.body
    assert body["account"] == "acct-1" and body["source"] == "platform"
    assert body["prices"] == {"currency": "USD", "market": "Singapore", "source": PRICES["source"]}
    costs = {t["name"]: t["cost"] for t in body["templates"]}
    assert set(costs) == {"order_update", "summer_sale"}  # the pending one is not offered
    assert costs["summer_sale"]["amount"] == "0.0787" and costs["summer_sale"]["currency"] == "USD"
    assert costs["order_update"]["amount"] == "0.0140" and costs["order_update"]["category"] == "UTILITY"


def test_bad_requests_and_channels_without_templates(priced: Any) -> None:
    ana = token_for("ana")
    assert call("GET", "/api/templates", token=ana).status == 422
    assert call("GET", "/api/templates", token=ana, query="channel=nope").status == 404
    assert call("GET", "/api/templates", query="channel=whatsapp").status == 401
    fb = call("GET", "/api/templates", token=ana, query="channel=facebook").body
    assert fb["supports_templates"] is False and fb["templates"] == []


def test_without_a_rate_table_there_is_no_cost_line(inbox: Any) -> None:
    listed = call("GET", "/api/templates", token=token_for("ana"), query="channel=whatsapp").body
    assert [t["name"] for t in listed["templates"]] == [t["name"] for t in TEMPLATES]
    assert all(t["cost"] is None for t in listed["templates"]) and listed["prices"] is None
