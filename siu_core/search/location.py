"""Where this process's search index file is, and the one open :class:`~siu_core.search.engine.Index` on it."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from siu_core.search.engine import Index

#: The index file's path: ``siu dev`` sets it in its state dir; the deployed Search and Indexer
#: functions to their EFS mount (docs/search.md).
INDEX_ENV = "SIU_SEARCH_INDEX"
#: Its name inside a state dir.
FILE_NAME = "search.sqlite3"

_lock = threading.Lock()
_open: dict[str, Index] = {}


def index_path() -> Path | None:
    """The configured index file, or None when this deployment has no search index."""
    value = os.environ.get(INDEX_ENV, "").strip()
    return Path(value) if value else None


def shared(path: Path | None = None, *, read_only: bool = False) -> Index | None:
    """The process's open index on ``path`` (default: the configured one), opened on first use.

    ``read_only`` is the Search function's open (its EFS mount allows no writes): no schema is created.
    """
    from siu_core.search.engine import Index

    where = path or index_path()
    if where is None:
        return None
    key = f"{where}#ro" if read_only else str(where)
    with _lock:
        found = _open.get(key)
        if found is None:
            found = _open[key] = Index(where, read_only=read_only)
        return found


def close_all() -> None:
    """Close every index this process opened (``siu dev`` stopping, a test tearing down)."""
    with _lock:
        for index in _open.values():
            index.close()
        _open.clear()
