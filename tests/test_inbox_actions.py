"""Close, reassign, claim and label corrections through the API: one transaction each, counters exact."""

from __future__ import annotations

from datetime import timedelta

from inbox_support import (
    actor_of,
    atomic_dynamodb,
    audit_actions,
    call,
    concurrently,
    deliver,
    thread_of,
    token_for,
)
from pipeline_support import NOW, counters, dump_state, inbound, open_rows_by_assignee, open_threads_by_assignee

from siu_core.store import assignments, corrections, loadcount, roster


def invariant() -> None:
    """Counters always equal open assigned threads (and open assignment rows)."""
    assert counters() == open_threads_by_assignee() == open_rows_by_assignee()


def post(tid: str, action: str, user: str, role: str = "agent", body=None):
    return call("POST", f"/api/threads/{tid}/{action}", token=token_for(user, role), body=body)


def test_close_ends_the_assignment_and_drops_the_counter_once(inbox) -> None:
    deliver([inbound("m1", "Where is my order?")], inbox.config)
    thread = thread_of()
    tid, who = thread["thread_id"], thread["assignee"]
    assert loadcount.get(who).open_threads == 1
    closed = post(tid, "close", who)
    assert closed.status == 200 and closed.body["thread"]["status"] == "closed" and closed.body["changed"]
    assert loadcount.get(who).open_threads == 0 and "closed" in audit_actions(tid)
    again = post(tid, "close", who)
    assert (again.status, again.code) == (409, "thread_closed")
    assert loadcount.get(who).open_threads == 0
    invariant()


def test_twenty_concurrent_closes_decrement_once(inbox, monkeypatch) -> None:
    atomic_dynamodb(monkeypatch)
    deliver([inbound("m1", "Where is my order?"), inbound("m2", "Tracking please", customer="cust-2")], inbox.config)
    thread = thread_of()
    tid, who = thread["thread_id"], thread["assignee"]
    before = counters()
    token = token_for(who)
    from siu_core.handlers import inbox as handler
    from siu_core.inbox import actions
    from siu_core.inbox.errors import ApiError

    actor = actor_of(who)

    def close(i: int):
        try:
            return actions.close(handler.services(), actor, tid)["changed"]
        except ApiError as exc:
            return exc.code

    results = concurrently(20, close)
    odd = [r for r in results if r is not True and r != "thread_closed"]
    assert results.count(True) == 1 and results.count("thread_closed") == 19, odd
    after = counters()
    assert after.get(who, 0) == before[who] - 1
    assert audit_actions(tid).count("closed") == 1
    invariant()
    assert call("POST", f"/api/threads/{tid}/close", token=token).status == 409


def test_reassign_moves_both_counters_and_checks_the_target(inbox) -> None:
    deliver([inbound("m1", "Where is my order?")], inbox.config)
    thread = thread_of()
    tid, who = thread["thread_id"], thread["assignee"]
    other = "ben" if who == "ana" else "ana"
    before = dump_state(include_s3=False)
    for to, user, role, status, code in [
        ("nobody", who, "agent", 409, "ineligible_target"),
        ("cho", who, "agent", 409, "ineligible_target"),  # agents stay inside the thread's team
        (other, other, "agent", 403, "forbidden"),  # not theirs to give away
        (other, "cho", "agent", 403, "forbidden"),
    ]:
        refused = post(tid, "reassign", user, role, {"to": to})
        assert (refused.status, refused.code) == (status, code), (to, user, refused.body)
    roster.set_status(other, "off", by="user:test", at=NOW)
    off = post(tid, "reassign", who, body={"to": other})
    assert (off.status, off.code) == (409, "ineligible_target")
    roster.set_status(other, "available", by="user:test", at=NOW)
    before = dump_state(include_s3=False)
    assert post(tid, "reassign", who, body={"to": who}).body["changed"] is False
    assert dump_state(include_s3=False) == before
    moved = post(tid, "reassign", who, body={"to": other})
    assert moved.status == 200 and moved.body["thread"]["assignee"] == other
    assert counters() == {other: 1}
    across = post(tid, "reassign", "boss", "admin", {"to": "cho"})
    assert across.status == 200 and counters() == {"cho": 1}
    assert audit_actions(tid).count("assigned") == 3
    invariant()
    post(tid, "close", "cho")
    assert post(tid, "reassign", "boss", "admin", {"to": "ana"}).code == "thread_closed"
    invariant()


def test_claim_takes_an_unassigned_thread_of_my_team_once(inbox) -> None:
    for who in ("ana", "ben", "mei"):
        roster.set_status(who, "off", by="user:test", at=NOW)
    deliver([inbound("m1", "Where is my order?")], inbox.config)
    tid = thread_of()["thread_id"]
    assert thread_of().get("assignee") is None and len(assignments.unassigned("care")) == 1
    assert post(tid, "claim", "cho").code == "forbidden"  # accounts, not care
    assert post(tid, "claim", "ben").code == "ineligible_target"  # off
    assert post(tid, "claim", "boss", "admin").code == "ineligible_target"  # not on the roster
    roster.set_status("ben", "available", by="user:test", at=NOW)
    roster.set_status("ana", "available", by="user:test", at=NOW)
    claimed = post(tid, "claim", "ben")
    assert claimed.status == 200 and claimed.body["thread"]["assignee"] == "ben"
    assert post(tid, "claim", "ben").body["changed"] is False
    late = post(tid, "claim", "ana")
    assert (late.status, late.code) == (409, "already_assigned")
    assert counters() == {"ben": 1} and assignments.unassigned("care") == []
    assert "assigned" in audit_actions(tid)
    invariant()


