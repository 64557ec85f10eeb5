"""The SLA sweeper Lambda (EventBridge Scheduler, every 5 minutes): thin shell around :mod:`siu_core.sla_sweep`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from siu_core import obs

if TYPE_CHECKING:
    from siu_core.notify import Notifier

SERVICE = "sla-sweeper"

#: The sweep's clock; tests and ``siu sla sweep --now`` may replace it.
clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731

_lock = threading.Lock()
_notifier: Notifier | None = None


def notifier() -> Notifier:
    """The Slack notifier of this process (token read on the first notice)."""
    global _notifier
    with _lock:
        if _notifier is None:
            from siu_core.notify import Notifier

            _notifier = Notifier()
        return _notifier


def set_notifier(value: Notifier | None) -> None:
    """Install a notifier built elsewhere (tests, ``siu dev``), or None to build one lazily."""
    global _notifier
    with _lock:
        _notifier = value


@obs.instrument(SERVICE)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Sweep once: re-route breached threads, notify their teams, drain unassigned queues."""
    from siu_core.config import load_config
    from siu_core.sla_sweep import sweep

    report = sweep(load_config(), clock(), notifier())
    return report.summary()
