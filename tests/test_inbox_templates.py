"""Template replies are checked against the templates the platform approved (cached), with their parameter count.

The pure parts (what is offered, the check, the cache) are tested on plain data; the reply path runs
under moto against the loopback platform stand-in, whose ``GET .../message_templates`` a test scripts.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from inbox_support import TEMPLATES, Answer, call, deliver, graph_error, inbox_config, thread_of, token_for
from pipeline_support import NOW, inbound

from siu_core.inbox import templates as tpl
from siu_core.inbox.errors import ApiError

WABA = "waba-1"


def info(name: str, status: str = "APPROVED", language: str = "en_US", params: int = 0) -> tpl.TemplateInfo:
    return tpl.TemplateInfo(name=name, language=language, status=status, param_count=params)


def graph(name: str, body: str, status: str = "APPROVED", language: str = "en_US") -> dict[str, Any]:
    return {"name": name, "language": language, "status": status, "category": "UTILITY",
            "components": [{"type": "BODY", "text": body}]}


# --- pure -----------------------------------------------------------------------------------------


def test_only_approved_templates_are_offered_and_the_setting_narrows_them() -> None:
    platform = [info("a"), info("b", "PENDING"), info("c", "REJECTED"), info("d", params=2)]
    assert [t.name for t in tpl.offered(platform, [])] == ["a", "d"]
    assert [t.name for t in tpl.offered(platform, [info("d"), info("b"), info("zzz")])] == ["d"]


@pytest.mark.parametrize(
    ("name", "language", "params", "code", "says"),
    [
        ("order", "en_US", ["#1"], None, None),
        ("order", "en_US", [], "template_params", "takes 1 parameter(s); this reply has 0"),
        ("order", "en_US", ["#1", "#2"], "template_params", "this reply has 2"),
        ("order", "es", ["#1"], "unknown_template", "not an approved template"),
        ("promo", "en_US", [], "unknown_template", "is pending on the platform, not approved"),
        ("hidden", "en_US", [], "unknown_template", "not among the templates this inbox offers"),
        ("nope", "en_US", [], "unknown_template", "not an approved template"),
    ],
)
def test_the_check_says_what_is_wrong(name: str, language: str, params: list[str], code: str | None,
                                      says: str | None) -> None:
    reported = (info("order", params=1), info("promo", "PENDING"), info("hidden"))
    catalog = tpl.Catalog(reported, reported[:1], "platform")
    if code is None:
        tpl.check_template(name, language, params, catalog)
        return
    with pytest.raises(ApiError) as raised:
        tpl.check_template(name, language, params, catalog)
    assert (raised.value.status, raised.value.code) == (422, code) and says in raised.value.message
    if code == "unknown_template":
        assert raised.value.details["templates"] == [reported[0].view()]
    else:
        assert raised.value.details["expected"] == 1


def test_the_cache_lives_for_its_ttl_refreshes_on_demand_and_keeps_the_last_list_on_failure() -> None:
    cache = tpl.TemplateCache(ttl=300, min_refresh=30)
    answers: list[Any] = [[info("a")], [info("b")], RuntimeError("down"), [info("c")]]
    asked: list[float] = []

    def fetch() -> list[tpl.TemplateInfo] | None:
        asked.append(1)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return list(answer)

    assert cache.get("wa", fetch, 0.0) == ([info("a")], True)
    assert cache.get("wa", fetch, 299.0) == ([info("a")], True) and len(asked) == 1
    assert cache.get("wa", fetch, 10.0, refresh=True) == ([info("a")], True) and len(asked) == 1  # too soon
    assert cache.get("wa", fetch, 40.0, refresh=True) == ([info("b")], True) and len(asked) == 2
    assert cache.get("wa", fetch, 400.0) == ([info("b")], False) and len(asked) == 3  # failed: stale
    assert cache.get("wa", fetch, 429.0) == ([info("b")], False) and len(asked) == 3  # not asked again yet
    assert cache.get("wa", fetch, 430.0) == ([info("c")], True) and len(asked) == 4
    cache.clear("wa")
    failures: list[int] = []

    def down() -> list[tpl.TemplateInfo] | None:
        failures.append(1)
        raise RuntimeError("down")

    with pytest.raises(RuntimeError):
        cache.get("wa", down, 500.0)
    with pytest.raises(tpl.TemplatesUnavailable):  # a platform that just failed is not waited for again
        cache.get("wa", down, 510.0)
    assert len(failures) == 1


def test_a_malformed_entry_is_skipped_and_statuses_are_upper_cased() -> None:
    read = tpl.read_reported([{"name": "a", "language": "en", "status": "approved", "param_count": 1},
                              {"name": "", "language": "en"}, {"name": "b", "language": "en", "param_count": -1}])
    assert read == [info("a", language="en", params=1)]


# --- the reply path --------------------------------------------------------------------------------


@pytest.fixture
def wa(inbox: Any) -> Any:
    """The inbox with WhatsApp's business account id stored, so the plugin asks the stand-in for the list."""
    from siu_core.aws import clients

    sm = clients.client("ssm")
    stored = json.loads(sm.get_parameter(Name="/siu/secrets/whatsapp", WithDecryption=True)["Parameter"]["Value"])
    sm.put_parameter(Type="SecureString", Overwrite=True, Name="/siu/secrets/whatsapp",
                     Value=json.dumps({**stored, "business_account_id": WABA}))
    inbox.services.secrets.refresh("whatsapp")
    inbox.now = 1000.0
    inbox.services.template_clock = lambda: inbox.now
    inbox.stub.templates = [graph("order_update", "Order {{1}} has news"), graph("promo", "Sale {{1}}", "PENDING"),
                            graph("welcome", "Hi!")]
    deliver([inbound("m1", "Where is my order?", at=NOW - timedelta(minutes=5))], inbox.config)
    inbox.tid = thread_of()["thread_id"]
    inbox.token = token_for(thread_of()["assignee"])
    return inbox


