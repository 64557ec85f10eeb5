"""A real ``siu dev`` process: ready when /healthz says so, SIGTERM and SIGKILL lose nothing, one per state dir.

Each run is a subprocess on a fixed loopback port and one state dir; the test talks to it as a user
would (signed webhooks over HTTP, ``siu token issue``, the inbox API), never through its internals.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from siu_core.models import SimulatedMessage
from siu_core.plugins import load_channels

SIU = [str(Path(sys.executable).parent / "siu")]
REAL_SECRETS = {"whatsapp": {"app_secret": "REAL-app-secret-0123456789abcdef", "verify_token": "REAL-verify-token-xyz",
                             "access_token": "REAL-access-token-EAAG0123456789", "phone_number_id": "106540352242922"}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _until(check: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@dataclass
class Run:
    proc: subprocess.Popen[str]
    base: str
    log: Path
    state: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def session(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.state / "dev-session.json").read_text(encoding="utf-8"))
        return data


def _env(state: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env.update({"SIU_STATE_DIR": str(state), "POWERTOOLS_LOG_LEVEL": "WARNING", "COLUMNS": "200"})
    return env


def _start(state: Path, port: int, log: Path, *extra: str) -> tuple[Run, list[Any]]:
    """Start siu dev and poll /healthz from the first moment: every answer before the 200 is recorded."""
    fh = log.open("a", encoding="utf-8")
    proc = subprocess.Popen([*SIU, "dev", "--port", str(port), "--batching-window", "0.2", *extra],
                            stdout=fh, stderr=subprocess.STDOUT, env=_env(state), text=True)
    fh.close()
    base = f"http://127.0.0.1:{port}"
    seen: list[Any] = []

    def healthy() -> bool:
        assert proc.poll() is None, log.read_text()
        try:
            resp = requests.get(f"{base}/healthz", timeout=5)
        except requests.ConnectionError:
            return False
        seen.append((resp.status_code, resp.json()))
        return resp.status_code == 200

    _until(healthy, 120, "/healthz 200")
    return Run(proc, base, log, state), seen


def _stop(run: Run, sig: int = signal.SIGTERM) -> int:
    run.proc.send_signal(sig)
    return run.proc.wait(timeout=90)


def _post(run: Run, text: str, sender: str) -> str:
    session = run.session()
    ch = load_channels(["whatsapp"]).get("whatsapp")
    message = SimulatedMessage(sender_id=sender, sender_name="Ana", text=text,
                               message_id=f"sim-{uuid.uuid4().hex[:16]}", timestamp=datetime.now(UTC))
    webhook = ch.simulate_webhook([message], session["accounts"]["whatsapp"], session["secrets"]["whatsapp"],
                                  session["settings"]["whatsapp"])
    resp = requests.post(f"{run.base}/webhooks/whatsapp", data=webhook.body, headers=webhook.headers, timeout=15)
    assert resp.status_code == 200, resp.text
    return webhook.message_ids.get(message.message_id, message.message_id)


def _customers(run: Run) -> set[str]:
    return {t["customer"]["id"] for t in requests.get(f"{run.base}/dev/threads", timeout=10).json()}


def _token(state: Path, user: str, role: str) -> str:
    done = subprocess.run([*SIU, "token", "issue", "--user", user, "--role", role, "--json"], env=_env(state),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    token: str = json.loads(done.stdout)["token"]
    return token


def _api(run: Run, method: str, path: str, token: str, body: Any = None) -> requests.Response:
    return requests.request(method, f"{run.base}{path}", json=body, timeout=15,
                            headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def runs(tmp_path: Path) -> Iterator[list[Run]]:
    started: list[Run] = []
    yield started
    for run in started:
        if run.proc.poll() is None:
            run.proc.kill()
            run.proc.wait(30)


def test_sigterm_then_sigkill_lose_nothing_and_a_second_instance_is_refused(tmp_path: Path, runs: list[Run]) -> None:
    state, port, log = tmp_path / "state", _free_port(), tmp_path / "siu-dev.log"
    secrets_file = tmp_path / "secrets.json"
    secrets_file.write_text(json.dumps(REAL_SECRETS), encoding="utf-8")

    # run 1: ready means ready; a thread, a token, a roster edit (with its audit row); SIGTERM
    first, seen = _start(state, port, log, "--secrets", str(secrets_file))
    runs.append(first)
    assert all(code == 503 and body == {"status": "starting"} for code, body in seen[:-1])
    _until(lambda: "ready" in first.output(), what="`ready` printed (after /healthz turned 200)")
    _post(first, "Where is my order 77?", "6591110001")  # at once after the first 200
    admin = _token(state, "ahmad", "admin")
    mei = _token(state, "mei", "admin")
    _until(lambda: "6591110001" in _customers(first), what="the first thread")
    assert _api(first, "PUT", "/api/roster/mei", admin, {"status": "away"}).status_code == 200
    assert _stop(first) == 0
    assert "stopped." in first.output()

    # run 2, same port at once: everything is back; a webhook answered 200, then SIGKILL before any snapshot
    second, _ = _start(state, port, log, "--secrets", str(secrets_file), "--snapshot-interval", "3600")
    runs.append(second)
    assert "6591110001" in _customers(second)
    assert _api(second, "GET", "/api/me", mei).status_code == 200
    roster = {r["id"]: r for r in _api(second, "GET", "/api/roster", admin).json()["roster"]}
    assert roster["mei"]["status"] == "away"
    assert any(r["action"] == "roster_updated"
               for r in _api(second, "GET", "/api/audit?teammate=mei", admin).json()["rows"])
    _post(second, "My parcel is late", "6591110002")
    second.proc.kill()  # SIGKILL right after the 200
    assert second.proc.wait(30) == -signal.SIGKILL

    # run 3: the killed run's accepted webhook is threaded; a second instance on the dir is refused
    third, _ = _start(state, port, log, "--secrets", str(secrets_file))
    runs.append(third)
    _until(lambda: "6591110002" in _customers(third), what="the journaled message after SIGKILL")
    assert "6591110001" in _customers(third)
    assert "1 journaled webhook(s) replayed" in third.output()
    other = subprocess.run([*SIU, "dev", "--port", "0"], env=_env(state), capture_output=True, text=True,
                           timeout=120)
    assert other.returncode == 2
    assert f"pid {third.proc.pid} at {third.base}" in other.stderr and len(other.stderr.strip().splitlines()) == 1
    assert _stop(third) == 0

    printed = log.read_text(encoding="utf-8")
    for value in REAL_SECRETS["whatsapp"].values():
        if not value.isdigit():  # the account id is an id, not a secret
            assert value not in printed
    assert "from --secrets" in printed


def test_two_state_dirs_run_side_by_side_without_touching_each_other(tmp_path: Path, runs: list[Run]) -> None:
    one, _ = _start(tmp_path / "one", _free_port(), tmp_path / "one.log", "--snapshot-interval", "0.2")
    runs.append(one)
    two, _ = _start(tmp_path / "two", _free_port(), tmp_path / "two.log")
    runs.append(two)
    assert one.session()["base_url"] == one.base and two.session()["base_url"] == two.base
    _post(one, "only in one", "6592220001")
    _until(lambda: "6592220001" in _customers(one), what="the thread in one")
    assert "6592220001" not in _customers(two)
    assert _stop(one) == 0 and _stop(two) == 0
    assert not (tmp_path / "one" / "dev-session.json").exists()
    assert not (tmp_path / "two" / "dev-session.json").exists()
