"""The inbox API's reads and admin endpoints under moto on a fixed clock: me, queue, thread, roster, audit."""

from __future__ import annotations

from datetime import timedelta

from inbox_support import (
    call,
    deliver,
    thread_of,
    token_for,
)
from pipeline_support import NOW, dump_state, inbound

from siu_core.store import roster


def test_every_endpoint_needs_a_valid_token(inbox) -> None:
    deliver([inbound("m1", "Where is my order?")], inbox.config)
    tid = thread_of()["thread_id"]
    endpoints = [("GET", "/api/me"), ("GET", "/api/queue"), ("GET", f"/api/threads/{tid}"),
                 ("POST", f"/api/threads/{tid}/reply"), ("POST", f"/api/threads/{tid}/reassign"),
                 ("POST", f"/api/threads/{tid}/close"), ("POST", f"/api/threads/{tid}/claim"),
                 ("POST", f"/api/threads/{tid}/labels"), ("GET", "/api/roster"), ("PUT", "/api/roster/zed"),
                 ("GET", "/api/audit")]
    before = dump_state(include_s3=False)
    for method, path in endpoints:
        missing = call(method, path, body={"text": "hi"})
        assert (missing.status, missing.code) == (401, "missing_token"), path
        assert missing.headers["www-authenticate"].startswith("Bearer")
        bad = call(method, path, token="nonsense", body={"text": "hi"})
        assert (bad.status, bad.code) == (401, "invalid_token"), path
    assert dump_state(include_s3=False) == before


def test_expired_tokens_and_people_off_the_roster_are_refused(inbox) -> None:
    token = token_for("ana", ttl=timedelta(hours=1))
    assert call("GET", "/api/me", token=token).status == 200
    inbox.clock.advance(hours=1)
    expired = call("GET", "/api/me", token=token)
    assert (expired.status, expired.code) == (401, "expired_token")
    stranger = call("GET", "/api/me", token=token_for("zed"))
    assert (stranger.status, stranger.code) == (403, "not_on_roster")
    boss = call("GET", "/api/me", token=token_for("boss", "admin"))  # bootstrapped onto the roster as an admin
    assert boss.status == 200 and boss.body["on_roster"] is True and boss.body["role"] == "admin"


def test_me_shows_roster_facts_and_the_live_load(inbox) -> None:
    deliver([inbound("m1", "Where is my order?")], inbox.config)
    me = call("GET", "/api/me", token=token_for("ana")).body
    channels = me.pop("channels")  # every installed channel's display data, from its plugin
    assert channels["whatsapp"]["name"] == "WhatsApp" and channels["whatsapp"]["accent_color"] == "#17803d"
    assert channels["facebook"]["name"] == "Messenger"  # the short name, not "Facebook Messenger"
    assert me == {"id": "ana", "role": "agent", "name": "Ana", "teams": ["care"], "status": "available",
                  "on_roster": True, "open_threads": 1, "time_zone": "Asia/Singapore",
                  "topics": inbox.config.topics, "all_teams": sorted(inbox.config.teams)}


def test_my_queue_lists_open_threads_newest_customer_message_first(inbox) -> None:
    deliver([inbound("m1", "Where is my order?", customer="c1", at=NOW - timedelta(minutes=30)),
             inbound("m2", "My parcel is late", customer="c2", at=NOW - timedelta(minutes=10)),
             inbound("m3", "Tracking number please", customer="c3", at=NOW - timedelta(minutes=20))], inbox.config)
    ana = call("GET", "/api/queue", token=token_for("ana")).body
    ben = call("GET", "/api/queue", token=token_for("ben")).body
    assert ana["count"] + ben["count"] == 3
    for queue in (ana, ben):
        times = [t["last_inbound_at"] for t in queue["threads"]]
        assert times == sorted(times, reverse=True)
        assert all(t["sla"]["due_at"] and not t["sla"]["breached"] for t in queue["threads"])
    closed = ana["threads"][0]["id"]
    assert call("POST", f"/api/threads/{closed}/close", token=token_for("ana")).status == 200
    assert closed not in [t["id"] for t in call("GET", "/api/queue", token=token_for("ana")).body["threads"]]


