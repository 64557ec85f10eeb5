"""Reading a customer fills in who they are through the channel's fetch_profile hook, under moto.

The platform is the loopback stand-in (:mod:`inbox_support`): the Messenger plugin calls its
user-profile API exactly as in production. The profile is kept for the refresh period, a failed
attempt is not repeated on every read, and the message pipeline never asks.
"""

from __future__ import annotations

from typing import Any

from inbox_support import Answer, call, deliver, graph_error, thread_of, token_for
from pipeline_support import inbound

from siu_core.aws.names import resource_names
from siu_core.customers import profile_due
from siu_core.customers import record as person

ADMIN = "boss"
PSID = "24680135792468"
IGSID = "17841400000000042"


def _profile_gets(stub: Any, person_id: str) -> list[str]:
    return [p for p in stub.template_gets if f"/{person_id}?" in p]


def _messenger_customer(inbox: Any) -> str:
    deliver([inbound("f1", "is the shop open on Sunday?", channel="facebook", account="page-1", customer=PSID)],
            inbox.config)
    return str(thread_of(PSID, channel="facebook", account="page-1")["thread_id"])


def test_a_messenger_customer_gets_a_name_when_the_panel_is_read_and_keeps_it(inbox: Any) -> None:
    inbox.stub.profiles[PSID] = {"first_name": "Ana", "last_name": "Lopez",
                                 "profile_pic": "https://platform-lookaside.fbsbx.com/ana.jpg"}
    thread_id = _messenger_customer(inbox)
    assert _profile_gets(inbox.stub, PSID) == []  # the pipeline never asks the platform
    token = token_for(ADMIN, "admin")
    body = call("GET", f"/api/threads/{thread_id}/customer", token=token).body
    assert body["name"] == "Ana Lopez"
    assert body["profile"]["picture_url"] == "https://platform-lookaside.fbsbx.com/ana.jpg"
    assert body["profile"]["name"] == "Ana Lopez" and body["profile"]["fetched_at"]
    (asked,) = _profile_gets(inbox.stub, PSID)
    assert asked.endswith(f"/v25.0/{PSID}?fields=first_name%2Clast_name%2Cprofile_pic")
    assert inbox.stub.get_auth[-1] == "Bearer fb-access-token"
    stored = person.get(resource_names(), body["id"]) or {}
    assert stored["profile"]["name"] == "Ana Lopez" and stored["profile"]["channel"] == "facebook"

    # kept: the next reads (the thread's panel, the customer page) do not ask again
    assert call("GET", f"/api/customers/{body['id']}", token=token).body["name"] == "Ana Lopez"
    assert len(_profile_gets(inbox.stub, PSID)) == 1
    # refreshed after the refresh period, with the new name
    inbox.stub.profiles[PSID] = {"first_name": "Ana", "last_name": "Lopez-Diaz"}
    inbox.clock.advance(days=profile_due.REFRESH.days, seconds=1)
    token = token_for(ADMIN, "admin", now=inbox.clock.now)
    assert call("GET", f"/api/customers/{body['id']}", token=token).body["name"] == "Ana Lopez-Diaz"
    assert len(_profile_gets(inbox.stub, PSID)) == 2


def test_a_refused_profile_leaves_the_id_shown_and_is_retried_only_after_the_retry_period(inbox: Any) -> None:
    inbox.stub.profiles[PSID] = Answer(status=400, body=graph_error(
        100, "(#100) No profile available for this user.", subcode=2018218))
    thread_id = _messenger_customer(inbox)
    token = token_for(ADMIN, "admin")
    body = call("GET", f"/api/threads/{thread_id}/customer", token=token).body
    assert body["name"] == PSID and body["profile"] is None
    stored = person.get(resource_names(), body["id"]) or {}
    assert stored[profile_due.TRIED_AT] and "profile" not in stored
    assert call("GET", f"/api/customers/{body['id']}", token=token).body["name"] == PSID
    assert len(_profile_gets(inbox.stub, PSID)) == 1  # not asked on every read
    inbox.stub.profiles[PSID] = {"first_name": "Ana"}
    inbox.clock.advance(seconds=profile_due.RETRY_AFTER.total_seconds() + 1)
    token = token_for(ADMIN, "admin", now=inbox.clock.now)
    assert call("GET", f"/api/customers/{body['id']}", token=token).body["name"] == "Ana"
    assert len(_profile_gets(inbox.stub, PSID)) == 2


def test_a_teammate_who_may_not_see_the_customer_triggers_no_fetch(inbox: Any) -> None:
    inbox.stub.profiles[PSID] = {"first_name": "Ana"}
    thread_id = _messenger_customer(inbox)
    admin = call("GET", f"/api/threads/{thread_id}/customer", token=token_for(ADMIN, "admin"))
    inbox.clock.advance(days=30)  # due again
    thread = thread_of(PSID, channel="facebook", account="page-1")
    outsider = "cho" if (thread.get("team") or thread.get("queued_team")) != "accounts" else "ana"
    found = call("GET", f"/api/customers/{admin.body['id']}", token=token_for(outsider, now=inbox.clock.now))
    assert found.status == 404
    assert len(_profile_gets(inbox.stub, PSID)) == 1
