"""The schedules on a local clock: the same expressions EventBridge Scheduler runs on AWS."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

log = logging.getLogger("siu.dev.schedule")

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_DAILY_CRON = re.compile(r"^cron\((\d{1,2}) (\d{1,2}) \* \* \? \*\)$")
_WEEKLY_CRON = re.compile(r"^cron\((\d{1,2}) (\d{1,2}) \? \* (MON|TUE|WED|THU|FRI|SAT|SUN) \*\)$")
_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def next_run(expression: str, after: datetime, time_zone: str) -> datetime:
    """The first time strictly after ``after`` that the expression fires (rate(), a daily or a weekly cron()).

    Only the shapes siu's template uses are understood; anything else raises ValueError.
    """
    rate = _RATE.match(expression)
    if rate:
        unit = rate.group(2).rstrip("s")
        step = timedelta(**{f"{unit}s": int(rate.group(1))})
        return after + step
    cron = _DAILY_CRON.match(expression)
    if cron:
        minute, hour = int(cron.group(1)), int(cron.group(2))
        zone = ZoneInfo(time_zone)
        local = after.astimezone(zone)
        candidate = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if candidate <= local:
            candidate = (local + timedelta(days=1)).replace(hour=hour, minute=minute, second=0, microsecond=0)
        return candidate.astimezone(UTC)
    weekly = _WEEKLY_CRON.match(expression)
    if weekly:
        minute, hour, weekday = int(weekly.group(1)), int(weekly.group(2)), _WEEKDAYS.index(weekly.group(3))
        local = after.astimezone(ZoneInfo(time_zone))
        for ahead in range(8):
            day = (local + timedelta(days=ahead)).date()
            if day.weekday() != weekday:
                continue
            candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(time_zone))
            if candidate > local:
                return candidate.astimezone(UTC)
    raise ValueError(f"unsupported schedule expression {expression!r}")


@dataclass
class Job:
    """One scheduled target."""

    name: str
    expression: str
    run: Callable[[], object]


@dataclass
class Scheduler:
    """Runs each job at its next time on a background thread; :meth:`run_now` fires one at once."""

    time_zone: str
    jobs: list[Job]
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    next_times: dict[str, datetime] = field(default_factory=dict)

    def start(self) -> None:
        """Compute each job's first run and start ticking."""
        now = self.clock()
        self.next_times = {job.name: next_run(job.expression, now, self.time_zone) for job in self.jobs}
        self._thread = threading.Thread(target=self._loop, name="siu-scheduler", daemon=True)
        self._thread.start()

    def alive(self) -> bool:
        """Whether the ticking thread runs (the dev server's health check asks)."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        """Stop ticking (a running job finishes first)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def run_now(self, name: str) -> object:
        """Fire a job immediately (``siu dev`` exposes this for the SLA sweep, the digest and the summary)."""
        job = next(j for j in self.jobs if j.name == name)
        return job.run()

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            now = self.clock()
            for job in self.jobs:
                if now >= self.next_times[job.name]:
                    self.next_times[job.name] = next_run(job.expression, now, self.time_zone)
                    try:
                        job.run()
                    except Exception:
                        log.exception("scheduled job %s failed", job.name)
