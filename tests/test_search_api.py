"""``GET /api/search`` on moto: the index follows the tables' streams, answers are scoped like the queue."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from inbox_support import call, deliver, thread_of, token_for
from pipeline_support import inbound

from siu_core.dev.search_feed import SearchFeed, rebuild
from siu_core.search import location
from siu_core.search.engine import Index

pytestmark = pytest.mark.functional


@pytest.fixture
def index(inbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Index]:
    path = tmp_path / location.FILE_NAME
    monkeypatch.setenv(location.INDEX_ENV, str(path))
    opened = location.shared(path)
    assert opened is not None
    yield opened
    location.close_all()


def search(user: str, role: str = "agent", **params: str) -> Any:
    from urllib.parse import urlencode

    return call("GET", "/api/search", token=token_for(user, role), query=urlencode(params))


def two_customers(inbox: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    deliver([inbound("m1", "Where is my parcel? It is late", customer="15550100199")], inbox.config)
    deliver([inbound("m2", "Please fix the invoice for my company, the parcel fee is wrong",
                     customer="447700900123")], inbox.config)
    return thread_of("15550100199"), thread_of("447700900123")


def test_the_stream_feed_indexes_what_the_pipeline_stores(inbox: Any, index: Index) -> None:
    feed = SearchFeed(index)
    feed.start()
    try:
        first, _ = two_customers(inbox)
        feed.stop()
        while feed.poll_once():
            pass
    finally:
        feed.stop()
    found = search("boss", "admin", q="late")
    assert found.status == 200
    assert [h["thread"]["id"] for h in found.body["messages"]] == [first["thread_id"]]
    assert found.body["messages"][0]["message"]["snippet"] == "Where is my parcel? It is late"


def test_customers_by_phone_and_messages_by_word_scoped_like_the_queue(inbox: Any, index: Index) -> None:
    first, second = two_customers(inbox)
    rebuild(index)
    admin = search("boss", "admin", q="+1 555 010 0199")
    assert [t["id"] for t in admin.body["threads"]] == [first["thread_id"]]
    assert admin.body["threads"][0]["customer"]["id"] == "15550100199"
    both = search("boss", "admin", q="parcel")
    assert {h["thread"]["id"] for h in both.body["messages"]} == {first["thread_id"], second["thread_id"]}
    # An agent finds only threads of their teams (or assigned to them, or mentioning them).
    team_of = {first["thread_id"]: first.get("team"), second["thread_id"]: second.get("team")}
    agent_teams = {"ana": "care", "cho": "accounts"}
    for user, team in agent_teams.items():
        seen = {h["thread"]["id"] for h in search(user, q="parcel").body["messages"]}
        assert seen == {tid for tid, t in team_of.items() if t == team}, user


def test_filters_and_paging(inbox: Any, index: Index) -> None:
    first, second = two_customers(inbox)
    rebuild(index)
    by_team_filter = search("boss", "admin", channel="whatsapp", status="open", limit="1")
    assert by_team_filter.status == 200 and len(by_team_filter.body["threads"]) == 1
    assert by_team_filter.body["next_offset"] == 1
    rest = search("boss", "admin", channel="whatsapp", status="open", limit="1", offset="1")
    assert rest.body["next_offset"] is None
    ids = {by_team_filter.body["threads"][0]["id"], rest.body["threads"][0]["id"]}
    assert ids == {first["thread_id"], second["thread_id"]}
    assert search("boss", "admin", status="closed").body["threads"] == []
    assert search("boss", "admin", q="parcel", since="2999-01-01").body["messages"] == []


def test_a_reassignment_the_index_has_not_seen_yet_does_not_leak(inbox: Any, index: Index) -> None:
    first, _ = two_customers(inbox)
    rebuild(index)


    other = "accounts" if first.get("team") == "care" else "care"
    reader = "cho" if other == "accounts" else "ana"
    index.upsert_thread({**first, "team": other})  # the index thinks the reader's team has it
    assert first["thread_id"] not in {h["thread"]["id"] for h in search(reader, q="late").body["messages"]}


@pytest.mark.parametrize(("query", "code", "field"), [
    ({"q": "x" * 201}, "invalid_request", "q"),
    ({"status": "gone"}, "invalid_request", "status"),
    ({"limit": "0"}, "invalid_request", "limit"),
    ({"offset": "-1"}, "invalid_request", "offset"),
    ({"since": "yesterday"}, "invalid_request", "since"),
    ({"since": "2026-02-01", "until": "2026-01-01"}, "invalid_request", "since"),
    ({"qq": "typo"}, "invalid_request", "qq"),
])
def test_bad_input_is_a_422_with_the_field(inbox: Any, index: Index, query: dict[str, str], code: str,
                                          field: str) -> None:
    answer = search("boss", "admin", **query)
    assert (answer.status, answer.code, answer.body["error"]["field"]) == (422, code, field)


def test_no_token_is_401_and_no_index_is_503(inbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert call("GET", "/api/search", query="q=x").status == 401
    monkeypatch.delenv(location.INDEX_ENV, raising=False)
    answer = search("boss", "admin", q="x")
    assert (answer.status, answer.code) == (503, "search_unavailable")


class _LambdaThatRunsTheHandler:
    """Stands in for the Lambda service's Invoke: runs the Search handler in this process, as AWS would."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def invoke(self, FunctionName: str, InvocationType: str, Payload: bytes) -> dict[str, Any]:
        import io
        import json

        from siu_core.handlers import search as handler

        request = json.loads(Payload)
        self.calls.append(request)
        body = handler.handler(request, None)
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(body).encode())}


