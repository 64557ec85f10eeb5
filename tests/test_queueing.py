"""The FIFO intake queue's ids and the connector's send plan: per customer, in order, deduplicated."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from siu_core.connector.queue import send_all, send_runs
from siu_core.models import MessageEvent, Participant, PlatformError, PlatformErrorEvent, ReactionEvent
from siu_core.queueing import QueueIds, dedup_id, group_id, queue_ids

AT = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
#: What SQS accepts for MessageGroupId / MessageDeduplicationId: 128 characters of this alphabet.
SQS_ID = re.compile(r"^[A-Za-z0-9!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]{1,128}$")


def message(customer: str, mid: str, *, text: str = "hi", account: str = "acct-1", channel: str = "whatsapp",
            kind: str = "message") -> MessageEvent:
    return MessageEvent(type=kind, channel=channel, account_id=account, customer=Participant(id=customer),  # type: ignore[arg-type]
                        timestamp=AT, message_id=mid, kind="text", text=text)


def test_one_customer_conversation_is_one_group_and_others_are_not() -> None:
    a1, a2 = message("cust-a", "m1"), message("cust-a", "m2", text="other words")
    assert group_id(a1) == group_id(a2)
    assert group_id(message("cust-b", "m1")) != group_id(a1)
    assert group_id(message("cust-a", "m1", account="acct-2")) != group_id(a1)  # another business account
    assert group_id(message("cust-a", "m1", channel="telegram")) != group_id(a1)
    reaction = ReactionEvent(type="reaction", channel="whatsapp", account_id="acct-1",
                             customer=Participant(id="cust-a"), timestamp=AT, target_message_id="m1", action="react",
                             emoji="+1")
    assert group_id(reaction) == group_id(a1)  # annotations stay in order with the messages they annotate


def test_the_dedup_id_is_the_channel_message_id_whatever_else_changes() -> None:
    first = message("cust-a", "wamid.1")
    assert dedup_id(first) == dedup_id(message("cust-a", "wamid.1", text="edited by a retry?"))
    assert dedup_id(first) != dedup_id(message("cust-a", "wamid.2"))
    assert dedup_id(first) != dedup_id(message("cust-a", "wamid.1", kind="echo"))


def test_events_without_a_message_id_dedupe_on_their_content() -> None:
    def react(emoji: str) -> ReactionEvent:
        return ReactionEvent(type="reaction", channel="whatsapp", account_id="acct-1",
                             customer=Participant(id="cust-a"), timestamp=AT, target_message_id="m1", action="react",
                             emoji=emoji)

    assert dedup_id(react("+1")) == dedup_id(react("+1"))
    assert dedup_id(react("+1")) != dedup_id(react("heart"))


def test_ids_fit_sqs_whatever_the_platform_ids_hold() -> None:
    odd = message("ü" * 300 + " #/\\ \x00?", "id with spaces and ☃" * 20)
    error = PlatformErrorEvent(type="platform_error", channel="whatsapp", account_id="acct-1", timestamp=AT,
                               errors=[PlatformError(code="131056", message="pair rate limit")])
    for ids in (queue_ids(odd), queue_ids(error), queue_ids({"channel": "x", "type": "message"})):
        assert SQS_ID.match(ids.group) and SQS_ID.match(ids.dedup), ids
    assert queue_ids(error).entry() == {"MessageGroupId": queue_ids(error).group,
                                        "MessageDeduplicationId": queue_ids(error).dedup}


def _ids(groups: str) -> list[QueueIds]:
    return [QueueIds(group=g, dedup=f"d{i}") for i, g in enumerate(groups)]


def test_a_groups_entries_keep_their_order_and_share_a_run_when_they_span_calls() -> None:
    # 12 events of customer a interleaved with 3 of b and 1 of c: a needs two calls, sent one after the other.
    groups = "ab" + "a" * 5 + "b" + "a" * 5 + "cba"
    bodies = [f"body-{i}" for i in range(len(groups))]
    runs = send_runs(bodies, _ids(groups))
    sent = [[body for body, _ in chunk] for run in runs for chunk in run]
    a_bodies = [b for b, g in zip(bodies, groups, strict=True) if g == "a"]
    assert [b for chunk in sent for b in chunk if b in a_bodies] == a_bodies  # a's order kept
    assert all(len(chunk) <= 10 for chunk in sent)
    # Every group whose entries span calls has all those calls inside one run (sent sequentially).
    for group in set(groups):
        holding = {i for i, run in enumerate(runs) for chunk in run for _, ids in chunk if ids.group == group}
        assert len(holding) == 1, (group, holding)


def test_a_body_count_that_does_not_match_the_ids_is_refused() -> None:
    with pytest.raises(ValueError, match="2 bodies but 1"):
        send_runs(["a", "b"], _ids("a"))


class RecordingSqs:
    """Takes every entry, remembering each call's entries."""

    def __init__(self) -> None:
        self.calls: list[list[dict[str, Any]]] = []

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(Entries)
        return {"Successful": [{"Id": e["Id"]} for e in Entries], "Failed": []}


def test_every_entry_carries_its_group_and_dedup_id() -> None:
    sqs = RecordingSqs()
    events = [message("cust-a", "m1"), message("cust-b", "m2")]
    send_all(sqs, "url", ["one", "two"], [queue_ids(e) for e in events], channel="whatsapp", sleep=lambda _s: None)
    (entries,) = sqs.calls
    by_body = {e["MessageBody"]: e for e in entries}
    assert by_body["one"]["MessageGroupId"] == group_id(events[0])
    assert by_body["two"]["MessageDeduplicationId"] == dedup_id(events[1])
