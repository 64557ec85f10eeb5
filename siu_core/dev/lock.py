"""One ``siu dev`` per state dir: an fcntl lock on ``<state dir>/dev.lock``.

The lock is the kernel's, so it dies with the process however it ends (Ctrl-C, SIGTERM, SIGKILL):
no stale lock file to remove by hand. The file also says who holds it (pid, URL), so a second
``siu dev`` on the same state dir can name the first one in its one-line refusal.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import Any

LOCK_FILE = "dev.lock"


class StateDirBusy(RuntimeError):
    """Another live ``siu dev`` holds this state dir; the message names its pid and URL."""


class StateLock:
    """Hold ``dev.lock`` of a state dir for the life of this ``siu dev``."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> StateLock:
        """Take the lock or raise StateDirBusy naming the holder."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _holder(fd)
            os.close(fd)
            who = f"pid {holder.get('pid', '?')}"
            if holder.get("base_url"):
                who += f" at {holder['base_url']}"
            raise StateDirBusy(f"another siu dev ({who}) is using the state dir {self.path.parent}; stop it, "
                               "or start this one with another --state-dir") from None
        self._fd = fd
        self.describe()
        return self

    def describe(self, **info: Any) -> None:
        """Record who holds the lock (pid plus e.g. the base URL) for a refused second instance to print."""
        if self._fd is None:
            return
        data = json.dumps({"pid": os.getpid(), **info}).encode("utf-8")
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0)

    def release(self) -> None:
        """Let go (the OS does this too if the process dies)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _holder(fd: int) -> dict[str, Any]:
    try:
        raw = os.pread(fd, 4096, 0)
        data = json.loads(raw or b"{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
