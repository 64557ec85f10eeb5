"""Issue 17, as a script outside the project sees it against a real ``siu dev``: saved replies, the
WhatsApp templates, a note that never reaches ``/dev/outbox``, an away reply that goes out once.

The config is the example shop with every team's away reply on and today (and tomorrow) as holidays,
so "now" is outside the hours whatever the hour. Only HTTP and the ``siu`` CLI are used.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
import yaml
from test_acceptance_trust import _siu, _token
from test_dev_cli_restart import _free_port, _start, _stop, _until

from siu_core.config import example_config_path

AWAY = "Thanks for writing! We're closed today; we answer tomorrow from 9:00."


def _closed_today(folder: Path) -> Path:
    data = yaml.safe_load(example_config_path().read_text(encoding="utf-8"))
    today = datetime.now(ZoneInfo(data.get("time_zone", "Asia/Singapore"))).date()
    for team in data["teams"].values():
        team["away"] = {"message": AWAY, "holidays": [str(today), str(today + timedelta(days=1))], "gap_hours": 12}
    path = folder / "closed-today.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _outbox(base: str) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = requests.get(f"{base}/dev/outbox", timeout=10).json()
    return calls


@pytest.mark.functional
def test_the_composer_against_siu_dev(tmp_path: Path) -> None:
    state, port, log = tmp_path / "state", _free_port(), tmp_path / "siu-dev.log"
    run, _ = _start(state, port, log, "--config", str(_closed_today(tmp_path)))
    try:
        base = run.base
        auth = {"Authorization": f"Bearer {_token(state, 'ahmad')}"}

        text = "Hi {{customer.first_name}}, we open at 9."
        saved = requests.post(f"{base}/api/saved-replies", headers=auth, timeout=15,
                              json={"name": "Hours", "text": text, "scope": "everyone"})
        assert saved.status_code == 201, saved.text
        listed = requests.get(f"{base}/api/saved-replies", headers=auth, timeout=15).json()["saved_replies"]
        assert [(r["id"], r["text"]) for r in listed] == [(saved.json()["id"], text)]

        templates = requests.get(f"{base}/api/templates", params={"channel": "whatsapp"}, headers=auth, timeout=15)
        assert templates.status_code == 200 and templates.json()["templates"], templates.text

        sender = "659" + str(uuid.uuid4().int)[:7]
        for text in ("Where is my order?", "Hello? Anyone?"):
            done = _siu(state, "simulate", "whatsapp", "--text", text, "--sender", sender, "--json")
            assert done.returncode == 0, done.stderr
        thread = _until(lambda: next((t for t in requests.get(f"{base}/dev/threads", timeout=10).json()
                                      if t["customer"]["id"] == sender and t.get("message_count", 0) >= 3), None),
                        what="both messages and the away reply")
        away = [c for c in _outbox(base) if (c.get("body") or {}).get("to") == sender]
        assert [c["body"]["text"]["body"] for c in away] == [AWAY]  # two messages, one away reply

        note = requests.post(f"{base}/api/threads/{thread['thread_id']}/notes", headers=auth, timeout=15,
                             json={"text": "Internal: check the courier's photo @mei"})
        assert note.status_code == 201 and note.json()["mentioned"] == ["mei"], note.text
        assert not [c for c in _outbox(base) if "courier's photo" in json.dumps(c)]
        assert _stop(run) == 0
    finally:
        if run.proc.poll() is None:
            run.proc.kill()
            run.proc.wait(30)
