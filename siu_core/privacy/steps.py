"""What the export and the erasure share as resumable jobs: the progress line, the time check, the stop."""

from __future__ import annotations

from collections.abc import Callable

#: Told one line of progress at a time (the CLI prints them; the API passes none).
Progress = Callable[[str], None]
#: Answers True when the caller's time is up (a request's budget): a job stops between two steps.
OutOfTime = Callable[[], bool]


class Unfinished(Exception):
    """A job stopped for time between two steps; its job item holds the progress (call it again to go on)."""

    def __init__(self, job: str, job_id: str, counts: dict[str, int]) -> None:
        super().__init__(f"{job} {job_id} is not finished yet: run it again to go on")
        self.job_id = job_id
        self.counts = counts
