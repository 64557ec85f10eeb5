"""Issue 15's core half, as a script outside the project sees it: a pip-installed contract 1.3 channel
under a real ``siu dev``.

The channel (``tests/form_channel.py``, installed here through an entry point on ``PYTHONPATH``, as
pip would) is shaped like Twilio: form-encoded webhooks signed over the public URL and the sorted
form, answered with TwiML. The script signs by hand with ``hmac`` and checks only what a user can
observe over HTTP: the answer, the threads, the queue, the stand-in's outbox.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from test_acceptance_trust import _siu
from test_dev_cli_restart import Run, _free_port, _start, _stop, _until

from siu_core.hookspecs import CONTRACT_VERSION

TESTS = Path(__file__).resolve().parent
SECRETS = {"formfake": {"account_sid": "AC5f0c2b7e91d4acceptance", "auth_token": "acceptance-auth-token-77a1"}}
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def _install(site: Path) -> None:
    """What ``pip install siu-formfake`` leaves behind: metadata naming the entry point."""
    info = site / "siu_formfake-0.0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: siu-formfake\nVersion: 0.0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[siu.channels]\nformfake = form_channel:PLUGIN\n", encoding="utf-8")


def _signed(url: str, form: list[tuple[str, str]], token: str) -> str:
    data = url + "".join(k + v for k, v in sorted(form))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def _webhook(run: Run, sid: str, sender: str, text: str, *, token: str | None = None) -> requests.Response:
    url = f"{run.base}/webhooks/formfake"
    form = [("MessageSid", sid), ("AccountSid", SECRETS["formfake"]["account_sid"]), ("From", sender),
            ("To", "+6580000000"), ("Body", text), ("NumMedia", "0")]
    return requests.post(url, data=urlencode(form), timeout=30, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Formfake-Signature": _signed(url, form, token or SECRETS["formfake"]["auth_token"])})


def _threads(run: Run) -> list[dict[str, Any]]:
    threads: list[dict[str, Any]] = requests.get(f"{run.base}/dev/threads", timeout=10).json()
    return threads


def _thread_of(run: Run, sender: str) -> dict[str, Any] | None:
    return next((t for t in _threads(run) if t["customer"]["id"] == sender), None)


@pytest.mark.functional
def test_a_form_channel_signed_over_its_url_works_under_siu_dev(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 ) -> None:
    site, state, port, log = tmp_path / "site", tmp_path / "state", _free_port(), tmp_path / "siu-dev.log"
    _install(site)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), str(TESTS), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("SIU_CHANNELS", "formfake")
    secrets_file = tmp_path / "secrets.json"
    secrets_file.write_text(json.dumps(SECRETS), encoding="utf-8")
    run, _ = _start(state, port, log, "--secrets", str(secrets_file))
    try:
        listed = _siu(state, "channels", "--json")
        assert listed.returncode == 0 and json.loads(listed.stdout)[0]["contract_version"] == CONTRACT_VERSION, \
            listed.stderr

        # Signed over the URL it was posted to: answered with the plugin's TwiML, then threaded.
        ok = _webhook(run, "SMacc1", "+6591110001", "Where is my order 1234?")
        assert ok.status_code == 200 and ok.text == TWIML and ok.headers["Content-Type"] == "text/xml", ok.text
        thread = _until(lambda: _thread_of(run, "+6591110001"), what="the form webhook's thread")

        # Signed with the wrong token: 403 and nothing queued, no thread.
        refused = _webhook(run, "SMacc2", "+6591110002", "Forged", token="not-the-auth-token")
        assert refused.status_code == 403
        time.sleep(0.5)
        assert requests.get(f"{run.base}/dev/queues", timeout=10).json()["intake_visible"] == 0
        assert _thread_of(run, "+6591110002") is None

        # `siu simulate` signs for the URL it posts to, so the plugin verifies it like the platform's.
        simulated = _siu(state, "simulate", "formfake", "--text", "Do you ship to Penang?", "--sender", "+6591110003",
                         "--json")
        assert simulated.returncode == 0 and json.loads(simulated.stdout)["status"] == 200, simulated.stderr
        _until(lambda: _thread_of(run, "+6591110003"), what="the simulated webhook's thread")

        # A reply from the inbox reaches the platform's stand-in through the plugin's send_reply.
        token = json.loads(_siu(state, "token", "issue", "--user", "ahmad", "--json").stdout)["token"]
        sent = requests.post(f"{run.base}/api/threads/{thread['thread_id']}/reply", json={"text": "It ships today."},
                             timeout=30, headers={"Authorization": f"Bearer {token}",
                                                  "Idempotency-Key": uuid.uuid4().hex})
        assert sent.status_code in (200, 201, 202), sent.text
        calls = _until(lambda: [c for c in requests.get(f"{run.base}/dev/outbox", timeout=10).json()
                                if c.get("channel") == "formfake"], what="the reply at the stand-in")
        assert calls[0]["path"].endswith("/Messages.json") and "It+ships+today." in json.dumps(calls[0])
        assert _stop(run) == 0
    finally:
        if run.proc.poll() is None:
            run.proc.kill()
            run.proc.wait(30)
    assert SECRETS["formfake"]["auth_token"] not in log.read_text(encoding="utf-8")
