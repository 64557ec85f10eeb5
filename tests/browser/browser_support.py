"""The in-process ``siu dev`` stack and the Chromium the browser tests drive.

A test config makes routing deterministic at any hour: on team ``care`` only ``ana`` is available
(24/7), ``ben`` is away (he may be given a thread, routing skips him), ``joao`` is off (nobody may
give him one). Customers write through each plugin's own signed webhooks, over HTTP, exactly as
``siu simulate`` does; WhatsApp media, reactions, echoes and delivery statuses are signed payloads
in the Cloud API's shape. Nothing here reaches past loopback.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import yaml
from siu_meta.graph import SIGNATURE_HEADER, sign_body

from siu_core.config import example_config
from siu_core.dev.stack import DevOptions, DevStack
from siu_core.models import SimulatedMessage

CHROMIUM = Path("/usr/bin/chromium")
#: Debian's Chromium, quiet: no sandbox (root in CI), no GPU, no calls home of any kind.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ALL_WEEK = {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "24:00"}
TEMPLATES = [{"name": "order_update", "language": "en_US", "param_count": 1}]


def write_config(folder: Path) -> Path:
    """The example shop with a roster whose routing does not depend on the hour, and reply templates."""
    data = example_config().model_dump(mode="json", exclude_none=True)

    def person(pid: str, name: str, teams: list[str], status: str, role: str = "agent",
               backup: str | None = None) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": pid, "name": name, "teams": teams, "status": status, "role": role,
                                 "time_zone": "Asia/Singapore", "capacity": 50, "working_hours": ALL_WEEK}
        if backup:
            entry["backup"] = backup
        return entry

    data["roster"] = [
        person("mei", "Mei Lin Tan", ["care", "accounts"], "away", role="admin", backup="ana"),
        person("ana", "Ana Lim", ["care"], "available", backup="ben"),
        person("ben", "Ben Ong", ["care", "sales"], "away", backup="ana"),
        person("joao", "João Silva", ["care"], "off", backup="ana"),
        person("priya", "Priya Nair", ["accounts"], "available", backup="mei"),
        person("sam", "Sam Tan", ["sales"], "available", backup="ben"),
    ]
    data["teams"] = {"care": {"backup": "ana"}, "accounts": {"backup": "priya"}, "sales": {"backup": "sam"}}
    channels = dict(data.get("channels") or {})
    channels["whatsapp"] = {**channels.get("whatsapp", {}), "templates": TEMPLATES}
    channels["facebook"] = {**channels.get("facebook", {}), "human_agent_enabled": True}
    data["channels"] = channels
    data["labeler"] = "rules"
    path = folder / "siu-browser.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Inbox:
    """A running dev stack, with what a test does to it from outside the browser."""

    stack: DevStack
    http: requests.Session = field(default_factory=requests.Session)

    @property
    def base_url(self) -> str:
        return self.stack.base_url

    def token(self, user: str, role: str, *, ttl: timedelta = timedelta(hours=2), now: datetime | None = None) -> str:
        """A session token signed with the stack's key, as ``siu token issue`` makes it."""
        from inbox_support import token_for

        return token_for(user, role, now=now or datetime.now(UTC), ttl=ttl)

    def login_url(self, token: str) -> str:
        """The login link ``siu token issue`` prints: the token in the fragment, never sent to a server."""
        return f"{self.base_url}/inbox/#token={token}"

    def customer_writes(self, channel: str, text: str, *, sender: str, name: str,
                        at: datetime | None = None) -> str:
        """A customer message through the channel's own signed webhook; returns its message id."""
        ch = self.stack.channels.get(channel)
        assert self.stack.config is not None
        message = SimulatedMessage(sender_id=sender, sender_name=name, text=text,
                                   message_id=f"sim-{uuid.uuid4().hex[:16]}", timestamp=at or datetime.now(UTC))
        webhook = ch.simulate_webhook([message], self.stack.account_id(channel), self.stack.secrets[channel],
                                      self.stack.config.channel_settings(channel))
        answer = self.http.post(self.stack.webhook_url(channel), data=webhook.body, headers=webhook.headers,
                                timeout=15)
        assert answer.status_code == 200, answer.text
        return webhook.message_ids.get(message.message_id, message.message_id)

    def whatsapp(self, value: dict[str, Any], field_name: str = "messages") -> None:
        """POST one signed WhatsApp Cloud API change (messages, statuses, echoes) to the connector."""
        account = self.stack.account_id("whatsapp")
        value = {"messaging_product": "whatsapp",
                 "metadata": {"display_phone_number": "6560001111", "phone_number_id": account}, **value}
        body = json.dumps({"object": "whatsapp_business_account",
                           "entry": [{"id": account, "changes": [{"value": value, "field": field_name}]}]}).encode()
        signature = sign_body(body, self.stack.secrets["whatsapp"]["app_secret"])
        answer = self.http.post(self.stack.webhook_url("whatsapp"), data=body, timeout=15,
                                headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature})
        assert answer.status_code == 200, answer.text

    def whatsapp_image(self, sender: str, name: str, caption: str, at: datetime | None = None) -> str:
        """A customer's photo (the stand-in serves its bytes; the pipeline stores them in the snapshot bucket)."""
        mid = f"wamid.img{uuid.uuid4().hex[:12]}"
        self.whatsapp({"contacts": [{"profile": {"name": name}, "wa_id": sender}],
                       "messages": [{"from": sender, "id": mid, "timestamp": _secs(at or datetime.now(UTC)),
                                     "type": "image",
                                     "image": {"caption": caption, "mime_type": "image/png", "id": "media-1"}}]})
        return mid

    def whatsapp_reaction(self, sender: str, name: str, target: str, emoji: str) -> None:
        """The customer reacts to an earlier message."""
        self.whatsapp({"contacts": [{"profile": {"name": name}, "wa_id": sender}],
                       "messages": [{"from": sender, "id": f"wamid.re{uuid.uuid4().hex[:12]}",
                                     "timestamp": _secs(datetime.now(UTC)), "type": "reaction",
                                     "reaction": {"message_id": target, "emoji": emoji}}]})

    def whatsapp_echo(self, customer: str, text: str, at: datetime | None = None) -> str:
        """A message the business sent from the WhatsApp Business phone app (coexistence echo)."""
        mid = f"wamid.echo{uuid.uuid4().hex[:12]}"
        self.whatsapp({"message_echoes": [{"from": "6560001111", "to": customer, "id": mid,
                                           "timestamp": _secs(at or datetime.now(UTC)), "type": "text",
                                           "text": {"body": text}}]}, field_name="smb_message_echoes")
        return mid

    def whatsapp_status(self, message_id: str, customer: str, status: str,
                        error: dict[str, Any] | None = None) -> None:
        """A delivery status of a message the business sent."""
        item: dict[str, Any] = {"id": message_id, "status": status, "timestamp": _secs(datetime.now(UTC)),
                                "recipient_id": customer}
        if error:
            item["errors"] = [error]
        self.whatsapp({"statuses": [item]})

    def instagram_unsend(self, sender: str, message_id: str) -> None:
        """The customer deletes an Instagram message they sent (Meta's ``is_deleted`` webhook)."""
        account = self.stack.account_id("instagram")
        ms = int(datetime.now(UTC).timestamp() * 1000)
        body = json.dumps({"object": "instagram", "entry": [{"id": account, "time": ms, "messaging": [
            {"sender": {"id": sender}, "recipient": {"id": account}, "timestamp": ms,
             "message": {"mid": message_id, "is_deleted": True}}]}]}).encode()
        signature = sign_body(body, self.stack.secrets["instagram"]["app_secret"])
        answer = self.http.post(self.stack.webhook_url("instagram"), data=body, timeout=15,
                                headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature})
        assert answer.status_code == 200, answer.text

    def drained(self) -> None:
        """Wait until the pipeline took in everything posted so far."""
        assert self.stack.wait_drained(timeout=30)

    def outbox(self) -> list[dict[str, Any]]:
        """Every call the platform stand-in received (``GET /dev/outbox``)."""
        calls: list[dict[str, Any]] = self.http.get(f"{self.base_url}/dev/outbox", timeout=10).json()
        return calls

    def api(self, method: str, path: str, token: str, body: Any = None) -> requests.Response:
        """Call the inbox API as a teammate would with curl."""
        return self.http.request(method, f"{self.base_url}{path}", json=body, timeout=15,
                                 headers={"Authorization": f"Bearer {token}"})

    def thread_of(self, customer_id: str) -> dict[str, Any]:
        """The current thread of a customer, as ``GET /dev/threads`` lists it."""
        rows = self.http.get(f"{self.base_url}/dev/threads", timeout=10).json()
        return next(r for r in rows if r["customer"]["id"] == customer_id)


def _secs(at: datetime) -> str:
    return str(int(at.timestamp()))


def start_stack(folder: Path, config_path: Path | None = None) -> Inbox:
    """The whole pipeline on loopback with the browser-test config (or another), and its signing key in place."""
    from siu_core.auth import ensure_signing_key

    config_path = config_path or write_config(folder)
    stack = DevStack(DevOptions(port=0, schedules=False, batching_window=0.2, config_path=config_path))
    stack.start()
    try:
        ensure_signing_key()
    except BaseException:
        stack.stop()
        raise
    return Inbox(stack)


@contextlib.contextmanager
def running_inbox(folder: Path, config_path: Path | None = None) -> Iterator[Inbox]:
    """A module's stack, the inbox handler's services reloaded from it (not an earlier test's moto) and after."""
    from siu_core.handlers import inbox as inbox_handler

    inbox_handler.set_services(None)
    running = start_stack(folder, config_path)
    try:
        yield running
    finally:
        running.stack.stop()
        inbox_handler.set_services(None)