def test_the_deployed_shape_the_inbox_asks_the_search_function_and_the_indexer_follows_the_stream(
        inbox: Any, index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    from siu_core.handlers import indexer as indexer_handler
    from siu_core.search import remote

    feed = SearchFeed(index)
    feed.start()
    feed.stop()
    first, second = two_customers(inbox)
    # The stream records as Lambda's event source mapping hands them to the Indexer function.
    streams = feed._streams()
    records = []
    for shard in feed._shards:
        got = streams.get_records(ShardIterator=shard.iterator, Limit=1000)
        records += [{**r, "eventSourceARN": shard.stream_arn} for r in got["Records"]]
    assert indexer_handler.handler({"Records": records}, None)["applied"] == len(records) > 0
    fake_lambda = _LambdaThatRunsTheHandler()
    monkeypatch.setenv(remote.FUNCTION_ENV, "siu-search")
    from siu_core.aws import clients

    real = clients.client
    monkeypatch.setattr(clients, "client", lambda service: fake_lambda if service == "lambda" else real(service))
    found = search("ana", q="parcel")
    assert found.status == 200, found.body
    assert fake_lambda.calls[-1]["scope"] == {"admin": False, "user": "ana", "teams": ["care"]}
    care = {t["thread_id"] for t in (first, second) if t.get("team") == "care"}
    assert {h["thread"]["id"] for h in found.body["messages"]} == care
    # The Search function opened the Indexer's file read-only (its EFS mount has no ClientWrite).
    reader = location.shared(read_only=True)
    assert reader is not None and reader is not location.shared()
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader._conn.execute("DELETE FROM messages")


def test_before_the_indexers_first_batch_the_inbox_answers_503_not_an_empty_page(
        inbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from siu_core.aws import clients
    from siu_core.search import remote

    monkeypatch.setenv(location.INDEX_ENV, str(tmp_path / "efs" / location.FILE_NAME))
    monkeypatch.setenv(remote.FUNCTION_ENV, "siu-search")
    real = clients.client
    monkeypatch.setattr(clients, "client", lambda service: _LambdaThatRunsTheHandler() if service == "lambda"
                        else real(service))
    answer = search("boss", "admin", q="parcel")
    assert (answer.status, answer.code) == (503, "search_unavailable")
    assert not (tmp_path / "efs").exists()  # the reader created nothing
    location.close_all()


def test_the_search_function_refuses_a_malformed_request(inbox: Any, index: Index) -> None:
    from siu_core.handlers import search as handler

    assert "error" in handler.handler({"q": "x"}, None)  # no scope: never "everything"
    assert "error" in handler.handler({"q": "x", "scope": {"admin": True, "user": "a", "teams": []},
                                       "filters": {"team_typo": "x"}}, None)