def test_queue_of_someone_else_is_for_admins_and_team_queues_for_the_team(inbox) -> None:
    for who in ("ana", "ben", "mei"):
        roster.set_status(who, "off", by="user:test", at=NOW)
    deliver([inbound("m1", "Where is my order?")], inbox.config)
    tid = thread_of()["thread_id"]
    assert call("GET", "/api/queue", token=token_for("ben"), query="assignee=ana").code == "forbidden"
    assert call("GET", "/api/queue", token=token_for("boss", "admin"), query="assignee=ana").status == 200
    care = call("GET", "/api/queue", token=token_for("ben"), query="team=care").body
    assert [t["id"] for t in care["threads"]] == [tid] and care["threads"][0]["assignee"] is None
    assert call("GET", "/api/queue", token=token_for("cho"), query="team=care").status == 403
    assert call("GET", "/api/queue", token=token_for("boss", "admin"), query="team=care").body["count"] == 1
    assert call("GET", "/api/queue", token=token_for("boss", "admin"), query="team=nope").status == 404
    both = call("GET", "/api/queue", token=token_for("boss", "admin"), query="team=care&assignee=ana")
    assert (both.status, both.code) == (422, "invalid_request")


def test_a_thread_shows_messages_labels_sla_history_and_window(inbox) -> None:
    early = NOW - timedelta(days=20)
    deliver([inbound("old1", "Where is my order?", at=early)], inbox.config, now=early + timedelta(minutes=1))
    old_tid = thread_of()["thread_id"]
    inbox.clock.now = early + timedelta(minutes=2)
    assert call("POST", f"/api/threads/{old_tid}/close", token=token_for("boss", "admin", now=early)).status == 200
    inbox.clock.now = NOW
    deliver([inbound("m1", "Where is my parcel?", at=NOW - timedelta(minutes=5))], inbox.config)
    tid = thread_of()["thread_id"]
    assert tid != old_tid
    body = call("GET", f"/api/threads/{tid}", token=token_for(thread_of()["assignee"])).body
    assert [m["text"] for m in body["messages"]] == ["Where is my parcel?"]
    assert body["messages"][0]["direction"] == "in" and body["labels"]["topic"] == "shipping"
    assert body["assignee"] in ("ana", "ben") and body["team"] == "care"
    assert body["sla"]["due_at"] == "2026-03-04T05:55:00Z" and body["sla"]["answered"] is False
    assert [h["id"] for h in body["history"]] == [old_tid]
    window = body["window"]
    assert window["state"] == "open" and window["open_until"] == "2026-03-05T01:55:00Z"
    assert window["allowed"] == ["text", "template"] and window["template_only"] is False
    assert window["templates"] == [{"name": "order_update", "language": "en_US", "param_count": 1}]
    assert window["human_agent"] == {"applies": False, "until": None}
    assert body["can_act"] is True


def test_thread_reads_are_scoped_to_the_team(inbox) -> None:
    deliver([inbound("m1", "Where is my order?")], inbox.config)
    tid = thread_of()["thread_id"]
    other = "ben" if thread_of()["assignee"] == "ana" else "ana"
    seen = call("GET", f"/api/threads/{tid}", token=token_for(other)).body
    assert seen["can_act"] is False
    assert call("GET", f"/api/threads/{tid}", token=token_for("cho")).status == 403
    missing = call("GET", "/api/threads/th_nope", token=token_for("ana"))
    assert (missing.status, missing.code) == (404, "not_found")


def test_long_threads_page_backwards_with_a_cursor(inbox) -> None:
    events = [inbound(f"m{i}", f"order question {i}", at=NOW - timedelta(minutes=30 - i)) for i in range(5)]
    deliver(events, inbox.config)
    tid = thread_of()["thread_id"]
    token = token_for("boss", "admin")
    first = call("GET", f"/api/threads/{tid}", token=token, query="limit=2").body
    assert [m["id"] for m in first["messages"]] == ["m3", "m4"]
    second = call("GET", f"/api/threads/{tid}", token=token, query=f"limit=2&before={first['before']}").body
    assert [m["id"] for m in second["messages"]] == ["m1", "m2"]
    assert call("GET", f"/api/threads/{tid}", token=token, query="before=garbage").status == 422
    assert call("GET", f"/api/threads/{tid}", token=token, query="limit=0").status == 422


