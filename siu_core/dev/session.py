"""Where a running ``siu dev`` tells other commands (simulate, token) its URL and dev secrets.

Everything of one ``siu dev`` lives in its state dir (``--state-dir``, else ``$SIU_STATE_DIR``, else
``~/.siu``), created 0700; two instances on two state dirs never touch each other's files:

- ``dev-session.json`` (0600, while it runs): base URL, the emulation's endpoint, dev secrets, the
  dev token; ``siu simulate`` and ``siu token`` read it (they take ``--state-dir`` / the variable too);
- ``dev-secrets.json`` (0600, kept): the generated channel secrets and the dev token, so the same
  state dir gives the same secrets after a restart and platform configs keep working;
- ``dev.lock``: held (fcntl) while an instance runs (``siu_core.dev.lock``);
- ``data/`` and ``webhooks.journal``: the emulation's contents (``siu_core.dev.persist``, ``journal``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

STATE_ENV = "SIU_STATE_DIR"
SESSION_FILE = "dev-session.json"
SECRETS_FILE = "dev-secrets.json"


def state_dir(path: Path | str | None = None) -> Path:
    """``path``, else ``$SIU_STATE_DIR``, else ``~/.siu``: private to the user (created 0700)."""
    chosen = Path(path or os.environ.get(STATE_ENV) or Path.home() / ".siu").expanduser()
    chosen.mkdir(mode=0o700, parents=True, exist_ok=True)
    return chosen


def session_path(directory: Path | str | None = None) -> Path:
    """The session file of the ``siu dev`` running on this state dir."""
    return state_dir(directory) / SESSION_FILE


def write_private(path: Path, data: dict[str, Any]) -> Path:
    """Write JSON readable by this user only (0600), atomically."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return path


def write_session(data: dict[str, Any], directory: Path | str | None = None) -> Path:
    """Save the session readable by this user only (it holds dev secrets)."""
    return write_private(session_path(directory), data)


def read_session(directory: Path | str | None = None) -> dict[str, Any] | None:
    """The running dev session of this state dir, or None when no ``siu dev`` has written one."""
    try:
        data: dict[str, Any] = json.loads(session_path(directory).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


def clear_session(base_url: str, directory: Path | str | None = None) -> None:
    """Remove the session file if it still belongs to this server."""
    current = read_session(directory)
    if current is not None and current.get("base_url") == base_url:
        session_path(directory).unlink(missing_ok=True)


def read_dev_secrets(directory: Path) -> dict[str, Any]:
    """The generated dev secrets and dev token kept in this state dir ({} on a fresh one)."""
    try:
        data: dict[str, Any] = json.loads((directory / SECRETS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_dev_secrets(directory: Path, data: dict[str, Any]) -> Path:
    """Keep the generated dev secrets and dev token (0600) for the next start on this state dir."""
    return write_private(directory / SECRETS_FILE, data)
