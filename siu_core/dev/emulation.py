"""moto's DynamoDB made atomic per request, as DynamoDB is, for ``siu dev`` and the tests.

moto checks a transaction's conditions and then writes without a lock, rolls a failed transaction
back by putting deep copies of whole tables back in place (undoing whatever another thread wrote
meanwhile), and builds a read's answer from the live item after its backend call returns (a read
can fail while a concurrent write adds an attribute). ``siu dev`` serves the labeler, the inbox
API and the schedules from several threads, so without this a routine conditional failure could
erase a concurrent write in the emulator that real DynamoDB would keep. One lock around each whole
request, its work and its answer, gives the service's per-request atomicity and nothing more: the
code on top still interleaves between its requests, as it does on AWS.

Two costs of moto grow with a dev session and are cut here, without changing what it answers:

- before a transaction, moto deep-copies every table the transaction touches (once per item) so
  it can put them back if a condition fails: a cost that grows with every message stored. Under
  the lock nothing else writes meanwhile, so a copy that shares the untouched items and deep-copies
  only the items the transaction names restores exactly the same state (:func:`rollback_snapshot`);
- the server lists moto's package directory on every request to find the service a host names;
  the list cannot change while the process runs, so it is read once.
"""

from __future__ import annotations

import copy
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

#: The DynamoDB actions siu calls (every one that reads or writes items).
DYNAMODB_ACTIONS = ("put_item", "update_item", "delete_item", "get_item", "query", "scan", "batch_get_item",
                    "batch_write_item", "transact_get_items", "transact_write_items")

_install_lock = threading.Lock()
_installed = False
_touching = threading.local()
#: Held around every DynamoDB item request once :func:`make_dynamodb_atomic` ran; a snapshot of the
#: tables (``siu_core.dev.persist``) holds it too, so it sees every table at one instant.
DYNAMODB_LOCK = threading.RLock()
#: The item actions that write.
DYNAMODB_WRITES = ("put_item", "update_item", "delete_item", "batch_write_item", "transact_write_items")
#: Called, still under :data:`DYNAMODB_LOCK`, with the table names each item write named; a
#: snapshot that takes its marks under the same lock therefore knows every write it can see.
write_listeners: list[Callable[[set[str]], None]] = []


def written_tables(action: str, body: Any) -> set[str]:
    """The tables an item write names, from moto's parsed request body ("*" when it does not say)."""
    if not isinstance(body, dict):
        return {"*"}
    if action == "batch_write_item":
        return set(body.get("RequestItems") or {}) or {"*"}
    if action == "transact_write_items":
        names = {str(op["TableName"]) for entry in body.get("TransactItems") or []
                 for op in entry.values() if isinstance(op, dict) and op.get("TableName")}
        return names or {"*"}
    return {str(body["TableName"])} if body.get("TableName") else {"*"}


def atomic_dynamodb_actions(lock: Any) -> dict[str, Callable[..., Any]]:
    """moto's DynamoDB request handlers, each wrapped to hold ``lock`` for its whole request."""
    from moto.dynamodb.responses import DynamoHandler

    wrapped: dict[str, Callable[..., Any]] = {}
    for name in DYNAMODB_ACTIONS:
        original = getattr(DynamoHandler, name)

        def locked(self: Any, *args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            with lock:
                try:
                    return _original(self, *args, **kwargs)
                finally:
                    if _name in DYNAMODB_WRITES and write_listeners:
                        tables = written_tables(_name, getattr(self, "body", None))
                        for listener in list(write_listeners):
                            listener(tables)

        locked.__name__ = locked.__qualname__ = name
        wrapped[name] = locked
    return wrapped


def touched_keys(tables: Any, transact_items: Iterable[dict[str, Any]]) -> dict[str, set[tuple[Any, Any]]]:
    """Table name -> the (hash, range) keys, as moto stores them, that a TransactWriteItems names."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    out: dict[str, set[tuple[Any, Any]]] = {}
    for entry in transact_items:
        for op_type, op in entry.items():
            table: Any = tables.get(op.get("TableName")) if isinstance(op, dict) else None
            if table is None:
                continue
            key = op.get("Item") if op_type == "Put" else op.get("Key")
            if not isinstance(key, dict) or table.hash_key_attr not in key:
                continue
            rng = key.get(table.range_key_attr) if table.range_key_attr else None
            out.setdefault(table.name, set()).add(
                (DynamoType(key[table.hash_key_attr]), DynamoType(rng) if rng is not None else None))
    return out


def rollback_snapshot(table: Any, keys: Iterable[tuple[Any, Any]]) -> Any:
    """A copy of a moto table to restore after a failed transaction: untouched items shared, touched ones copied."""
    snapshot = copy.copy(table)
    items: defaultdict[Any, Any] = defaultdict(dict)
    for hash_value, stored in table.items.items():
        items[hash_value] = dict(stored) if table.has_range_key else stored
    for hash_value, range_value in keys:
        if hash_value not in items:
            continue
        if table.has_range_key:
            partition = items[hash_value]
            if range_value in partition:
                partition[range_value] = copy.deepcopy(partition[range_value])
        else:
            items[hash_value] = copy.deepcopy(items[hash_value])
    snapshot.items = items
    return snapshot


class _CopyForTransactions:
    """moto's ``copy`` module as its DynamoDB models see it: tables copied for a rollback get a snapshot."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        """A rollback snapshot for a table the running transaction touches; a real deep copy otherwise."""
        keys = getattr(_touching, "keys", None)
        name = getattr(value, "name", None)
        if keys is not None and name in keys and hasattr(value, "hash_key_attr"):
            return rollback_snapshot(value, keys[name])
        return copy.deepcopy(value, memo)


def _with_cheap_rollback(original: Callable[..., Any]) -> Callable[..., Any]:
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        _touching.keys = touched_keys(self.tables, transact_items)
        try:
            return original(self, transact_items)
        finally:
            _touching.keys = None

    return transact_write_items


def emulator_patches() -> list[tuple[Any, str, Any]]:
    """Every (object, attribute, replacement) that makes moto behave as described above."""
    import moto.dynamodb.models as models
    from moto import backends
    from moto.dynamodb.responses import DynamoHandler

    modules = tuple(backends.list_of_moto_modules())
    patches: list[tuple[Any, str, Any]] = [
        (DynamoHandler, name, handler) for name, handler in atomic_dynamodb_actions(DYNAMODB_LOCK).items()
    ]
    transact = _with_cheap_rollback(models.DynamoDBBackend.transact_write_items)
    patches += [
        (models, "copy", _CopyForTransactions()),
        (models.DynamoDBBackend, "transact_write_items", transact),
        (backends, "list_of_moto_modules", lambda: modules),
    ]
    return patches


def make_dynamodb_atomic() -> None:
    """Patch moto in this process, once (``siu dev``): its DynamoDB atomic per request, and lighter."""
    global _installed
    with _install_lock:
        if _installed:
            return
        for target, name, value in emulator_patches():
            setattr(target, name, value)
        _installed = True
