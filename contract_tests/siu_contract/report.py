"""Per-channel tallies of a contract run, written as JSON for ``siu contract-test``."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

OUTCOME_RANK = {"passed": 0, "skipped": 1, "failed": 2}


@dataclass
class ChannelTally:
    """How one channel fared, and the first line of each failure."""

    name: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)


class Tally:
    """Folds pytest reports (setup, call, teardown) into one outcome per test, grouped by channel."""

    def __init__(self) -> None:
        self.channel_of: dict[str, str] = {}
        self.outcomes: dict[str, str] = {}
        self.messages: dict[str, str] = {}

    def record(self, nodeid: str, outcome: str, when: str, message: str | None) -> None:
        """Keep the worst outcome seen for a test; a call that passed counts, a setup that passed does not."""
        if outcome == "passed" and when != "call":
            return
        current = self.outcomes.get(nodeid)
        if current is None or OUTCOME_RANK[outcome] > OUTCOME_RANK[current]:
            self.outcomes[nodeid] = outcome
            if outcome == "failed" and message:
                self.messages[nodeid] = message

    def channels(self) -> list[ChannelTally]:
        """One tally per channel that had any test, sorted by name."""
        by_name: dict[str, ChannelTally] = {}
        for nodeid, channel in self.channel_of.items():
            by_name.setdefault(channel, ChannelTally(channel))
            outcome = self.outcomes.get(nodeid)
            tally = by_name[channel]
            if outcome == "passed":
                tally.passed += 1
            elif outcome == "skipped":
                tally.skipped += 1
            elif outcome == "failed":
                tally.failed += 1
                tally.failures.append({"test": nodeid, "message": self.messages.get(nodeid, "")})
        return [by_name[name] for name in sorted(by_name)]

    def write(self, path: Path, exit_status: int) -> None:
        """Write the tallies where the CLI reads them."""
        data: dict[str, Any] = {"exit_status": exit_status, "channels": [asdict(t) for t in self.channels()]}
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")


def first_line(longrepr: Any) -> str:
    """The most telling line of a failure: a violation's own reason, or the crash message."""
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None and getattr(crash, "message", None):
        return str(crash.message).splitlines()[0][:300]
    text = str(longrepr).strip()
    return text.splitlines()[0][:300] if text else ""


class ReportPlugin:
    """Registered only with ``--siu-report``: tallies contract checks by channel and writes the JSON."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tally = Tally()

    def pytest_collectstart(self, collector: pytest.Collector) -> None:
        """Remember which channel a collector belongs to, so its collection errors count against it."""
        channel = getattr(collector, "channel", None)
        if isinstance(channel, str):
            self.tally.channel_of[collector.nodeid] = channel

    def pytest_itemcollected(self, item: pytest.Item) -> None:
        """Remember which channel each contract check belongs to."""
        channel = getattr(item, "channel", None)
        if isinstance(channel, str):
            self.tally.channel_of[item.nodeid] = channel

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A channel whose collection crashed is a failed channel, not a silent one."""
        if report.failed and report.nodeid in self.tally.channel_of:
            self.tally.record(report.nodeid, "failed", "call", first_line(report.longrepr))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Fold each phase's outcome into the test's single outcome."""
        if report.nodeid in self.tally.channel_of:
            message = first_line(report.longrepr) if report.failed else None
            self.tally.record(report.nodeid, report.outcome, report.when or "call", message)

    def pytest_sessionfinish(self, exitstatus: int) -> None:
        """Write the report where ``siu contract-test`` reads it."""
        self.tally.write(self.path, int(exitstatus))