def test_roster_is_admin_only_and_edits_are_validated_and_audited(inbox) -> None:
    deliver([inbound("m1", "Where is my order?")], inbox.config)
    assert call("GET", "/api/roster", token=token_for("ana")).status == 403
    admin = token_for("boss", "admin")
    listed = call("GET", "/api/roster", token=admin).body["roster"]
    assert [t["id"] for t in listed] == ["ana", "ben", "boss", "cho", "mei"]
    assert sum(t["open_threads"] for t in listed) == 1
    before = dump_state(include_s3=False)
    for body, problem in [
        ({"teams": ["care"]}, "needs name"),
        ({"name": "Zed", "teams": ["nope"]}, "unknown team"),
        ({"name": "Zed", "teams": ["care"], "backup": "nobody"}, "not on the roster"),
        ({"name": "Zed", "teams": ["care"], "backup": "zed"}, "own backup"),
        ({"name": "Zed", "teams": ["care"], "time_zone": "Mars/Base"}, "time zone"),
        ({"name": "Zed", "teams": ["care"], "working_hours": {"start": "25:00"}}, "24-hour"),
        ({"name": "Zed", "teams": ["care"], "salary": 1}, "unknown field"),
    ]:
        refused = call("PUT", "/api/roster/zed", token=admin, body=body)
        assert refused.status == 422 and problem in refused.body["error"]["message"], (body, refused.body)
    assert call("PUT", "/api/roster/zed", token=token_for("ana"), body={"name": "Zed", "teams": ["care"]}).status \
        == 403
    assert dump_state(include_s3=False) == before
    created = call("PUT", "/api/roster/zed", token=admin, body={
        "name": "Zed", "teams": ["care"], "capacity": 4, "backup": "mei", "time_zone": "Europe/Berlin",
        "working_hours": {"days": ["mon", "tue"], "start": "08:00", "end": "16:00", "time_zone": "Europe/Berlin"}})
    assert created.status == 200 and created.body["teammate"]["capacity"] == 4
    assert roster.get("zed") is not None and roster.get("zed").backup == "mei"
    away = call("PUT", "/api/roster/zed", token=admin, body={"status": "away"})
    assert away.body["changed"] is True and roster.get("zed").status == "away" and roster.get("zed").capacity == 4
    assert call("PUT", "/api/roster/zed", token=admin, body={"status": "away"}).body["changed"] is False
    trail = call("GET", "/api/audit", token=admin, query="teammate=zed").body["rows"]
    assert [r["action"] for r in trail] == ["roster_created", "roster_updated"]
    assert trail[1]["before"]["status"] == "available" and trail[1]["after"]["status"] == "away"
    assert trail[1]["by"] == "user:boss"


def test_audit_of_a_thread_is_admin_only(inbox) -> None:
    deliver([inbound("m1", "Where is my order?")], inbox.config)
    tid = thread_of()["thread_id"]
    admin = token_for("boss", "admin")
    rows = call("GET", "/api/audit", token=admin, query=f"thread={tid}").body["rows"]
    assert {"thread_opened", "message_in", "assigned"} <= {r["action"] for r in rows}
    assert call("GET", "/api/audit", token=token_for("ana"), query=f"thread={tid}").status == 403
    assert call("GET", "/api/audit", token=admin).status == 422


def test_bad_bodies_and_unknown_routes_answer_json_errors(inbox) -> None:
    deliver([inbound("m1", "Where is my order?")], inbox.config)
    tid = thread_of()["thread_id"]
    token = token_for("boss", "admin")
    before = dump_state(include_s3=False)
    for raw in (b"{", b"[]", b'{"to": 5}', b'{"to": "ana", "extra": 1}', b""):
        refused = call("POST", f"/api/threads/{tid}/reassign", token=token, raw=raw)
        assert refused.status == 422 and refused.body["error"]["code"] == "invalid_body", raw
    assert dump_state(include_s3=False) == before
    nowhere = call("GET", "/api/nowhere", token=token)
    assert nowhere.status == 404 and nowhere.body["error"]["code"] == "not_found"
    wrong_method = call("DELETE", f"/api/threads/{tid}", token=token)
    assert wrong_method.status == 405 and wrong_method.code == "method_not_allowed"


def test_every_endpoint_is_documented_and_routed(inbox) -> None:
    from pathlib import Path

    from siu_core.inbox.routes import ENDPOINTS

    doc = (Path(__file__).resolve().parent.parent / "docs" / "inbox-api.md").read_text(encoding="utf-8")
    for method, path in ENDPOINTS:
        assert f"### `{method} {path}`" in doc, (method, path)
        routed = call(method, path.replace("{id}", "x"), token=token_for("boss", "admin"), body={})
        assert not (routed.status == 404 and "no endpoint" in routed.body["error"]["message"]), (method, path)
    assert doc.count("### `") == len(ENDPOINTS)


