"""``GET /api/reports/{name}`` under moto: figures from the real pipeline and inbox, who sees what, CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from inbox_support import call, deliver, thread_of, token_for
from pipeline_support import NOW, inbound

DAY = "from=2026-03-04&to=2026-03-04"


def raw_get(path: str, token: str, query: str) -> tuple[int, dict[str, str], str]:
    """A GET through the Lambda handler, its body as text (CSV is not JSON)."""
    from siu_core.dev.lambda_events import function_url_event
    from siu_core.handlers import inbox

    event = function_url_event("GET", path, query, [("Authorization", f"Bearer {token}")], b"")
    out = inbox.handler(event, None)
    return int(out["statusCode"]), {k.lower(): v for k, v in out["headers"].items()}, out.get("body") or ""


@pytest.fixture
def day(inbox: Any) -> Any:
    """Two customers write at 09:50 and 09:55 (Singapore); the first is answered at 10:00 and closed at 11:00."""
    first = inbound("m1", "Where is my order?", at=NOW - timedelta(minutes=5))
    deliver([first, inbound("m2", "I was charged twice, refund please", customer="cust-2",
                            at=NOW - timedelta(minutes=10))], inbox.config)
    deliver([first], inbox.config)  # a redelivery counts once
    thread = thread_of()
    inbox.tid, inbox.assignee = thread["thread_id"], thread["assignee"]
    sent = call("POST", f"/api/threads/{inbox.tid}/reply", token=token_for(inbox.assignee),
                body={"text": "On its way"}, headers={"Idempotency-Key": "k1"})
    assert sent.status == 200, sent.body
    inbox.clock.advance(hours=1)
    assert call("POST", f"/api/threads/{inbox.tid}/close", token=token_for(inbox.assignee)).status == 200
    inbox.admin = token_for("boss", "admin")
    return inbox


def test_the_summary_counts_the_day(day: Any) -> None:
    answer = call("GET", "/api/reports/summary", token=day.admin, query=DAY)
    assert answer.status == 200, answer.body
    (row,) = answer.body["rows"]
    assert (row["opened"], row["first_responses"], row["closed"], row["reopened"]) == (2, 1, 1, 0)
    assert row["first_response_median_s"] == 300.0 and row["first_response_working_median_s"] == 300.0
    assert row["resolution_median_s"] == 3900.0
    assert (row["sla_met"], row["sla_attainment"]) == (1, 1.0)
    assert answer.body["time_zone"] == "Asia/Singapore" and answer.body["columns"][:2] == ["from", "to"]


def test_the_threads_csv_matches_the_threads(day: Any) -> None:
    status, headers, text = raw_get("/api/reports/threads", day.admin, DAY + "&format=csv")
    assert status == 200
    assert headers["content-type"].startswith("text/csv")
    assert headers["content-disposition"] == 'attachment; filename="siu-threads_2026-03-04_2026-03-04.csv"'
    rows = {r["thread_id"]: r for r in csv.DictReader(io.StringIO(text))}
    answered = rows[day.tid]
    assert answered["first_response_s"] == "300.0" and answered["teammate"] == day.assignee
    assert answered["first_response_at"] == "2026-03-04T10:00:00+08:00" and answered["sla_met"] == "true"
    other = next(r for tid, r in rows.items() if tid != day.tid)
    assert other["first_response_s"] == "" and other["team"] == "accounts"


def test_agents_see_their_own_and_their_teams_figures(day: Any) -> None:
    agent = token_for(day.assignee)
    mine = call("GET", "/api/reports/summary", token=agent, query=DAY)
    assert mine.body["filters"] == {"teammate": day.assignee} and mine.body["rows"][0]["first_responses"] == 1
    team = call("GET", "/api/reports/teammates", token=agent, query=DAY + "&team=care")
    assert [r["teammate"] for r in team.body["rows"]] == [day.assignee]
    for query in ("&team=accounts", "&teammate=cho"):
        refused = call("GET", "/api/reports/summary", token=agent, query=DAY + query)
        assert (refused.status, refused.code) == (403, "forbidden"), query
    everyone = call("GET", "/api/reports/teams", token=day.admin, query=DAY)
    assert sorted(r["team"] for r in everyone.body["rows"]) == ["accounts", "care"]


@pytest.mark.parametrize(("path", "query", "status"), [
    ("/api/reports/summary", "from=2026-03-05&to=2026-03-04", 422),
    ("/api/reports/summary", "from=yesterday", 422),
    ("/api/reports/summary", "from=2020-01-01&to=2026-03-04", 422),
    ("/api/reports/summary", "format=xlsx", 422),
    ("/api/reports/nope", "", 404),
])
def test_bad_requests_are_refused_clearly(inbox: Any, path: str, query: str, status: int) -> None:
    answer = call("GET", path, token=token_for("boss", "admin"), query=query)
    assert answer.status == status and answer.body["error"]["message"]


def test_reports_need_a_token(inbox: Any) -> None:
    assert call("GET", "/api/reports/summary").status == 401


def test_a_first_response_lost_after_the_send_is_counted_by_the_retry(inbox: Any,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from siu_core.store import rollups

    deliver([inbound("m1", "Where is my order?", at=NOW - timedelta(minutes=5))], inbox.config)
    thread = thread_of()
    token = token_for(thread["assignee"])
    real = rollups.record_first_response

    def lost(*args: Any, **kwargs: Any) -> bool:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(rollups, "record_first_response", lost)
    path, key = f"/api/threads/{thread['thread_id']}/reply", {"Idempotency-Key": "k-lost"}
    assert call("POST", path, token=token, body={"text": "On its way"}, headers=key).status == 200
    admin = token_for("boss", "admin")
    assert call("GET", "/api/reports/summary", token=admin, query=DAY).body["rows"][0]["first_responses"] == 0
    monkeypatch.setattr(rollups, "record_first_response", real)
    again = call("POST", path, token=token, body={"text": "On its way"}, headers=key)
    assert again.status == 200 and again.headers["idempotent-replayed"] == "true"
    (row,) = call("GET", "/api/reports/summary", token=admin, query=DAY).body["rows"]
    assert (row["first_responses"], row["first_response_median_s"]) == (1, 300.0)
