"""A local DynamoDB-stream event-source mapping for the search index: read the emulated threads and
messages tables' streams and apply each batch with :func:`siu_core.search.indexer.apply`, as the
deployed Indexer function does (one writer, records in order per table).

A table restored from an older state dir may have no stream yet: it is enabled on start. The
stream starts empty after a restart, so the index catches up from the store with
``siu search reindex`` when it was never built (:func:`siu_core.search.rebuild.reindex`).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from siu_core.aws import clients
from siu_core.aws.names import resource_names
from siu_core.search import indexer
from siu_core.store import ddb

if TYPE_CHECKING:
    from siu_core.search.engine import Index

log = logging.getLogger("siu.dev.search")
#: Seconds between polls when a stream has nothing new (the index lags the store by about this).
IDLE_POLL = 0.25


@dataclass
class _Shard:
    stream_arn: str
    iterator: str | None


@dataclass
class SearchFeed:
    """Poll both tables' streams in a daemon thread until :meth:`stop`."""

    index: Index
    applied: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _shards: list[_Shard] = field(default_factory=list)
    _client: Any = None

    def _streams(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            # The regional endpoint: the emulation does not answer account-id endpoints.
            self._client = boto3.session.Session().client(
                "dynamodbstreams", config=Config(account_id_endpoint_mode="disabled",
                                                 retries={"mode": "standard", "max_attempts": 3}))
        return self._client

    def start(self) -> None:
        """Enable the streams if needed, start at their latest record, and follow them."""
        ddb = clients.dynamodb()
        streams = self._streams()
        names = resource_names()
        for table in (names.threads, names.messages):
            described = ddb.describe_table(TableName=table)["Table"]
            arn = described.get("LatestStreamArn")
            if not described.get("StreamSpecification", {}).get("StreamEnabled") or not arn:
                spec = {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
                arn = ddb.update_table(TableName=table, StreamSpecification=spec)["TableDescription"]["LatestStreamArn"]
            for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"].get("Shards", []):
                it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                                ShardIteratorType="LATEST")["ShardIterator"]
                self._shards.append(_Shard(arn, it))
        self._thread = threading.Thread(target=self._run, name="siu-search-feed", daemon=True)
        self._thread.start()

    def alive(self) -> bool:
        """Whether the feed's thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Apply the batch in hand, then stop."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def poll_once(self) -> int:
        """Read each stream once and apply what came; how many records were applied."""
        streams = self._streams()
        total = 0
        for shard in self._shards:
            if shard.iterator is None:
                continue
            answer: dict[str, Any] = streams.get_records(ShardIterator=shard.iterator, Limit=1000)
            records = [{**r, "eventSourceARN": shard.stream_arn} for r in answer.get("Records", [])]
            if records:
                total += indexer.apply(self.index, records)
            # Only past the batch once it is applied: a failed apply reads the same records again.
            shard.iterator = answer.get("NextShardIterator")
        self.applied += total
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.poll_once() == 0:
                    self._stop.wait(IDLE_POLL)
            except Exception:
                log.exception("the search feed failed a poll; retrying")
                self._stop.wait(1.0)


def rebuild(index: Index) -> dict[str, int]:
    """Empty the index and fill it again from the threads and messages tables (a full read: tooling only).

    Messages go in by their timestamp, so "newest first" holds for a rebuilt index too.
    """
    names = resource_names()
    found_threads = list(ddb.scan_all(names.threads))
    found_messages = sorted((m for m in ddb.scan_all(names.messages) if m.get("thread_id")),
                            key=lambda m: (str(m.get("timestamp") or ""), str(m["message_key"])))
    with index.batch():
        index.clear()
        for thread in found_threads:
            index.upsert_thread(thread)
        for message in found_messages:
            index.upsert_message(message)
    index.optimize()
    return index.counts()