def test_concurrent_claims_give_the_thread_to_one_teammate(inbox, monkeypatch) -> None:
    atomic_dynamodb(monkeypatch)
    for who in ("ana", "ben", "mei"):
        roster.set_status(who, "off", by="user:test", at=NOW)
    deliver([inbound("m1", "Where is my order?")], inbox.config)
    tid = thread_of()["thread_id"]
    for who in ("ana", "ben"):
        roster.set_status(who, "available", by="user:test", at=NOW)
    from siu_core.handlers import inbox as handler
    from siu_core.inbox import actions
    from siu_core.inbox.errors import ApiError

    def claim(i: int):
        who = ("ana", "ben")[i % 2]
        try:
            actions.claim(handler.services(), actor_of(who), tid)
            return who
        except ApiError as exc:
            return exc.code

    results = concurrently(10, claim)
    winners = {r for r in results if r in ("ana", "ben")}
    assert len(winners) == 1, results
    assert sum(counters().values()) == 1
    invariant()


def test_label_corrections_are_audited_and_kept_for_the_review(inbox) -> None:
    deliver([inbound("m1", "Where is my order?")], inbox.config)
    thread = thread_of()
    tid, who = thread["thread_id"], thread["assignee"]
    assert post(tid, "labels", who, body={"topic": "astrology"}).code == "invalid_request"
    assert post(tid, "labels", who, body={}).code == "invalid_body"
    assert post(tid, "labels", "cho", body={"topic": "billing"}).code == "forbidden"
    inbox.clock.advance(minutes=1)
    fixed = post(tid, "labels", who, body={"topic": "billing", "urgency": "urgent"})
    assert fixed.status == 200 and fixed.body["before"] == {"topic": "shipping", "urgency": "normal"}
    assert fixed.body["thread"]["labels"]["topic"] == "billing" and fixed.body["thread"]["labels"]["corrected"]
    assert post(tid, "labels", who, body={"topic": "billing"}).body["changed"] is False
    stored = thread_of()
    assert stored["original_labels"] == {"topic": "shipping", "urgency": "normal", "labeler": "rules"}
    assert "labels_corrected" in audit_actions(tid)
    found = corrections.since(NOW)
    assert [(c.thread_id, c.after["topic"], c.original["topic"]) for c in found] == [(tid, "billing", "shipping")]
    assert corrections.since(NOW + timedelta(minutes=2)) == []
    # a closed thread can still be corrected (it reviews the past)
    post(tid, "close", who)
    assert post(tid, "labels", who, body={"urgency": "normal"}).status == 200
    assert len(corrections.since(NOW)) == 2
    invariant()


class _Model:
    """A labeler standing in for the model: fixed labels (or a fallback), calls recorded."""

    name = "bedrock:test-model"

    def __init__(self, *, topic: str = "billing", urgency: str = "urgent", fallback: bool = False) -> None:
        self.topic, self.urgency, self.fallback = topic, urgency, fallback
        self.seen: list[str] = []

    def label_batch(self, items):
        from siu_core.models import Labels

        self.seen += [item.text for item in items]
        return [Labels(topic="other" if self.fallback else self.topic, urgency=self.urgency, language="en",
                       summary="Asks about a double charge.", labeler="rules-fallback" if self.fallback else self.name,
                       fallback=self.fallback) for _ in items]


def test_a_relabel_asks_the_labeler_again_and_audits_the_change(inbox) -> None:
    deliver([inbound("m1", "Where is my order?", at=NOW - timedelta(minutes=6)),
             inbound("m2", "also I was charged twice", at=NOW - timedelta(minutes=5))], inbox.config)
    thread = thread_of()
    tid, who = thread["thread_id"], thread["assignee"]
    model = _Model()
    inbox.services.relabeler = model
    assert post(tid, "relabel", "cho").code == "forbidden"  # another team's teammate
    assert model.seen == []
    done = post(tid, "relabel", who)
    assert done.status == 200 and done.body["changed"] is True
    assert model.seen == ["Where is my order?\nalso I was charged twice"]  # the opener and the latest words
    assert done.body["before"] == {"topic": "shipping", "urgency": "normal", "language": "en", "labeler": "rules"}
    assert done.body["after"] == {"topic": "billing", "urgency": "urgent", "language": "en",
                                  "labeler": "bedrock:test-model"}
    stored = thread_of()
    assert (stored["topic"], stored["urgency"], stored["labeler"], stored["summary"]) == (
        "billing", "urgent", "bedrock:test-model", "Asks about a double charge.")
    assert stored["relabeled_by"] == f"user:{who}" and "relabeled" in audit_actions(tid)
    assert corrections.since(NOW - timedelta(days=1)) == []  # the labeler's answer, not a teammate's correction
    assert post(tid, "relabel", who).body["changed"] is False  # the same answer again changes nothing
    invariant()


def test_a_relabel_never_swaps_in_fallback_labels(inbox) -> None:
    deliver([inbound("m1", "Where is my order?")], inbox.config)
    tid, who = thread_of()["thread_id"], thread_of()["assignee"]
    before = dump_state()
    inbox.services.relabeler = _Model(fallback=True)
    refused = post(tid, "relabel", who)
    assert (refused.status, refused.code) == (503, "labeler_unavailable")
    assert dump_state() == before


def test_a_thread_without_text_has_nothing_to_relabel(inbox) -> None:
    from siu_core.models import Attachment

    deliver([inbound("m1", None, kind="image", attachments=[Attachment(type="image", media_id="1")])], inbox.config)
    tid, who = thread_of()["thread_id"], thread_of()["assignee"]
    inbox.services.relabeler = model = _Model()
    assert (post(tid, "relabel", who).status, model.seen) == (409, [])
    assert post("th_missing_1", "relabel", who).status == 404
