"""The Indexer Lambda: the threads and messages tables' DynamoDB stream into the search index on EFS.

One writer (reserved concurrency 1, one shard iterator per table shard): SQLite on NFS is safe with a
single writer and the rollback journal. A batch is one index transaction; if it fails the whole batch
is retried (the records are idempotent upserts), so nothing is indexed twice or lost.
"""

from __future__ import annotations

from typing import Any

from siu_core import obs

SERVICE = "indexer"


@obs.instrument(SERVICE)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Apply a stream batch to the index file (``SIU_SEARCH_INDEX``)."""
    from siu_core.search import indexer, location

    index = location.shared()
    if index is None:
        raise RuntimeError("SIU_SEARCH_INDEX is not set: the Indexer function has no index file")
    return {"applied": indexer.apply(index, event.get("Records") or [])}
