"""Saved replies through the inbox API under moto: scopes like threads, variables filled per thread, audited."""

from __future__ import annotations

from inbox_support import call, deliver, thread_of, token_for
from pipeline_support import dump_state, inbound

from siu_core.models import Participant
from siu_core.store import audit


def _save(token: str, **body: object) -> object:
    return call("POST", "/api/saved-replies", token=token, body=body)


def _names(token: str) -> list[str]:
    answer = call("GET", "/api/saved-replies", token=token)
    assert answer.status == 200, answer.body
    return [r["name"] for r in answer.body["saved_replies"]]


def test_create_read_back_and_fill_for_a_thread(inbox) -> None:
    named = inbound("m1", "Where is my order?")
    deliver([named.model_copy(update={"customer": Participant(id="cust-1", name="Mei Lin")})], inbox.config)
    tid = thread_of()["thread_id"]
    ana = token_for("ana")
    created = _save(ana, name="Hello", text="Hi {{customer.first_name}}, {{teammate.first_name}} here ({{thread.id}}).",
                    scope="team", team="care")
    assert created.status == 201, created.body
    assert created.body["version"] == 1 and created.body["can_edit"] is True
    assert created.body["variables"] == ["customer.first_name", "teammate.first_name", "thread.id"]
    listed = call("GET", "/api/saved-replies", token=ana, query=f"thread={tid}").body
    (reply,) = listed["saved_replies"]
    assert reply["id"] == created.body["id"] and reply["filled"] == f"Hi Mei, Ana here ({tid})."
    assert "customer.first_name" in listed["variables"]
    rows = audit.for_scope(f"saved-reply#{reply['id']}")
    assert [r["action"] for r in rows] == ["saved_reply_created"] and rows[0]["by"] == "user:ana"


def test_a_missing_value_is_reported_instead_of_filled(inbox) -> None:
    deliver([inbound("m1", "Where is my order?")], inbox.config)  # the platform gave no name
    tid = thread_of()["thread_id"]
    ana = token_for("ana")
    assert _save(ana, name="Hi", text="Hi {{customer.first_name}}").status == 201
    (reply,) = call("GET", "/api/saved-replies", token=ana, query=f"thread={tid}").body["saved_replies"]
    assert reply["filled"] is None and "customer.first_name" in reply["problem"]


def test_an_unknown_variable_is_refused_when_saved_and_nothing_is_stored(inbox) -> None:
    ana = token_for("ana")
    before = dump_state(include_s3=False)
    refused = _save(ana, name="Typo", text="Hi {{customer.firstname}}")
    assert (refused.status, refused.code) == (422, "invalid_request")
    assert refused.body["error"]["unknown"] == ["customer.firstname"]
    assert dump_state(include_s3=False) == before


def test_scopes_decide_who_sees_and_who_edits(inbox) -> None:
    ana, ben, cho, boss = token_for("ana"), token_for("ben"), token_for("cho"), token_for("boss", "admin")
    assert _save(ana, name="Mine", text="personal").status == 201
    assert _save(ana, name="Care", text="team", scope="team", team="care").status == 201
    assert _save(boss, name="All", text="everyone", scope="everyone").status == 201
    refused = _save(ana, name="All 2", text="x", scope="everyone")
    assert (refused.status, refused.code) == (403, "forbidden")
    other_team = _save(ana, name="Acc", text="x", scope="team", team="accounts")
    assert other_team.status == 403
    assert _names(ana) == ["All", "Care", "Mine"]
    assert _names(ben) == ["All", "Care"]
    assert _names(cho) == ["All"]
    assert _names(boss) == ["All", "Care"]  # admins see every team's, never someone's personal replies
    everyone = next(r for r in call("GET", "/api/saved-replies", token=ben).body["saved_replies"] if r["name"] == "All")
    assert everyone["can_edit"] is False
    denied = call("PUT", f"/api/saved-replies/{everyone['id']}", token=ben,
                  body={"name": "All", "text": "changed", "scope": "everyone"})
    assert denied.status == 403
    mine = next(r for r in call("GET", "/api/saved-replies", token=ana).body["saved_replies"] if r["name"] == "Mine")
    assert call("DELETE", f"/api/saved-replies/{mine['id']}", token=ben).status == 404  # not even visible


def test_an_edit_names_the_version_it_saw(inbox) -> None:
    ana, ben = token_for("ana"), token_for("ben")
    rid = _save(ana, name="Care", text="v1", scope="team", team="care").body["id"]
    edited = call("PUT", f"/api/saved-replies/{rid}", token=ben,
                  body={"name": "Care", "text": "v2", "scope": "team", "team": "care", "version": 1})
    assert edited.status == 200 and edited.body["version"] == 2 and edited.body["text"] == "v2"
    stale = call("PUT", f"/api/saved-replies/{rid}", token=ana,
                 body={"name": "Care", "text": "v2 from ana", "scope": "team", "team": "care", "version": 1})
    assert (stale.status, stale.code) == (409, "saved_reply_changed")
    assert call("DELETE", f"/api/saved-replies/{rid}", token=ana, query="version=1").status == 409
    gone = call("DELETE", f"/api/saved-replies/{rid}", token=ana, query="version=2")
    assert gone.status == 200 and gone.body == {"deleted": rid}
    assert _names(ana) == []
    assert sorted(r["action"] for r in audit.for_scope(f"saved-reply#{rid}")) == [  # one clock tick: by name
        "saved_reply_created", "saved_reply_deleted", "saved_reply_updated"]
    assert call("DELETE", f"/api/saved-replies/{rid}", token=ana).status == 404


def test_bad_bodies_are_422(inbox) -> None:
    ana = token_for("ana")
    for body in ({"name": "x"}, {"name": "x", "text": "   "}, {"name": "x", "text": "y", "scope": "team"},
                 {"name": "x", "text": "y", "team": "care"}, {"name": "x", "text": "y" * 4097},
                 {"name": "x", "text": "y", "extra": 1}, {"name": "x", "text": "y", "scope": "team", "team": "nope"},
                 {"name": "x", "text": "y", "version": 3}):
        answer = _save(ana, **body)
        assert answer.status == 422, (body, answer.body)
    assert call("GET", "/api/saved-replies", token=ana, query="thread=nope").status == 404


def test_a_thread_of_another_team_cannot_be_used_to_fill(inbox) -> None:
    deliver([inbound("m1", "I was charged twice, refund please")], inbox.config)  # billing -> accounts
    tid = thread_of()["thread_id"]
    answer = call("GET", "/api/saved-replies", token=token_for("ana"), query=f"thread={tid}")
    assert answer.status == 403
