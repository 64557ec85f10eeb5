"""Issue 14's acceptance, through `siu dev` over HTTP: two WhatsApp numbers and two Facebook pages in
`--secrets`, a signed webhook to each, each thread carrying its account, each reply going out through
that number or page (``/dev/outbox``), and a webhook for a page nobody configured answered 200 with
no thread."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from waiting import until

from siu_core.dev.stack import DevOptions, DevStack
from siu_core.models import SimulatedMessage

pytestmark = pytest.mark.functional

SECRETS = {
    "whatsapp": {
        "app_secret": "acceptance-wa-app-secret", "verify_token": "acceptance-wa-verify",
        "accounts": [
            {"id": "106540352242901", "name": "Sales +1 555 0101", "access_token": "EAAG-acceptance-sales"},
            {"id": "106540352242902", "name": "Support +1 555 0102", "access_token": "EAAG-acceptance-support"},
        ],
    },
    "facebook": {
        "accounts": [
            {"id": "106123450000001", "name": "Shop", "access_token": "EAAG-acceptance-shop",
             "app_secret": "acceptance-fb-app-secret", "verify_token": "acceptance-fb-verify"},
            {"id": "106123450000002", "name": "Outlet", "access_token": "EAAG-acceptance-outlet",
             "app_secret": "acceptance-fb-app-secret-2", "verify_token": "acceptance-fb-verify"},
        ],
    },
}
UNCONFIGURED_PAGE = "106123459999999"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    path = Path(tmp_path_factory.mktemp("accounts")) / "secrets.json"
    path.write_text(json.dumps(SECRETS), encoding="utf-8")
    started = DevStack(DevOptions(port=0, schedules=False, batching_window=0.2, secrets_path=path)).start()
    try:
        yield started
    finally:
        started.stop()


def post(stack: DevStack, channel: str, account_id: str, app_secret: str, sender: str) -> requests.Response:
    """A webhook as the platform would sign it (with the app secret of the account's app)."""
    ch = stack.channels.get(channel)
    message = SimulatedMessage(sender_id=sender, sender_name=f"Customer {sender}", text="Is the blue one in stock?",
                               message_id=f"sim-{uuid.uuid4().hex[:16]}", timestamp=datetime.now(UTC))
    assert stack.config is not None
    webhook = ch.simulate_webhook([message], account_id, {"app_secret": app_secret},
                                  stack.config.channel_settings(channel))
    return requests.post(stack.webhook_url(channel), data=webhook.body, headers=webhook.headers, timeout=15)


def admin_token() -> str:
    from siu_core.auth import issue_token, read_signing_key
    from siu_core.store import roster

    admin = next(m for e in roster.all_entries() if e.role == "admin" and e.active
                 and (m := roster.member(e.id)) is not None)
    return issue_token(admin.entry.id, key=read_signing_key(), now=datetime.now(UTC), generation=admin.generation)


def test_each_account_gets_its_threads_and_its_replies(stack: DevStack) -> None:
    cases = [("whatsapp", account["id"], SECRETS["whatsapp"]["app_secret"], f"65900000{i}")
             for i, account in enumerate(SECRETS["whatsapp"]["accounts"])]
    cases += [("facebook", account["id"], account["app_secret"], f"2411{i}")
              for i, account in enumerate(SECRETS["facebook"]["accounts"])]
    for channel, account_id, app_secret, sender in cases:
        assert post(stack, channel, account_id, app_secret, sender).status_code == 200
    expected = {(channel, sender): account_id for channel, account_id, _secret, sender in cases}

    def threads() -> dict[tuple[str, str], dict[str, Any]] | None:
        rows = requests.get(f"{stack.base_url}/dev/threads", timeout=10).json()
        found = {(t["channel"], t["customer"]["id"]): t for t in rows}
        return found if set(expected) <= set(found) else None

    found = until(threads, timeout=60.0)
    assert found, "every webhook became a thread"
    assert {key: found[key]["account_id"] for key in expected} == expected

    token = admin_token()
    headers = {"Authorization": f"Bearer {token}"}
    requests.delete(f"{stack.base_url}/dev/outbox", timeout=10)
    for (channel, sender), account_id in expected.items():
        thread_id = found[(channel, sender)]["thread_id"]
        shown = requests.get(f"{stack.base_url}/api/threads/{thread_id}", headers=headers, timeout=15).json()
        names = {a["id"]: a["name"] for a in SECRETS[channel]["accounts"]}
        assert shown["account"] == {"id": account_id, "name": names[account_id]}
        sent = requests.post(f"{stack.base_url}/api/threads/{thread_id}/reply", json={"text": "Yes, it is."},
                             headers={**headers, "Idempotency-Key": uuid.uuid4().hex}, timeout=15)
        assert sent.status_code == 200, sent.text
    outbox = requests.get(f"{stack.base_url}/dev/outbox", timeout=10).json()
    sends = sorted((c["channel"], c["path"]) for c in outbox if c["path"].endswith("/messages"))
    assert [(channel, path.split("/")[-2]) for channel, path in sends] == sorted(
        (channel, account_id) for (channel, _sender), account_id in expected.items())
    assert "EAAG-acceptance" not in json.dumps(outbox)


def test_a_webhook_for_an_unconfigured_page_is_200_with_no_thread(stack: DevStack) -> None:
    before = len(requests.get(f"{stack.base_url}/dev/threads", timeout=10).json())
    resp = post(stack, "facebook", UNCONFIGURED_PAGE, "acceptance-fb-app-secret", "24119")
    assert resp.status_code == 200 and resp.headers.get("x-siu-enqueued") == "0"
    assert stack.wait_drained(timeout=30)
    rows = requests.get(f"{stack.base_url}/dev/threads", timeout=10).json()
    assert len(rows) == before and UNCONFIGURED_PAGE not in {t["account_id"] for t in rows}


def test_a_forged_signature_is_refused(stack: DevStack) -> None:
    resp = post(stack, "facebook", "106123450000001", "not-any-configured-app-secret", "24118")
    assert resp.status_code == 403


def test_siu_simulate_posts_as_the_account_it_is_given(stack: DevStack, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from siu_core.cli import cli

    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps(SECRETS), encoding="utf-8")
    support = SECRETS["whatsapp"]["accounts"][1]["id"]
    result = CliRunner().invoke(cli, ["simulate", "whatsapp", "--text", "Hello support", "--sender", "6597777777",
                                      "--secrets", str(secrets), "--url", stack.webhook_url("whatsapp"),
                                      "--account", support, "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["status"] == 200, result.output

    def thread() -> dict[str, Any] | None:
        rows = requests.get(f"{stack.base_url}/dev/threads", timeout=10).json()
        return next((t for t in rows if t["customer"]["id"] == "6597777777"), None)

    found = until(thread, timeout=60.0)
    assert found is not None and found["account_id"] == support
