"""Issue 13's acceptance, as a script outside the project would run it against a real ``siu dev``.

Only HTTP, ``hmac`` and the ``siu`` command: the webhook is built and signed by hand like the README's
curl example, tokens come from ``siu token issue``, and every check is what a user can observe.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import requests
from test_dev_cli_restart import SIU, Run, _env, _free_port, _start, _stop, _until

SECRETS = {"whatsapp": {"app_secret": "acceptance-app-secret-5f0c2b7e91d4", "verify_token": "acceptance-verify-77",
                        "access_token": "EAAGacceptance0123456789token", "phone_number_id": "109876543210987"}}


def _webhook(run: Run, messages: list[tuple[str, str]], sender: str) -> requests.Response:
    """A WhatsApp Cloud API webhook with these (id, text) messages, signed with the app secret given."""
    phone_id = SECRETS["whatsapp"]["phone_number_id"]
    now = str(int(time.time()))
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_id},
            "contacts": [{"profile": {"name": "Ana"}, "wa_id": sender}],
            "messages": [{"from": sender, "id": mid, "timestamp": now, "type": "text", "text": {"body": text}}
                         for mid, text in messages]}}]}]}).encode()
    signature = hmac.new(SECRETS["whatsapp"]["app_secret"].encode(), body, hashlib.sha256).hexdigest()
    return requests.post(f"{run.base}/webhooks/whatsapp", data=body, timeout=30,
                         headers={"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={signature}"})


def _siu(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SIU, *args], env=_env(state), capture_output=True, text=True, timeout=60)


def _token(state: Path, user: str) -> str:
    done = _siu(state, "token", "issue", "--user", user, "--json")
    assert done.returncode == 0, done.stderr
    token: str = json.loads(done.stdout)["token"]
    return token


def _api(run: Run, method: str, path: str, token: str, body: Any = None, **headers: str) -> requests.Response:
    return requests.request(method, f"{run.base}{path}", json=body, timeout=30,
                            headers={"Authorization": f"Bearer {token}", **headers})


def _thread_of(run: Run, sender: str) -> dict[str, Any] | None:
    return next((t for t in requests.get(f"{run.base}/dev/threads", timeout=10).json()
                 if t["customer"]["id"] == sender), None)


def test_issue_13_as_an_outside_script_sees_it(tmp_path: Path) -> None:
    state, port, log = tmp_path / "state", _free_port(), tmp_path / "siu-dev.log"
    secrets_file = tmp_path / "secrets.json"
    secrets_file.write_text(json.dumps(SECRETS), encoding="utf-8")
    runs: list[Run] = []
    try:
        # The moment /healthz is 200: a signed webhook is threaded and a token can be issued.
        run, _ = _start(state, port, log, "--secrets", str(secrets_file))
        runs.append(run)
        assert _webhook(run, [("wamid.acc-1", "Where is my order 1234?")], "6590000001").status_code == 200
        admin = _token(state, "ahmad")
        _until(lambda: _thread_of(run, "6590000001"), what="the first thread")

        # / leads to the inbox; nosniff on the inbox page and the API.
        home = requests.get(f"{run.base}/", timeout=10)
        assert home.url == f"{run.base}/inbox/" and home.status_code == 200
        assert requests.get(f"{run.base}/", allow_redirects=False, timeout=10).status_code in (301, 302, 307, 308)
        assert home.headers["X-Content-Type-Options"] == "nosniff"
        assert _api(run, "GET", "/api/me", admin).headers["X-Content-Type-Options"] == "nosniff"

        # A demoted admin's old token gets 403 on the roster at once.
        mei = _token(state, "mei")
        assert _api(run, "GET", "/api/roster", mei).status_code == 200
        assert _api(run, "PUT", "/api/roster/mei", admin, {"role": "agent"}).status_code == 200
        assert _api(run, "GET", "/api/roster", mei).status_code == 403

        # Revoking one teammate refuses only that teammate's token.
        farid, priya = _token(state, "farid"), _token(state, "priya")
        assert _siu(state, "token", "revoke", "--user", "farid").returncode == 0
        assert _api(run, "GET", "/api/me", farid).status_code == 401
        assert _api(run, "GET", "/api/me", priya).status_code == 200

        # Lifetimes above the cap are a usage error.
        assert _siu(state, "token", "issue", "--user", "ahmad", "--ttl", "400d").returncode == 2

        # A reply of zero-width characters only is refused.
        thread_id = _thread_of(run, "6590000001")["thread_id"]  # type: ignore[index]
        blank = _api(run, "POST", f"/api/threads/{thread_id}/reply", admin, {"text": "\u200b\u200d\u2060"},
                     **{"Idempotency-Key": uuid.uuid4().hex})
        assert blank.status_code == 422

        # A 300 KB batched webhook: 200, and every message threaded.
        batch = [(f"wamid.big-{i}", f"message {i} " + "x" * 4000) for i in range(75)]
        assert _webhook(run, batch, "6590000002").status_code == 200
        _until(lambda: (t := _thread_of(run, "6590000002")) and t["message_count"] == 75, 120,
               "the 75 messages of the 300 KB webhook")

        # Stop and start on the same state dir: the thread is there.
        assert _stop(run) == 0
        run, _ = _start(state, port, log, "--secrets", str(secrets_file), "--snapshot-interval", "3600")
        runs.append(run)
        assert _thread_of(run, "6590000001") is not None

        # SIGKILL right after a 200: the message is threaded after the restart.
        assert _webhook(run, [("wamid.acc-kill", "Is my refund coming?")], "6590000003").status_code == 200
        run.proc.send_signal(signal.SIGKILL)
        run.proc.wait(30)
        run, _ = _start(state, port, log, "--secrets", str(secrets_file))
        runs.append(run)
        _until(lambda: _thread_of(run, "6590000003"), what="the message answered 200 before SIGKILL")
        assert _stop(run) == 0
    finally:
        for started in runs:
            if started.proc.poll() is None:
                started.proc.kill()
                started.proc.wait(30)

    printed = log.read_text(encoding="utf-8")
    for field in ("app_secret", "verify_token", "access_token"):
        assert SECRETS["whatsapp"][field] not in printed
