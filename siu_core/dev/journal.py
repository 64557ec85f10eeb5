"""The webhook journal: every webhook ``siu dev`` answered 200, on disk before the 200 leaves.

A snapshot of the emulation (``siu_core.dev.persist``) is at most a second or two old; a crash
(SIGKILL, power loss) in between would lose webhooks the platform was told were accepted, and the
platform never sends them again. So each accepted request (its channel and the whole Function-URL
event: raw body, headers, query) is appended as one JSON line and fsync'ed before the answer is
sent. Each entry has a sequence number; a snapshot records the last sequence number it covers (read
before it copies anything, so every covered entry's events were already queued), and the journal
is then trimmed to the entries after it. At start, entries after the restored snapshot are fed to
the real connector again: the signature is re-checked with the restored secrets and the labeler's
dedupe on the channel message id makes an event that did reach the snapshot a no-op.

The file holds customer messages: it is created 0600 in the (0700) state dir. A torn last line
(the process died inside a write, so that request was never answered 200) is ignored.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("siu.dev.journal")


@dataclass(frozen=True)
class Entry:
    """One accepted webhook."""

    seq: int
    channel: str
    event: dict[str, Any]


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    """Append-only, fsync'ed log of accepted webhooks, trimmed once a snapshot covers them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._entries: list[Entry] = self._read()
        self._seq = max((e.seq for e in self._entries), default=0)
        self._fh = self._open()

    def _open(self) -> Any:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return os.fdopen(fd, "ab")

    def _read(self) -> list[Entry]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        out: list[Entry] = []
        for line in raw.splitlines():
            try:
                data = json.loads(line)
                out.append(Entry(int(data["seq"]), str(data["channel"]), dict(data["event"])))
            except (ValueError, KeyError, TypeError):
                log.warning("journal %s: skipped a torn or unreadable line", self.path)
        return out

    @property
    def last_seq(self) -> int:
        """The sequence number of the newest entry ever written (0 when none)."""
        with self._lock:
            return self._seq

    def bump(self, seq: int) -> None:
        """Never hand out a number at or below ``seq`` (a restored snapshot's)."""
        with self._lock:
            self._seq = max(self._seq, seq)

    def append(self, channel: str, event: dict[str, Any]) -> int:
        """Write one accepted webhook durably (fsync) and return its sequence number."""
        with self._lock:
            self._seq += 1
            entry = Entry(self._seq, channel, event)
            line = json.dumps({"seq": entry.seq, "channel": channel, "event": event}, separators=(",", ":"))
            self._fh.write(line.encode("utf-8") + b"\n")
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._entries.append(entry)
            return entry.seq

    def after(self, seq: int) -> list[Entry]:
        """Entries newer than ``seq``, oldest first (what a snapshot taken at ``seq`` may lack)."""
        with self._lock:
            return [e for e in self._entries if e.seq > seq]

    def trim(self, upto: int) -> int:
        """Drop entries a durable snapshot covers (seq <= ``upto``); returns how many remain."""
        with self._lock:
            keep = [e for e in self._entries if e.seq > upto]
            if len(keep) == len(self._entries):
                return len(keep)
            tmp = self.path.with_name(self.path.name + ".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                for e in keep:
                    fh.write(json.dumps({"seq": e.seq, "channel": e.channel, "event": e.event},
                                        separators=(",", ":")).encode("utf-8") + b"\n")
                fh.flush()
                os.fsync(fh.fileno())
            self._fh.close()
            tmp.replace(self.path)
            _fsync_dir(self.path.parent)
            self._fh = self._open()
            self._entries = keep
            return len(keep)

    def close(self) -> None:
        """Close the file (entries stay on disk)."""
        with self._lock:
            self._fh.close()