def send(wa: Any, name: str, params: list[str], key: str, language: str = "en_US") -> Any:
    return call("POST", f"/api/threads/{wa.tid}/reply", token=wa.token,
                body={"template": {"name": name, "language": language, "params": params}},
                headers={"Idempotency-Key": key})


def test_template_replies_are_checked_against_the_platforms_list(wa: Any) -> None:
    assert send(wa, "order_update", ["#1"], "k1").status == 200
    assert wa.stub.template_gets and f"/{WABA}/message_templates" in wa.stub.template_gets[0]
    few = send(wa, "order_update", [], "k2")
    assert (few.status, few.code, few.body["error"]["expected"]) == (422, "template_params", 1)
    pending = send(wa, "promo", ["x"], "k3")
    assert (pending.status, pending.code) == (422, "unknown_template") and "pending" in pending.body["error"]["message"]
    offered = [t["name"] for t in pending.body["error"]["templates"]]
    assert offered == ["order_update"]  # the config lists only order_update: "welcome" is approved but not offered
    assert send(wa, "nope", [], "k4").code == "unknown_template"
    assert len(wa.stub.calls) == 1  # only the good one reached the send API


def test_the_list_is_cached_and_an_unknown_name_asks_again_at_most_every_half_minute(wa: Any) -> None:
    wa.services.config = inbox_config(wa.stub.url, channels={"whatsapp": {"api_base_url": wa.stub.url,
                                                                          "templates": [], "timeout_seconds": 2}})
    assert send(wa, "welcome", [], "a").status == 200
    assert send(wa, "order_update", ["#2"], "b").status == 200
    assert len(wa.stub.template_gets) == 1
    wa.stub.templates = [*wa.stub.templates, graph("just_approved", "Thanks {{1}}")]
    assert send(wa, "just_approved", ["Ana"], "c").code == "unknown_template"  # within min_refresh of the first ask
    wa.now += tpl.MIN_REFRESH
    assert send(wa, "just_approved", ["Ana"], "d").status == 200
    assert len(wa.stub.template_gets) == 2
    wa.now += tpl.TTL
    thread = call("GET", f"/api/threads/{wa.tid}", token=wa.token).body
    assert {t["name"] for t in thread["window"]["templates"]} == {"order_update", "welcome", "just_approved"}
    assert len(wa.stub.template_gets) == 3


