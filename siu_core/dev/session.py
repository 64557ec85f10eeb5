"""Where a running ``siu dev`` tells other commands (simulate, token) its URL and dev secrets."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

STATE_ENV = "SIU_STATE_DIR"


def state_dir() -> Path:
    """``$SIU_STATE_DIR`` or ``~/.siu``: private to the user (created 0700)."""
    path = Path(os.environ.get(STATE_ENV) or Path.home() / ".siu")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def session_path() -> Path:
    """The session file of the most recently started ``siu dev``."""
    return state_dir() / "dev-session.json"


def write_session(data: dict[str, Any]) -> Path:
    """Save the session readable by this user only (it holds dev secrets)."""
    path = session_path()
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
    tmp.replace(path)
    return path


def read_session() -> dict[str, Any] | None:
    """The running dev session, or None when no ``siu dev`` has written one."""
    try:
        data: dict[str, Any] = json.loads(session_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


def clear_session(base_url: str) -> None:
    """Remove the session file if it still belongs to this server."""
    current = read_session()
    if current is not None and current.get("base_url") == base_url:
        session_path().unlink(missing_ok=True)
