"""Internal notes and @mentions through the inbox API under moto: never sent, audited, a read grant, notified."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from inbox_support import SlackStub, call, deliver, slack_server, thread_of, token_for
from pipeline_support import dump_state, inbound

from siu_core.store import audit, threads


@pytest.fixture
def slack() -> Iterator[SlackStub]:
    """A Slack stand-in on loopback."""
    yield from slack_server()


def _opt_in_to_slack(who: str) -> None:
    """Slack direct messages are opt-in (the teammate's preferences)."""
    prefs = call("GET", "/api/me/preferences", token=token_for(who)).body["preferences"]
    assert call("PUT", "/api/me/preferences", token=token_for(who), body={**prefs, "slack": True}).status == 200


def _accounts_thread(inbox) -> str:
    deliver([inbound("m1", "I was charged twice, refund please")], inbox.config)  # billing -> accounts
    return str(thread_of()["thread_id"])


def test_a_note_is_stored_shown_apart_audited_and_never_sent(inbox) -> None:
    tid = _accounts_thread(inbox)
    cho = token_for("cho")
    added = call("POST", f"/api/threads/{tid}/notes", token=cho, body={"text": "Refund is pending with the bank."})
    assert added.status == 201, added.body
    note = added.body["note"]
    assert note["kind"] == "note" and note["by"] == "cho" and note["mentions"] == []
    detail = call("GET", f"/api/threads/{tid}", token=cho).body
    assert [n["text"] for n in detail["notes"]] == ["Refund is pending with the bank."]
    assert all("Refund is pending" not in (m.get("text") or "") for m in detail["messages"])
    assert inbox.stub.calls == []  # nothing reached the platform
    (row,) = [r for r in audit.for_scope(tid) if r["action"] == "note_added"]
    assert row["by"] == "user:cho" and row["after"]["chars"] == len("Refund is pending with the bank.")
    assert "Refund" not in str(row)  # the audit keeps who and when, not the words


def test_a_mention_notifies_and_lets_another_team_read_but_not_act(inbox) -> None:
    tid = _accounts_thread(inbox)
    ana = token_for("ana")  # care: cannot see accounts' thread
    assert call("GET", f"/api/threads/{tid}", token=ana).status == 403
    assert call("GET", "/api/notifications", token=ana).body["notifications"] == []
    added = call("POST", f"/api/threads/{tid}/notes", token=token_for("cho"),
                 body={"text": "@ana did this customer call care yesterday? cc @Mei. IG @kofi_shop"})
    assert added.status == 201
    assert added.body["mentioned"] == ["ana", "mei"] and added.body["unknown_mentions"] == ["kofi_shop"]
    (notice,) = call("GET", "/api/notifications", token=ana).body["notifications"]
    assert notice["thread_id"] == tid and notice["by"] == "cho" and notice["kind"] == "mention"
    assert notice["read"] is False and notice["note_id"] == added.body["note"]["id"]
    seen = call("GET", f"/api/threads/{tid}", token=ana)
    assert seen.status == 200 and seen.body["can_act"] is False
    assert call("POST", f"/api/threads/{tid}/close", token=ana, body={}).status == 403
    answered = call("POST", f"/api/threads/{tid}/notes", token=ana, body={"text": "Yes, about the same charge."})
    assert answered.status == 201  # a mentioned teammate can answer in a note
    assert threads.get(tid)["note_count"] == 2
    assert call("GET", "/api/notifications", token=token_for("ben")).body["notifications"] == []


def test_a_retry_with_the_same_key_adds_one_note(inbox) -> None:
    tid = _accounts_thread(inbox)
    cho = token_for("cho")
    first = call("POST", f"/api/threads/{tid}/notes", token=cho, body={"text": "@mei please look"},
                 headers={"Idempotency-Key": "note-1"})
    again = call("POST", f"/api/threads/{tid}/notes", token=cho, body={"text": "@mei please look"},
                 headers={"Idempotency-Key": "note-1"})
    assert (first.status, again.status) == (201, 200)
    assert again.body["note"]["id"] == first.body["note"]["id"]
    assert len(call("GET", f"/api/threads/{tid}", token=cho).body["notes"]) == 1
    assert len(call("GET", "/api/notifications", token=token_for("mei")).body["notifications"]) == 1
    other = call("POST", f"/api/threads/{tid}/notes", token=cho, body={"text": "something else"},
                 headers={"Idempotency-Key": "note-1"})
    assert (other.status, other.code) == (422, "idempotency_key_reused")


def test_refused_notes_change_nothing(inbox) -> None:
    tid = _accounts_thread(inbox)
    before = dump_state(include_s3=False)
    ana = token_for("ana")
    assert call("POST", f"/api/threads/{tid}/notes", token=ana, body={"text": "hello"}).status == 403
    cho = token_for("cho")
    for body in ({}, {"text": ""}, {"text": "\u200b "}, {"text": "x" * 4001}, {"text": "hi", "to": "ana"}):
        assert call("POST", f"/api/threads/{tid}/notes", token=cho, body=body).status == 422, body
    assert call("POST", "/api/threads/nope/notes", token=cho, body={"text": "hi"}).status == 404
    assert call("POST", f"/api/threads/{tid}/notes", body={"text": "hi"}).status == 401
    assert dump_state(include_s3=False) == before


def test_a_mentioned_teammate_with_a_slack_id_gets_a_direct_message(inbox, slack) -> None:
    from siu_core.notify import Notifier

    tid = _accounts_thread(inbox)
    inbox.services.notifier = Notifier(token="xoxb-test", base_url=slack.url)
    admin = token_for("boss", "admin")
    assert call("PUT", "/api/roster/ana", token=admin, body={"slack_user": "U012ABCDEF"}).status == 200
    assert call("PUT", "/api/roster/ana", token=admin, body={"slack_user": "not-an-id"}).status == 422
    _opt_in_to_slack("ana")
    added = call("POST", f"/api/threads/{tid}/notes", token=token_for("cho"),
                 body={"text": "@ana @mei secret refund details here"}, headers={"Idempotency-Key": "n-1",
                                                                                 "Host": "inbox.example"})
    assert added.status == 201 and added.body["slack"] == ["ana"]  # mei has no Slack id
    (post,) = slack.posts
    assert post["body"]["channel"] == "U012ABCDEF"
    assert f"https://inbox.example/inbox/#/queue/{tid}" in post["body"]["text"]
    assert "refund" not in post["body"]["text"]  # a link, never the note's words
    again = call("POST", f"/api/threads/{tid}/notes", token=token_for("cho"),
                 body={"text": "@ana @mei secret refund details here"}, headers={"Idempotency-Key": "n-1"})
    assert again.status == 200 and again.body["slack"] == [] and len(slack.posts) == 1


def test_slack_refusing_loses_no_note(inbox, slack) -> None:
    from siu_core.notify import Notifier

    tid = _accounts_thread(inbox)
    inbox.services.notifier = Notifier(token="xoxb-test", base_url=slack.url)
    admin = token_for("boss", "admin")
    assert call("PUT", "/api/roster/ana", token=admin, body={"slack_user": "U012ABCDEF"}).status == 200
    _opt_in_to_slack("ana")
    slack.errors.append("channel_not_found")
    added = call("POST", f"/api/threads/{tid}/notes", token=token_for("cho"), body={"text": "@ana look"})
    assert added.status == 201 and added.body["slack"] == [] and added.body["mentioned"] == ["ana"]
    assert len(call("GET", "/api/notifications", token=token_for("ana")).body["notifications"]) == 1


def test_a_mentioned_teammate_who_did_not_opt_in_gets_no_slack_message(inbox, slack) -> None:
    from siu_core.notify import Notifier

    tid = _accounts_thread(inbox)
    inbox.services.notifier = Notifier(token="xoxb-test", base_url=slack.url)
    admin = token_for("boss", "admin")
    assert call("PUT", "/api/roster/ana", token=admin, body={"slack_user": "U012ABCDEF"}).status == 200
    added = call("POST", f"/api/threads/{tid}/notes", token=token_for("cho"), body={"text": "@ana look"})
    assert added.status == 201 and added.body["slack"] == [] and slack.posts == []
