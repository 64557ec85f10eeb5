"""Search over customers, threads and messages: an embedded SQLite FTS5 index (see docs/search.md).

:func:`forget` is the erasure entry point: it removes a customer's threads and messages from the index.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def forget(path: Path | str, *, thread_ids: Iterable[str] = (), customer_handles: Iterable[str] = ()) -> int:
    """Erase threads (by id) and every thread of the customers named by ``customer_handles`` (customer
    key, id, phone or username) from the index file at ``path``; the number of threads erased."""
    from siu_core.search.engine import Index

    index = Index(path)
    try:
        return index.forget(thread_ids=thread_ids, customer_handles=customer_handles)
    finally:
        index.close()