def test_the_platforms_parameter_count_wins_over_the_setting(wa: Any) -> None:
    wa.stub.templates = [graph("order_update", "Order {{1}} arrives {{2}}")]
    assert TEMPLATES[0]["param_count"] == 1
    window = call("GET", f"/api/threads/{wa.tid}", token=wa.token).body["window"]
    assert window["templates"] == [{"name": "order_update", "language": "en_US", "param_count": 2}]
    one = send(wa, "order_update", ["#1"], "k1")
    assert (one.status, one.code, one.body["error"]["expected"]) == (422, "template_params", 2)
    assert send(wa, "order_update", ["#1", "today"], "k2").status == 200


def test_when_the_platform_cannot_be_asked(wa: Any) -> None:
    wa.stub.templates = Answer(status=500, body=graph_error(1, "An unknown error occurred", status=500))
    fallback = send(wa, "order_update", ["#1"], "k1")  # the configured list stands in
    assert fallback.status == 200
    wa.services.config = inbox_config(wa.stub.url, channels={"whatsapp": {"api_base_url": wa.stub.url,
                                                                          "templates": [], "timeout_seconds": 2}})
    wa.now += tpl.TTL
    refused = send(wa, "order_update", ["#1"], "k2")
    assert (refused.status, refused.code) == (503, "templates_unavailable")
    assert refused.headers["retry-after"] == "30" and len(wa.stub.calls) == 1


def test_a_failed_refresh_keeps_the_last_list(wa: Any) -> None:
    assert send(wa, "order_update", ["#1"], "k1").status == 200
    wa.stub.templates = Answer(status=500, body=graph_error(1, "An unknown error occurred", status=500))
    wa.now += tpl.TTL + 1
    assert send(wa, "order_update", ["#2"], "k2").status == 200
    listed = call("GET", "/api/channels/whatsapp/templates", token=wa.token).body
    assert listed["source"] == "stale" and [t["name"] for t in listed["templates"]] == ["order_update"]


def test_the_template_list_endpoint_refreshes_on_request(wa: Any) -> None:
    listed = call("GET", "/api/channels/whatsapp/templates", token=wa.token)
    assert listed.status == 200 and listed.headers["cache-control"] == "no-store"
    assert listed.body["source"] == "platform" and [t["name"] for t in listed.body["templates"]] == ["order_update"]
    assert {(t["name"], t["status"]) for t in listed.body["reported"]} == {
        ("order_update", "APPROVED"), ("promo", "PENDING"), ("welcome", "APPROVED")}
    wa.stub.templates = []
    wa.now += tpl.MIN_REFRESH
    again = call("GET", "/api/channels/whatsapp/templates", token=wa.token, query="refresh=1").body
    assert again["templates"] == [] and len(wa.stub.template_gets) == 2
    assert call("GET", "/api/channels/whatsapp/templates").status == 401
    assert call("GET", "/api/channels/nope/templates", token=wa.token).status == 404
    fb = call("GET", "/api/channels/facebook/templates", token=wa.token).body
    assert fb["supports_templates"] is False


def test_without_the_account_id_the_setting_is_the_list_as_before(inbox: Any) -> None:
    deliver([inbound("m1", "Where is my order?", at=NOW - timedelta(minutes=5))], inbox.config)
    token = token_for(thread_of()["assignee"])
    listed = call("GET", "/api/channels/whatsapp/templates", token=token).body
    assert listed["source"] == "config" and listed["templates"][0]["name"] == "order_update"
    assert inbox.stub.template_gets == []


def test_siu_devs_stand_in_answers_the_template_list_through_the_plugin() -> None:
    from siu_whatsapp.templates import read_template

    from siu_core.dev.standin import StandIn
    from siu_core.plugins import load_channels

    standin = StandIn(load_channels(["whatsapp"]))
    answer = standin.handle("GET", "/platform/whatsapp/v25.0/100000000000001/message_templates", {}, {}, b"")
    assert answer.status == 200 and isinstance(answer.body, dict)
    listed = tpl.read_reported([t for t in (read_template(item) for item in answer.body["data"]) if t])
    assert [t.name for t in tpl.offered(listed, [])] == ["order_update", "appointment_reminder", "hello_world"]
    assert standin.outbox()[-1]["path"].endswith("/message_templates")
