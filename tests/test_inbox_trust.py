"""Trust: the roster decides who may act on every request, one person's sessions end, agents see their teams only."""

from __future__ import annotations

import threading
from datetime import timedelta

import jwt
from inbox_support import call, deliver, thread_of, token_for
from pipeline_support import NOW, inbound

from siu_core.store import audit, roster


def _admins(*ids: str) -> None:
    """Make these teammates admins in the roster table (as an earlier roster edit would have)."""
    roster.seed([roster.get(i).model_copy(update={"role": "admin"}) for i in ids], overwrite=True)


def test_a_demoted_admin_loses_admin_rights_on_the_next_request_and_cannot_promote_themself(inbox) -> None:
    _admins("mei", "cho")
    mei = token_for("mei")
    assert call("GET", "/api/roster", token=mei).status == 200
    demoted = call("PUT", "/api/roster/mei", token=token_for("cho"), body={"role": "agent"})
    assert demoted.status == 200
    refused = call("GET", "/api/roster", token=mei)  # the same, still valid token
    assert (refused.status, refused.code) == (403, "forbidden")
    again = call("PUT", "/api/roster/mei", token=mei, body={"role": "admin"})
    assert again.status == 403 and roster.get("mei").role == "agent"
    assert call("GET", "/api/me", token=mei).body["role"] == "agent"


def test_a_promotion_applies_to_the_next_request_too(inbox) -> None:
    _admins("mei")
    ana = token_for("ana")
    assert call("GET", "/api/roster", token=ana).status == 403
    assert call("PUT", "/api/roster/ana", token=token_for("mei"), body={"role": "admin"}).status == 200
    assert call("GET", "/api/roster", token=ana).status == 200


def test_deactivation_refuses_every_request_and_ends_the_sessions(inbox) -> None:
    _admins("mei")
    ana = token_for("ana")
    off = call("PUT", "/api/roster/ana", token=token_for("mei"), body={"active": False})
    assert off.status == 200 and off.body["teammate"]["active"] is False
    refused = call("GET", "/api/me", token=ana)
    assert (refused.status, refused.code) == (401, "revoked_token")
    back = call("PUT", "/api/roster/ana", token=token_for("mei"), body={"active": True})
    assert back.status == 200
    assert call("GET", "/api/me", token=ana).code == "revoked_token"  # reactivated: a new link is needed
    assert call("GET", "/api/me", token=token_for("ana")).status == 200


def test_a_deactivated_teammate_with_a_current_token_is_refused_and_takes_no_threads(inbox) -> None:
    roster.seed([roster.get("ana").model_copy(update={"active": False})], overwrite=True)  # e.g. a config push
    refused = call("GET", "/api/me", token=token_for("ana"))
    assert (refused.status, refused.code) == (403, "deactivated")
    deliver([inbound("m1", "Where is my order?")], inbox.config)
    assert thread_of()["assignee"] == "ben"


def test_removal_from_the_roster_applies_at_once(inbox) -> None:
    from siu_core.aws import clients

    ana = token_for("ana")
    assert call("GET", "/api/me", token=ana).status == 200
    clients.dynamodb().delete_item(TableName=roster.table(), Key={"assignee": {"S": "ana"}})
    refused = call("GET", "/api/me", token=ana)
    assert (refused.status, refused.code) == (403, "not_on_roster")


def test_an_admin_signs_one_teammate_out_everywhere_and_nobody_else(inbox) -> None:
    _admins("mei")
    ana1, ana2, ben = token_for("ana"), token_for("ana", ttl=timedelta(hours=2)), token_for("ben")
    done = call("POST", "/api/roster/ana/sign-out", token=token_for("mei"))
    assert done.status == 200 and done.body == {"teammate": "ana", "signed_out": True, "session_generation": 1}
    for token in (ana1, ana2):
        refused = call("GET", "/api/queue", token=token)
        assert (refused.status, refused.code) == (401, "revoked_token")
        assert refused.headers["www-authenticate"].startswith("Bearer")
    assert call("GET", "/api/queue", token=ben).status == 200
    assert call("GET", "/api/me", token=token_for("ana")).status == 200  # a new token works
    rows = audit.for_scope(audit.roster_scope("ana"))
    assert [(r["action"], r["by"]) for r in rows] == [("sessions_revoked", "user:mei")]
    assert call("POST", "/api/roster/ana/sign-out", token=ben).status == 403
    assert call("POST", "/api/roster/zed/sign-out", token=token_for("mei")).status == 404


def test_signing_out_ends_my_own_sessions(inbox) -> None:
    ana, other_device = token_for("ana"), token_for("ana")
    assert call("POST", "/api/me/sign-out", token=ana).status == 200
    assert call("GET", "/api/me", token=other_device).code == "revoked_token"
    assert call("POST", "/api/me/sign-out", token=ana).code == "revoked_token"


