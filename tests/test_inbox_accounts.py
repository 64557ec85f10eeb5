"""Several accounts per channel in the inbox: a reply goes out through the account the customer wrote
to, with that account's token; the thread shows the account; a thread of a removed account cannot send."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from inbox_support import WA_SECRETS, Answer, call, deliver, inbox_config, thread_of, token_for
from pipeline_support import NOW, inbound

from siu_core.aws import clients

pytestmark = pytest.mark.functional

TWO_NUMBERS = {
    "app_secret": WA_SECRETS["app_secret"], "verify_token": WA_SECRETS["verify_token"],
    "accounts": [
        {"id": "acct-1", "name": "Sales", "access_token": "sales-access-token"},
        {"id": "acct-2", "name": "Support +1 555 0100", "access_token": "support-access-token"},
    ],
}


@pytest.fixture
def inbox(inbox):
    """The shared inbox fixture with WhatsApp configured with two numbers."""
    clients.client("ssm").put_parameter(Type="SecureString", Overwrite=True, Name="/siu/secrets/whatsapp",
                                        Value=json.dumps(TWO_NUMBERS))
    inbox.services.secrets.clear()
    return inbox


def reply(thread_id: str, token: str, text: str, key: str):
    return call("POST", f"/api/threads/{thread_id}/reply", token=token, body={"text": text},
                headers={"Idempotency-Key": key})


def test_each_thread_carries_its_account_and_replies_through_it(inbox) -> None:
    deliver([inbound("m1", "Price of the blue one?", customer="cust-1", account="acct-1",
                     at=NOW - timedelta(minutes=5)),
             inbound("m2", "My order is broken", customer="cust-2", account="acct-2",
                     at=NOW - timedelta(minutes=4))], inbox.config)
    sales, support = thread_of("cust-1", account="acct-1"), thread_of("cust-2", account="acct-2")
    inbox.stub.script = [Answer(body={"messaging_product": "whatsapp", "contacts": [{"input": c, "wa_id": c}],
                                      "messages": [{"id": f"wamid.{c}"}]}) for c in ("cust-1", "cust-2")]
    for thread, key in ((sales, "k-sales"), (support, "k-support")):
        token = token_for(thread["assignee"])
        shown = call("GET", f"/api/threads/{thread['thread_id']}", token=token).body
        assert shown["account"] == {"id": thread["account_id"],
                                    "name": "Sales" if thread is sales else "Support +1 555 0100"}
        assert reply(thread["thread_id"], token, "Thanks, looking now.", key).status == 200
    paths = [(c["path"], c["auth"]) for c in inbox.stub.calls]
    assert paths == [("/v25.0/acct-1/messages", "Bearer sales-access-token"),
                     ("/v25.0/acct-2/messages", "Bearer support-access-token")]
    queue = call("GET", "/api/queue", token=token_for(sales["assignee"])).body["threads"]
    assert {t["account"]["name"] for t in queue if t["id"] == sales["thread_id"]} == {"Sales"}


def test_a_thread_of_an_account_no_longer_configured_cannot_send_and_says_why(inbox) -> None:
    deliver([inbound("m1", "Hello?", customer="cust-9", account="acct-gone", at=NOW - timedelta(minutes=5))],
            inbox.config)
    thread = thread_of("cust-9", account="acct-gone")
    token = token_for(thread["assignee"])
    sent = reply(thread["thread_id"], token, "Hi!", "k-1")
    assert (sent.status, sent.code) == (503, "account_not_configured")
    assert sent.body["error"]["account_id"] == "acct-gone"
    assert inbox.stub.calls == []
    shown = call("GET", f"/api/threads/{thread['thread_id']}", token=token).body
    assert shown["account"] == {"id": "acct-gone", "name": None}


def test_each_number_lists_the_templates_of_its_own_business_account(inbox) -> None:
    with_wabas = {**TWO_NUMBERS, "accounts": [{**TWO_NUMBERS["accounts"][0], "business_account_id": "waba-sales"},
                                              {**TWO_NUMBERS["accounts"][1], "business_account_id": "waba-support"}]}
    clients.client("ssm").put_parameter(Type="SecureString", Overwrite=True, Name="/siu/secrets/whatsapp",
                                        Value=json.dumps(with_wabas))
    inbox.services.secrets.clear()
    inbox.stub.templates = [{"name": "order_update", "language": "en_US", "status": "APPROVED", "category": "UTILITY",
                             "components": [{"type": "BODY", "text": "Order {{1}} has news"}]}]
    deliver([inbound("m1", "Hi", customer="cust-1", account="acct-1", at=NOW - timedelta(minutes=5)),
             inbound("m2", "Hi", customer="cust-2", account="acct-2", at=NOW - timedelta(minutes=4))], inbox.config)
    for customer, account in (("cust-1", "acct-1"), ("cust-2", "acct-2")):
        thread = thread_of(customer, account=account)
        shown = call("GET", f"/api/threads/{thread['thread_id']}", token=token_for(thread["assignee"])).body
        assert [t["name"] for t in shown["window"]["templates"]] == ["order_update"]
    listed = call("GET", "/api/channels/whatsapp/templates", token=token_for("ana"), query="account=acct-2").body
    assert listed["source"] == "platform"
    wabas = sorted({path.split("/")[2] for path in inbox.stub.template_gets})
    assert wabas == ["waba-sales", "waba-support"]
    assert len(inbox.stub.template_gets) == 2  # one list per account, then the cache


def test_an_account_dedicated_to_a_team_routes_its_threads_there_whatever_the_topic(inbox) -> None:
    config = inbox_config(inbox.stub.url, teams={"care": {"backup": "mei"},
                                                 "accounts": {"backup": "mei", "accounts": ["whatsapp:acct-2"]}})
    deliver([inbound("m1", "Where is my order?", customer="cust-1", account="acct-1", at=NOW - timedelta(minutes=5)),
             inbound("m2", "Where is my order?", customer="cust-2", account="acct-2", at=NOW - timedelta(minutes=4))],
            config)
    assert thread_of("cust-1", account="acct-1")["team"] == "care"  # by its topic (shipping)
    assert thread_of("cust-2", account="acct-2")["team"] == "accounts"  # by its account
