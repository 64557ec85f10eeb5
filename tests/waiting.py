"""Waiting on what a background worker does (the dev stack's poller, feeds, a restart): poll, never sleep blind."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def until(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    """``check()``'s first truthy value, or its last value once ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while not (value := check()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return value