def test_a_roster_edit_keeps_the_session_generation(inbox) -> None:
    _admins("mei")
    call("POST", "/api/roster/ana/sign-out", token=token_for("mei"))
    ana = token_for("ana")
    assert call("PUT", "/api/roster/ana", token=token_for("mei"), body={"status": "away"}).status == 200
    roster.seed([roster.get("ben")], overwrite=True)
    assert roster.member("ana").generation == 1
    assert call("GET", "/api/me", token=ana).status == 200


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(inbox) -> None:
    _admins("mei")
    mei = token_for("mei")
    for body in ({"role": "agent"}, {"active": False}):
        refused = call("PUT", "/api/roster/mei", token=mei, body=body)
        assert (refused.status, refused.code) == (409, "last_admin"), body
    assert roster.get("mei").role == "admin" and roster.get("mei").active
    _admins("cho")
    assert call("PUT", "/api/roster/mei", token=mei, body={"role": "agent"}).status == 200


def test_two_admins_demoting_each_other_at_once_leave_one_admin(inbox) -> None:
    _admins("mei", "cho")
    tokens = {"mei": token_for("mei"), "cho": token_for("cho")}
    start = threading.Barrier(2)
    answers: dict[str, int] = {}

    def demote(me: str, other: str) -> None:
        start.wait()
        answers[me] = call("PUT", f"/api/roster/{other}", token=tokens[me], body={"role": "agent"}).status

    workers = [threading.Thread(target=demote, args=pair) for pair in (("mei", "cho"), ("cho", "mei"))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    admins = [e.id for e in roster.all_entries() if e.role == "admin" and e.active]
    assert len(admins) == 1, (answers, admins)
    assert sorted(answers.values())[0] == 200


def test_a_token_longer_than_the_cap_is_refused_whoever_signed_it(inbox) -> None:
    from siu_core.auth import ALGORITHM, AUDIENCE, ISSUER, key_id, read_signing_key

    key = read_signing_key()
    issued = int(NOW.timestamp())
    long_lived = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": "ana", "gen": 0, "iat": issued,
                             "exp": issued + 400 * 86400}, key, algorithm=ALGORITHM, headers={"kid": key_id(key)})
    refused = call("GET", "/api/me", token=long_lived)
    assert (refused.status, refused.code) == (401, "invalid_token") and "30-day" in refused.body["error"]["message"]


def test_after_a_rotation_new_tokens_work_at_once(inbox) -> None:
    from siu_core.auth import rotate_signing_key

    old = token_for("ana")
    assert call("GET", "/api/me", token=old).status == 200  # the process holds the old key now
    rotate_signing_key()
    assert call("GET", "/api/me", token=token_for("ana")).status == 200


def test_agents_see_other_teams_threads_of_a_customer_only_as_a_count(inbox) -> None:
    _admins("mei")
    deliver([inbound("m1", "Where is my order?", at=NOW - timedelta(days=20))], inbox.config)
    first = thread_of()["thread_id"]
    inbox.clock.now = NOW - timedelta(days=19)
    assert call("POST", f"/api/threads/{first}/close", token=token_for("mei", now=inbox.clock.now)).status == 200
    inbox.clock.now = NOW
    deliver([inbound("m2", "I was charged twice, please refund the invoice")], inbox.config)
    second = thread_of()["thread_id"]
    assert second != first
    cho = call("GET", f"/api/threads/{second}", token=token_for("cho")).body  # accounts: not on care
    assert cho["history"] == [] and cho["history_hidden"] == 1
    assert first not in str(cho) and "Where is my order" not in str(cho)
    ana = call("GET", f"/api/threads/{first}", token=token_for("ana")).body  # care
    assert ana["history"] == [] and ana["history_hidden"] == 1
    mei = call("GET", f"/api/threads/{second}", token=token_for("mei")).body
    assert [t["id"] for t in mei["history"]] == [first] and mei["history_hidden"] == 0


def test_every_403_is_logged_with_the_actor_and_counted(inbox, monkeypatch) -> None:
    import io
    import json

    from siu_core import obs

    stream = io.StringIO()  # Powertools holds the stream it was created with
    monkeypatch.setattr(obs.get_logger("inbox").registered_handler, "stream", stream)
    counted: list[str] = []
    monkeypatch.setattr(obs, "metric", lambda name, *a, **k: counted.append(name))
    refused = call("GET", "/api/roster", token=token_for("ana"))
    assert refused.status == 403
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    logged = [line for line in lines if line.get("message") == "request forbidden"]
    assert len(logged) == 1
    assert (logged[0]["user"], logged[0]["role"], logged[0]["path"], logged[0]["level"]) == (
        "ana", "agent", "/api/roster", "WARNING")
    assert counted == ["Forbidden"]
