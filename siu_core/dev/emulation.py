"""moto's DynamoDB made atomic per request, as DynamoDB is, for ``siu dev`` and the tests.

moto checks a transaction's conditions and then writes without a lock, rolls a failed transaction
back by putting deep copies of whole tables back in place (undoing whatever another thread wrote
meanwhile), and builds a read's answer from the live item after its backend call returns (a read
can fail while a concurrent write adds an attribute). ``siu dev`` serves the labeler, the inbox
API and the schedules from several threads, so without this a routine conditional failure could
erase a concurrent write in the emulator that real DynamoDB would keep. One lock around each whole
request, its work and its answer, gives the service's per-request atomicity and nothing more: the
code on top still interleaves between its requests, as it does on AWS.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

#: The DynamoDB actions siu calls (every one that reads or writes items).
DYNAMODB_ACTIONS = ("put_item", "update_item", "delete_item", "get_item", "query", "scan", "batch_get_item",
                    "batch_write_item", "transact_get_items", "transact_write_items")

_install_lock = threading.Lock()
_installed = False


def atomic_dynamodb_actions(lock: Any) -> dict[str, Callable[..., Any]]:
    """moto's DynamoDB request handlers, each wrapped to hold ``lock`` for its whole request."""
    from moto.dynamodb.responses import DynamoHandler

    wrapped: dict[str, Callable[..., Any]] = {}
    for name in DYNAMODB_ACTIONS:
        original = getattr(DynamoHandler, name)

        def locked(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(self, *args, **kwargs)

        locked.__name__ = locked.__qualname__ = name
        wrapped[name] = locked
    return wrapped


def make_dynamodb_atomic() -> None:
    """Patch moto's DynamoDB in this process, once: the emulator then answers each request atomically."""
    global _installed
    with _install_lock:
        if _installed:
            return
        from moto.dynamodb.responses import DynamoHandler

        for name, handler in atomic_dynamodb_actions(threading.RLock()).items():
            setattr(DynamoHandler, name, handler)
        _installed = True
