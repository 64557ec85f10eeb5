"""The search box's words become quoted FTS5 expressions; scope and filters become SQL conditions."""

from __future__ import annotations

import pytest

from siu_core.search import query
from siu_core.search.filters import Filters, thread_where
from siu_core.search.scope import ALL, visible


@pytest.mark.parametrize(("q", "words", "trigrams", "short", "phone"), [
    ("refund", '"refund"*', None, (), None),
    ("late  café", '"late"* AND "café"*', None, (), None),
    ('say "hi"', '"say"* AND "hi"*', None, (), None),
    ("a OR b", '"a"* AND "OR"* AND "b"*', None, (), None),
    ("NEAR(x y)", '"NEAR(x"* AND "y)"*', None, (), None),
    ("col:val", '"col:val"*', None, (), None),
    ("東京都", None, '"東京都"', (), None),
    ("東京", None, None, ("東京",), None),
    ("hotel 東京タワー", '"hotel"*', '"東京タワー"', (), None),
    ("สั่งซื้อ", None, '"สั่งซื้อ"', (), None),
    ("+1 (555) 010-0199", '"+1"* AND "(555)"* AND "010-0199"*', None, (), '"15550100199"'),
    ("5550100", '"5550100"*', None, (), '"5550100"'),
    ("1234", '"1234"*', None, (), None),
    ("", None, None, (), None),
])
def test_queries_are_quoted_terms_never_syntax(q: str, words: str | None, trigrams: str | None,
                                               short: tuple[str, ...], phone: str | None) -> None:
    assert query.build(q) == query.Match(words=words, trigrams=trigrams, short=short, phone=phone)


def test_at_most_max_terms_are_anded() -> None:
    built = query.build(" ".join(f"w{i}" for i in range(20)))
    assert built.words is not None and built.words.count("AND") == query.MAX_TERMS - 1


@pytest.mark.parametrize(("text", "unspaced"), [
    ("hello", False), ("Grüße", False), ("안녕하세요", False), ("你好", True), ("カタカナ", True),
    ("ภาษาไทย", True), ("mixed 漢字", True),
])
def test_scripts_without_spaces_are_recognised(text: str, unspaced: bool) -> None:
    assert query.has_unspaced_script(text) is unspaced


def test_admins_see_everything_and_agents_their_own_their_teams_and_mentions() -> None:
    assert visible(admin=True, user="ana", teams=["sales"]) == ALL
    agent = visible(admin=False, user="ana", teams=["support", "sales"])
    assert "t.assignee = ?" in agent.sql and "mentions" in agent.sql and "t.team IN (?, ?)" in agent.sql
    assert agent.params == ("ana", "ana", "sales", "support")
    teamless = visible(admin=False, user="ana", teams=[])
    assert "team IN" not in teamless.sql and teamless.params == ("ana", "ana")


def test_filters_compare_columns_and_bound_dates() -> None:
    assert thread_where(Filters()).sql == "1"
    where = thread_where(Filters(topic="billing", status="open", account="acc1", since="2026-01-01",
                                 until="2026-02-01"))
    assert where.sql == "t.topic = ? AND t.status = ? AND t.account_id = ? AND t.last_at >= ? AND t.opened_at < ?"
    assert where.params == ("billing", "open", "acc1", "2026-01-01", "2026-02-01")
    on_messages = thread_where(Filters(since="2026-01-01"), message_at="m.at")
    assert on_messages.sql == "m.at >= ?"


@pytest.mark.parametrize(("params", "field"), [
    ({"q": "x" * 201}, "q"), ({"status": "gone"}, "status"), ({"limit": "0"}, "limit"), ({"limit": "51"}, "limit"),
    ({"limit": "ten"}, "limit"), ({"offset": "1001"}, "offset"), ({"since": "yesterday"}, "since"),
    ({"since": "2026-02-01", "until": "2026-01-01"}, "since"), ({"team": "care"}, "team"),
    ({"topic": "t" * 201}, "topic"),
])
def test_bad_search_parameters_name_their_field(params: dict[str, str], field: str) -> None:
    from siu_core.inbox.errors import ApiError
    from siu_core.inbox.search import parse

    with pytest.raises(ApiError) as raised:
        parse(params)
    assert (raised.value.status, raised.value.code, raised.value.details["field"]) == (422, "invalid_request", field)


def test_search_parameters_become_filters_and_a_page() -> None:
    from siu_core.inbox.search import parse

    parsed = parse({"q": "  late parcel ", "status": "open", "topic": "billing", "channel": "line", "account": "a1",
                    "assignee": "ana", "urgency": "high", "since": "2026-01-01", "until": "2026-01-31",
                    "limit": "5", "offset": "10"})
    assert parsed.q == "late parcel" and (parsed.limit, parsed.offset) == (5, 10)
    assert parsed.filters == Filters(topic="billing", urgency="high", status="open", assignee="ana", channel="line",
                                     account="a1", since="2026-01-01T00:00:00.000000Z",
                                     until="2026-02-01T00:00:00.000000Z")
    assert parse({"until": "2026-01-31T12:00:00+08:00"}).filters.until == "2026-01-31T04:00:00.000000Z"
    assert parse({}).q == "" and (parse({}).limit, parse({}).offset) == (20, 0)
