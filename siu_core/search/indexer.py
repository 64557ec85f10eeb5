"""Keep the index in step with the store: apply DynamoDB stream records of the threads and messages tables.

The same function serves the deployed Indexer (a Lambda on the tables' streams, one writer) and
``siu dev`` (a thread reading the emulated tables' streams). Records carry the item as stored
(``NewImage``), so applying one twice, or an older one after a newer one of the same batch, leaves
the index as the last image says: upserts replace, removes drop.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from siu_core.aws.names import resource_names
from siu_core.store import ddb

if TYPE_CHECKING:
    from siu_core.search.engine import Index


def table_of(record: Mapping[str, Any]) -> str:
    """The table a stream record comes from (``arn:...:table/<name>/stream/<label>``)."""
    arn = str(record.get("eventSourceARN") or "")
    return arn.split(":table/", 1)[-1].split("/", 1)[0]


def apply(index: Index, records: Iterable[Mapping[str, Any]]) -> int:
    """Apply a batch of stream records in one index transaction; how many changed the index."""
    names = resource_names()
    applied = 0
    erased = False  # a thread item is deleted only by a customer's erasure (threads outlive their messages)
    with index.batch():
        for record in records:
            table = table_of(record)
            if table not in (names.threads, names.messages):
                continue
            change = record.get("dynamodb") or {}
            image = ddb.from_ddb(change.get("NewImage")) if change.get("NewImage") else None
            old = ddb.from_ddb(change.get("Keys")) or {}
            if table == names.threads:
                if image is not None and image.get("thread_id"):
                    index.upsert_thread(image)
                elif old.get("thread_id"):
                    index.remove_thread(str(old["thread_id"]))
                    erased = True
            elif image is not None and image.get("message_key"):
                index.upsert_message(image)
            elif old.get("message_key"):
                index.remove_message(str(old["message_key"]))
            applied += 1
        if erased:
            index.purge_deleted()
    return applied
