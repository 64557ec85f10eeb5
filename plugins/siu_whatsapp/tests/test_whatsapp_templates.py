"""message_templates: the account's list through the Graph API, its paging, refusals, and the dev stand-in."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from siu_whatsapp import standin, templates
from wa_testkit import FakeSession, channel, manifest, response, settings  # type: ignore[import-not-found, unused-ignore]

from siu_core.errors import PermanentSendError, RateLimited, TransientSendError

SECRETS = manifest().secrets
WABA = SECRETS["business_account_id"]
GRAPH = "https://graph.facebook.com/v25.0"


def page(*items: dict[str, Any], next_url: str | None = None) -> dict[str, Any]:
    paging: dict[str, Any] = {"cursors": {"before": "A", "after": "B"}}
    if next_url:
        paging["next"] = next_url
    return {"data": list(items), "paging": paging}


def tpl(name: str, body: str | None, status: str = "APPROVED", language: str = "en_US", **extra: Any) -> dict[str, Any]:
    components = [{"type": "BODY", "text": body}] if body is not None else []
    return {"name": name, "language": language, "status": status, "category": "UTILITY", "components": components,
            **extra}


def test_the_list_is_read_from_the_accounts_endpoint_with_the_token_in_the_header() -> None:
    session = FakeSession([response(200, page(tpl("order_update", "Order {{1}} is {{2}}; again {{1}}")))])
    listed = channel().message_templates(SECRETS, session, settings())
    assert listed == [{"name": "order_update", "language": "en_US", "status": "APPROVED", "category": "UTILITY",
                       "param_count": 2}]
    (call,) = session.calls
    assert call["url"].startswith(f"{GRAPH}/{WABA}/message_templates?fields=")
    assert call["headers"] == {"Authorization": f"Bearer {SECRETS['access_token']}"}
    assert SECRETS["access_token"] not in call["url"]


def test_named_parameters_statuses_and_missing_parts_are_read_tolerantly() -> None:
    items = [
        tpl("named", "For {{ guests }} on {{day}} at {{time}}", parameter_format="NAMED"),
        tpl("plain", "Hello!"),
        tpl("no_body", None, status="paused"),
        {"name": "", "language": "en_US"},  # unreadable: skipped
        {"language": "en_US", "status": "APPROVED"},
        "not an object",
    ]
    listed = templates.message_templates(SECRETS, settings(), FakeSession([response(200, page(*items))]))
    assert [(t["name"], t["status"], t["param_count"]) for t in listed or []] == [
        ("named", "APPROVED", 3), ("plain", "APPROVED", 0), ("no_body", "PAUSED", 0)]


def test_paging_follows_next_on_the_api_host_only() -> None:
    second = f"{GRAPH}/{WABA}/message_templates?after=B"
    session = FakeSession([response(200, page(tpl("a", "x"), next_url=second)),
                           response(200, page(tpl("b", "y"), next_url="https://evil.example/steal?after=C"))])
    listed = templates.message_templates(SECRETS, settings(), session)
    assert [t["name"] for t in listed or []] == ["a", "b"]
    assert [c["url"] for c in session.calls][1] == second and len(session.calls) == 2


def test_paging_stops_after_the_page_limit() -> None:
    again = f"{GRAPH}/{WABA}/message_templates?after=B"
    session = FakeSession([response(200, page(tpl(f"t{i}", "x"), next_url=again)) for i in range(templates.MAX_PAGES)])
    assert len(templates.message_templates(SECRETS, settings(), session) or []) == templates.MAX_PAGES


def test_without_the_business_account_id_the_hook_cannot_ask() -> None:
    required = {k: v for k, v in SECRETS.items() if k != "business_account_id"}
    session = FakeSession([])
    assert channel().message_templates(required, session, settings()) is None and session.calls == []
    from_setting = FakeSession([response(200, page(tpl("a", "x")))])
    assert channel().message_templates(required, from_setting, settings(business_account_id="waba-9"))
    assert "/waba-9/message_templates" in from_setting.calls[0]["url"]


def test_errors_map_to_typed_send_errors() -> None:
    throttled = {"error": {"message": "(#4) Application request limit reached", "code": 4}}
    for answer, error in [
        (response(400, throttled), RateLimited),
        (response(500, {"error": {"message": "oops", "code": 1}}), TransientSendError),
        (response(400, {"error": {"message": "(#100) Invalid parameter", "code": 100}}), PermanentSendError),
        (response(200, {"no": "data"}), TransientSendError),
        (requests.ConnectionError("down"), TransientSendError),
    ]:
        with pytest.raises(error):
            templates.message_templates(SECRETS, settings(), FakeSession([answer]))
    with pytest.raises(PermanentSendError, match="access_token"):
        templates.message_templates({"business_account_id": WABA}, settings(), FakeSession([]))


def test_the_dev_stand_in_lists_approved_templates_and_one_in_review() -> None:
    answer = standin.stand_in_response("GET", f"/v25.0/{WABA}/message_templates", b"", settings())
    assert answer is not None and answer.status == 200
    assert isinstance(answer.body, dict)
    listed = [templates.read_template(t) for t in answer.body["data"]]
    assert {(t["name"], t["status"], t["param_count"]) for t in listed if t} == {
        ("order_update", "APPROVED", 1), ("appointment_reminder", "APPROVED", 2), ("hello_world", "APPROVED", 0),
        ("summer_sale", "PENDING", 1)}
    assert standin.stand_in_response("POST", f"/v25.0/{WABA}/message_templates", b"{}", settings()) is None
