"""Issue 20's acceptance, as a script outside the project would run it against a real ``siu dev``.

Signed webhooks from several customers, some answered from the inbox API, then the threads CSV is
downloaded twice (``GET /api/reports/threads?format=csv`` and ``siu report --csv``): every
first-response time in it must be the time between the customer's message and the first reply as
the thread itself shows them, and the unanswered threads must have none.
"""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
from test_acceptance_trust import SECRETS, _api, _siu, _thread_of, _token, _webhook
from test_dev_cli_restart import _free_port, _start, _stop, _until

SENDERS = ("6591110001", "6591110002", "6591110003", "6591110004")


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _first_response_of(run: Any, token: str, thread_id: str) -> float | None:
    """Seconds from the thread's first customer message to the first message out after it, as the thread shows."""
    detail = _api(run, "GET", f"/api/threads/{thread_id}", token).json()
    messages = sorted(detail["messages"], key=lambda m: m["timestamp"])
    first_in = next(m for m in messages if m["direction"] == "in")
    out = next((m for m in messages if m["direction"] == "out" and m["timestamp"] >= first_in["timestamp"]), None)
    return (_when(out["timestamp"]) - _when(first_in["timestamp"])).total_seconds() if out else None


def _by_thread(text: str) -> dict[str, dict[str, str]]:
    return {row["thread_id"]: row for row in csv.DictReader(io.StringIO(text))}


def test_issue_20_the_csv_first_response_times_match_the_threads(tmp_path: Path) -> None:
    state, port, log = tmp_path / "state", _free_port(), tmp_path / "siu-dev.log"
    secrets_file = tmp_path / "secrets.json"
    secrets_file.write_text(json.dumps(SECRETS), encoding="utf-8")
    run, _ = _start(state, port, log, "--secrets", str(secrets_file))
    try:
        for n, sender in enumerate(SENDERS):
            texts = ["Where is my order 1234?", "I was charged twice, refund please", "URGENT my parcel is lost",
                     "Do you ship to Penang?"]
            assert _webhook(run, [(f"wamid.rep-{n}", texts[n])], sender).status_code == 200
        admin = _token(state, "ahmad")
        threads = {s: _until(lambda s=s: _thread_of(run, s), what=f"the thread of {s}")["thread_id"]
                   for s in SENDERS}
        # Two threads answered a moment apart, one answered twice, one left waiting.
        for sender, replies in ((SENDERS[0], 2), (SENDERS[2], 1), (SENDERS[1], 1)):
            time.sleep(1.1)
            for _ in range(replies):
                sent = _api(run, "POST", f"/api/threads/{threads[sender]}/reply", admin, {"text": "On it"},
                            **{"Idempotency-Key": uuid.uuid4().hex})
                assert sent.status_code == 200, sent.text
        expected = {tid: _first_response_of(run, admin, tid) for tid in threads.values()}
        assert sum(v is not None for v in expected.values()) == 3

        today = requests.get(f"{run.base}/api/reports/summary", timeout=30,
                             headers={"Authorization": f"Bearer {admin}"}).json()["to"]
        answer = requests.get(f"{run.base}/api/reports/threads", timeout=30,
                              params={"from": today, "to": today, "format": "csv"},
                              headers={"Authorization": f"Bearer {admin}"})
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/csv")
        cli = _siu(state, "report", "--from", today, "--to", today, "--report", "threads", "--csv")
        assert cli.returncode == 0, cli.stderr
        for text in (answer.text, cli.stdout):
            rows = _by_thread(text)
            assert set(rows) == set(threads.values())
            for tid, seconds in expected.items():
                got = rows[tid]["first_response_s"]
                if seconds is None:
                    assert got == "", tid
                else:
                    assert abs(float(got) - seconds) < 0.001, (tid, got, seconds)

        summary = _siu(state, "report", "--from", today, "--to", today, "--json")
        assert summary.returncode == 0, summary.stderr
        (row,) = json.loads(summary.stdout)["rows"]
        assert (row["opened"], row["first_responses"]) == (4, 3)
        assert _siu(state, "report", "--from", "2026-13-01").returncode == 2
    finally:
        _stop(run)