def test_roster_ids_with_email_characters_round_trip(inbox) -> None:
    admin = token_for("boss", "admin")
    created = call("PUT", "/api/roster/li.na%2Bsg%40shop.example", token=admin,
                   body={"name": "Lina", "teams": ["care"]})
    assert created.status == 200 and created.body["teammate"]["id"] == "li.na+sg@shop.example"
    assert roster.get("li.na+sg@shop.example") is not None
    bad = call("PUT", "/api/roster/has%20space", token=admin, body={"name": "X", "teams": ["care"]})
    assert bad.status == 422


def test_queue_rows_preview_the_customers_newest_message(inbox) -> None:
    from pipeline_support import unsend

    from siu_core.inbox.views import PREVIEW_CHARS
    from siu_core.models import Attachment

    long_text = "I ordered the blue kettle and " + "it still has not arrived " * 12
    deliver([inbound("a1", "Where is my order?", customer="c1", at=NOW - timedelta(minutes=30)),
             inbound("a3", "Hello?\nAnyone there", customer="c1", at=NOW - timedelta(minutes=5)),
             inbound("b1", long_text, customer="c2", at=NOW - timedelta(minutes=25)),
             inbound("c1", None, customer="c3", at=NOW - timedelta(minutes=20), kind="image",
                     attachments=[Attachment(type="image", media_id="photo-1")]),
             inbound("d1", "my card number is 4111", customer="c4", at=NOW - timedelta(minutes=15))], inbox.config)
    # Delivered last but written earlier: the preview stays on the newest message.
    deliver([inbound("a2", "Any news?", customer="c1", at=NOW - timedelta(minutes=10)),
             unsend("d1", customer="c4", at=NOW - timedelta(minutes=14))], inbox.config)
    admin = token_for("boss", "admin")
    rows = {}
    for who in ("ana", "ben", "cho"):
        rows.update({t["customer"]["id"]: t for t in call("GET", "/api/queue", token=admin,
                                                         query=f"assignee={who}").body["threads"]})
    for team in inbox.config.teams:
        rows.update({t["customer"]["id"]: t for t in call("GET", "/api/queue", token=admin,
                                                         query=f"team={team}").body["threads"]})
    assert rows["c1"]["preview"] == "Hello?\nAnyone there"
    assert rows["c2"]["preview"].endswith("…") and len(rows["c2"]["preview"]) <= PREVIEW_CHARS
    assert rows["c2"]["preview"].startswith("I ordered the blue kettle")
    assert rows["c3"]["preview"] == "[image]"
    assert rows["c4"]["preview"] == "(message deleted)", "an unsent message's words leave the queue too"


def test_a_thread_shows_every_shape_kept_edits_with_history_places_stories_forms_and_errors(inbox) -> None:
    from pipeline_support import edit

    from siu_core.models import Interaction, Location, PlatformError, Story

    deliver([inbound("s1", "Does it come in blue?", at=NOW - timedelta(minutes=9)),
             inbound("s2", None, kind="location", at=NOW - timedelta(minutes=8),
                     location=Location(latitude=52.52, longitude=13.405, name="Shop", url="javascript:alert(1)")),
             inbound("s3", None, kind="story_mention", at=NOW - timedelta(minutes=7),
                     story=Story(kind="mention", id="st1", url="https://cdn.example/story.jpg")),
             inbound("s4", "Sent", kind="interactive", at=NOW - timedelta(minutes=6),
                     interaction=Interaction(kind="flow_reply", title="Sent", fields={"rating": "4"})),
             inbound("s5", None, kind="unsupported", at=NOW - timedelta(minutes=5),
                     errors=[PlatformError(code=131051, title="Unsupported message type")])], inbox.config)
    deliver([edit("s1", "Does it come in green?", at=NOW - timedelta(minutes=4)),
             edit("s1", "Does it come in red?", at=NOW - timedelta(minutes=3))], inbox.config)
    tid = thread_of()["thread_id"]
    body = call("GET", f"/api/threads/{tid}", token=token_for(thread_of()["assignee"])).body
    by_id = {m["id"]: m for m in body["messages"]}
    assert by_id["s1"]["text"] == "Does it come in red?"
    assert [e["text"] for e in by_id["s1"]["edits"]] == ["Does it come in blue?", "Does it come in green?"]
    assert by_id["s2"]["location"]["latitude"] == 52.52  # the UI links a map; the stored url is shown only if safe
    assert by_id["s3"]["story"] == {"kind": "mention", "id": "st1", "url": "https://cdn.example/story.jpg"}
    assert by_id["s4"]["interaction"]["fields"] == {"rating": "4"}
    assert by_id["s5"]["errors"] == [{"code": 131051, "title": "Unsupported message type"}]
    assert "location" not in by_id["s1"] and by_id["s2"]["edits"] == []
