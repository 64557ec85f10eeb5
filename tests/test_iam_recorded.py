"""Least privilege, proved by running the code: each function's role allows exactly what its handler calls.

One business day runs through the real Lambda handlers under moto, cold starts included (config from
SSM, secrets (SSM SecureStrings), the signing key, the Slack token): every chosen channel's connector
(handshake, good and forged webhooks), the labeler (Bedrock answered by a local responder, one answer
unusable so the fallback runs, a WhatsApp image downloaded and stored), every inbox endpoint (a reply
that goes out, one the platform refuses, reassign, claim, labels, close, roster edit, audit, media),
the SLA sweeper after the deadline (re-route + Slack), and the digest. Each connector also gets one event
too big for a queue message (stored under the bucket's ``queue/`` prefix), which the labeler reads
back. A botocore hook records every AWS call per handler (:class:`siu_core.deploy.iam.CallRecorder`);
the calls become the IAM actions and ARNs AWS checks them against, and those are compared with the
roles the templates give each function: nothing the code needs may be missing, and nothing granted
may go unused.

The same run proves the alarms watch metrics the code really emits (name, namespace, dimensions).
While it runs, ``click``, ``rich`` and ``pygments`` cannot be imported, nor can siu's own tooling
(``siu_core.cli``, ``deploy``, ``scaffold``, ``dev``: :data:`siu_core.deploy.build.TOOLING`), which is
also taken out of ``sys.modules`` for the run: the Lambda artifacts leave all of them out, so a
handler that needed one would fail here first.
"""

from __future__ import annotations

import importlib.abc
import json
import re
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, unquote

import pytest

from siu_core.deploy import iam
from siu_core.deploy.build import (
    CONNECTOR_EXCLUDED_MODULES,
    LAMBDA_EXCLUDED_MODULES,
    function_blocks,
    pruned_module,
)
from siu_core.deploy.stacks import function_logical_ids
from siu_core.dev.lambda_events import function_url_event, sqs_record  # here: handlers run without siu_core.dev
from siu_core.queueing import queue_ids

CHANNELS = ("whatsapp", "instagram", "facebook")


def _wednesday() -> datetime:
    """10:00 in Singapore on the next Wednesday: the week this day runs in, whatever day the test runs."""
    now = datetime.now(UTC)
    days = (2 - now.weekday()) % 7 or 7
    return (now + timedelta(days=days)).replace(hour=2, minute=0, second=0, microsecond=0)


#: Saturday (only the 24/7 teammate works: care's threads wait in its unassigned queue), the
#: Wednesday after (everyone works), and Thursday (the sweep: breaches re-routed, the queue drained).
SATURDAY, WEDNESDAY, THURSDAY = _wednesday() - timedelta(days=4), _wednesday(), _wednesday() + timedelta(days=1)


class _Blocked(importlib.abc.MetaPathFinder):
    """Refuses, while a handler runs, to import the modules its Lambda artifact leaves out."""

    def __init__(self, recorder: iam.CallRecorder) -> None:
        self.recorder = recorder

    def blocked(self, label: str) -> tuple[str, ...]:
        if label.startswith("connector:"):
            return LAMBDA_EXCLUDED_MODULES + CONNECTOR_EXCLUDED_MODULES
        return LAMBDA_EXCLUDED_MODULES

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if self.recorder.label == "test":
            return None
        label = self.recorder.label
        if fullname.split(".")[0] in self.blocked(label) or pruned_module(fullname) or function_blocks(label, fullname):
            raise ImportError(f"{fullname} is not in the Lambda artifact of {self.recorder.label}")
        return None


_ALL_EXCLUDED = LAMBDA_EXCLUDED_MODULES + CONNECTOR_EXCLUDED_MODULES


class _PlatformServer:
    """The plugins' own stand-ins for their platforms (send, media) on a loopback HTTP server."""

    def __init__(self, standin: Any) -> None:
        self.standin = standin
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                from urllib.parse import parse_qsl, urlsplit

                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                answer = outer.standin.handle(self.command, parts.path, dict(parse_qsl(parts.query)),
                                              dict(self.headers.items()), body)
                data = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _converse(fail_marker: str) -> iam.Responder:
    """Answers Converse with valid labels per message (an unusable entry for a text carrying the marker)."""

    def answer(operation: str, request: Mapping[str, Any]) -> Any:
        # The topics are the system prompt's "name: meaning" lines (the answer schema carries the shape only).
        lines = re.findall(r"^([a-z0-9_]+):", request["system"][0]["text"], re.MULTILINE)
        topics = [name for name in lines if name not in ("urgent", "language")] or ["other"]
        entries: list[dict[str, Any]] = []
        for local, text in re.findall(r'<m id="(\d+)"[^>]*>(.*?)</m>', request["messages"][0]["content"][0]["text"],
                                      re.DOTALL):
            topic = "shipping" if "order" in text and "shipping" in topics else topics[0]
            entries.append({"id": local, "topic": "not-a-topic"} if fail_marker in text else
                           {"id": local, "topic": topic, "urgency": "normal", "language": "en",
                            "summary": "Asks about an order."})
        if "toolConfig" in request:
            tool = request["toolConfig"]["toolChoice"]["tool"]["name"]
            content: list[dict[str, Any]] = [{"toolUse": {"toolUseId": "t1", "name": tool,
                                                          "input": {"labels": entries}}}]
        else:
            content = [{"text": json.dumps({"labels": entries})}]
        return iam.http_ok(), {
            "output": {"message": {"role": "assistant", "content": content}},
            "stopReason": "tool_use" if "toolConfig" in request else "end_turn",
            "usage": {"inputTokens": 600, "outputTokens": 70, "totalTokens": 670},
            "metrics": {"latencyMs": 1},
        }

    return answer


def _fn_url_event(method: str, path: str, *, query: str = "", headers: Mapping[str, str] | None = None,
                  body: bytes = b"") -> dict[str, Any]:
    return function_url_event(method, path, query, list((headers or {}).items()), body)


class _Day:
    """Runs the day; ``recorder.label`` names the handler whose calls are being recorded."""

    def __init__(self, recorder: iam.CallRecorder, origin: str, standin: Any, slack: Any) -> None:
        self.recorder = recorder
        self.origin = origin
        self.standin = standin
        self.slack = slack
        self.emitted: list[dict[str, Any]] = []
        self.accounts: dict[str, str] = {}
        #: Every handler the day ran (the Indexer and Search functions call no AWS API: Lambda polls the
        #: streams and mounts the file system for them, so they leave no recorded call).
        self.ran: set[str] = set()

    def as_(self, label: str) -> None:
        self.recorder.label = label
        self.ran.add(label)

    def cold_start(self) -> None:
        """A fresh Lambda process: no cached config, clients, services or secrets from another handler."""
        from siu_core.aws import clients
        from siu_core.config import clear_config_cache
        from siu_core.handlers import connector, inbox, labeler, sla_sweeper

        clients.reset_clients()
        clear_config_cache()
        connector.reset()
        labeler.set_services(None)
        inbox.set_services(None)
        sla_sweeper.set_notifier(None)

    def connectors(self) -> None:
        from siu_core.handlers import connector
        from siu_core.models import SimulatedMessage
        from siu_core.plugins import load_channels
        from siu_core.secrets import SecretStore

        registry = load_channels(list(CHANNELS))
        for name in CHANNELS:
            self.as_("test")
            channel = registry.get(name)
            secrets = SecretStore().get(name)
            account = secrets.get(channel.info.account_secret_field or "", "acct-1") or "acct-1"
            self.accounts[name] = account
            now = SATURDAY - timedelta(minutes=5)
            messages = [
                SimulatedMessage(sender_id=f"{name}-cust-1", sender_name="Ana", text=f"Where is my order? ({name})",
                                 message_id=f"{name}-m1", timestamp=now),
                SimulatedMessage(sender_id=f"{name}-cust-2", text=f"FAILME please ({name})",
                                 message_id=f"{name}-m2", timestamp=now),
                # Too big for one queue message: stored under queue/<channel>/, the queue carries a pointer.
                SimulatedMessage(sender_id=f"{name}-cust-4", text=f"My order ({name}) " + "z" * 240_000,
                                 message_id=f"{name}-m5", timestamp=now),
            ]
            hooks = channel.simulate_webhooks(messages, account, secrets, {})
            self.cold_start()
            self.as_(f"connector:{name}")
            import os

            os.environ["SIU_CHANNEL"] = name
            token = secrets.get("verify_token", "")
            connector.connector().clock = lambda: SATURDAY
            got = connector.handler(_fn_url_event("GET", "/", query=f"hub.mode=subscribe&hub.verify_token={token}"
                                                  "&hub.challenge=42"), None)
            assert got["statusCode"] in (200, 403), got
            for hook in hooks:
                got = connector.handler(_fn_url_event("POST", "/", headers=hook.headers, body=hook.body), None)
                assert got["statusCode"] == 200, got
            forged = {k: ("sha256=" + "0" * 64 if "signature" in k.lower() else v) for k, v in hooks[0].headers.items()}
            got = connector.handler(_fn_url_event("POST", "/", headers=forged, body=hooks[0].body), None)
            assert got["statusCode"] in (401, 403), got
            # Signed, but for an account the secret does not list: 200, nothing queued, UnknownAccount.
            (stray,) = channel.simulate_webhooks(messages[:1], "acct-not-configured", secrets, {})
            got = connector.handler(_fn_url_event("POST", "/", headers=stray.headers, body=stray.body), None)
            assert (got["statusCode"], got["headers"]["x-siu-enqueued"]) == (200, "0"), got
            self.capture()

    def labeler(self) -> list[str]:
        from siu_core.aws import clients
        from siu_core.handlers import labeler
        from siu_core.models import Attachment, MessageEvent, Participant, QueueMessage

        self.as_("test")
        sqs = clients.sqs()
        url = clients.queue_url()
        for name in CHANNELS:
            media = (Attachment(type="image", media_id="media-1", mime_type="image/jpeg") if name == "whatsapp" else
                     Attachment(type="image", url=f"{self.origin}/platform/{name}/media/1", mime_type="image/png"))
            image = MessageEvent(type="message", channel=name, account_id="acct-1",
                                 customer=Participant(id=f"{name}-cust-3"),
                                 timestamp=WEDNESDAY - timedelta(minutes=5),
                                 message_id=f"{name}-img-1", kind="image", attachments=[media])
            sqs.send_message(QueueUrl=url, MessageBody=QueueMessage(event=image, received_at=WEDNESDAY)
                             .model_dump_json(exclude_none=True), **queue_ids(image).entry())
        received: list[dict[str, Any]] = []
        for _ in range(10):
            batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])
            received += batch.get("Messages", [])
            if not batch.get("Messages"):
                break
        assert len(received) >= 3 * len(CHANNELS)
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        records = [sqs_record(m, arn, "ap-southeast-1") for m in received]
        self.cold_start()
        self.as_("labeler")
        for day, batch in ((SATURDAY, [r for r in records if "-img-" not in r["body"]]),
                           (WEDNESDAY, [r for r in records if "-img-" in r["body"]])):
            labeler.clock = lambda day=day: day  # type: ignore[misc]
            for start in range(0, len(batch), 10):
                result = labeler.handler({"Records": batch[start:start + 10]}, None)
                assert not result.get("batchItemFailures"), result
        self.capture()
        self.as_("test")
        return [m["Body"] for m in received]

    def inbox(self) -> None:
        from inbox_support import browser_upload

        from siu_core.auth import issue_token, read_signing_key
        from siu_core.aws.names import resource_names
        from siu_core.handlers import inbox
        from siu_core.store import customers, keys, threads

        self.as_("test")
        self.cold_start()
        key = read_signing_key()
        now = SATURDAY + timedelta(hours=1)
        self.as_("inbox")
        inbox.services().clock = lambda: now
        self.as_("test")
        admin = issue_token("mei", key=key, now=now)
        head = customers.get(keys.customer_key("whatsapp", self.accounts["whatsapp"], "whatsapp-cust-1"))
        assert head is not None
        thread = threads.get(head.thread_id)
        assert thread is not None
        tid = head.thread_id
        img = customers.get(keys.customer_key("whatsapp", "acct-1", "whatsapp-cust-3"))  # queued directly
        assert img is not None

        def call(method: str, path: str, body: Any = None, query: str = "", key: str | None = None) -> dict[str, Any]:
            hdrs = {"authorization": f"Bearer {admin}"}
            data = b""
            if body is not None:
                data = json.dumps(body).encode()
                hdrs["content-type"] = "application/json"
                hdrs["idempotency-key"] = key or f"k-{time.monotonic_ns()}"
            self.as_("inbox")
            out: dict[str, Any] = inbox.handler(_fn_url_event(method, path, query=query, headers=hdrs, body=data),
                                                None)
            self.as_("test")
            return out

        assert call("GET", "/api/me")["statusCode"] == 200
        assert call("GET", "/api/queue")["statusCode"] == 200
        assert call("GET", f"/api/threads/{tid}")["statusCode"] == 200
        assert call("POST", f"/api/threads/{tid}/claim", {})["statusCode"] in (200, 409)
        for name in CHANNELS:
            other = customers.get(keys.customer_key(name, self.accounts[name], f"{name}-cust-1"))
            assert other is not None, name
            sent = call("POST", f"/api/threads/{other.thread_id}/reply", {"text": "It ships today."}, key=f"r-{name}")
            assert sent["statusCode"] == 200, (name, sent)
        again = call("POST", f"/api/threads/{tid}/reply", {"text": "It ships today."}, key="r-whatsapp")
        assert again["statusCode"] == 200, again
        self.standin.inject("whatsapp", 400, {"error": {"message": "bad", "type": "OAuthException", "code": 100}})
        refused = call("POST", f"/api/threads/{tid}/reply", {"text": "And a tracking number."})
        assert refused["statusCode"] >= 400, refused
        assert call("POST", f"/api/threads/{tid}/labels", {"topic": "shipping", "urgency": "urgent"})[
            "statusCode"] == 200
        relabeled = call("POST", f"/api/threads/{tid}/relabel", {})  # the inbox's own Converse call
        assert relabeled["statusCode"] == 200, relabeled
        assert call("GET", f"/api/threads/{tid}/eligible")["statusCode"] == 200
        assert call("POST", f"/api/threads/{tid}/reassign", {"to": "ana"})["statusCode"] == 200
        agent = issue_token("ana", key=key, now=now)
        self.as_("inbox")
        listed = inbox.handler(_fn_url_event("GET", "/api/queue", headers={"authorization": f"Bearer {agent}"}), None)
        self.as_("test")
        assert listed["statusCode"] == 200 and json.loads(listed["body"])["threads"], listed
        # Presence; a snooze until the customer writes (the reopen of labeler_again wakes it) and a timed one
        # (the sweep wakes it).
        assert call("POST", f"/api/threads/{tid}/presence", {"state": "typing"})["statusCode"] == 200
        assert call("POST", f"/api/threads/{tid}/snooze", {"until": "customer_reply"})["statusCode"] == 200
        timed = customers.get(keys.customer_key(CHANNELS[1], self.accounts[CHANNELS[1]], f"{CHANNELS[1]}-cust-1"))
        assert timed is not None, CHANNELS[1]
        assert call("POST", f"/api/threads/{timed.thread_id}/reassign", {"to": "ana"})["statusCode"] == 200
        until = (now + timedelta(hours=1)).isoformat()
        assert call("POST", f"/api/threads/{timed.thread_id}/snooze", {"until": until})["statusCode"] == 200
        assert call("GET", "/api/snoozed")["statusCode"] == 200
        assert call("POST", f"/api/threads/{tid}/close", {})["statusCode"] == 200
        assert call("GET", "/api/roster")["statusCode"] == 200
        edit = call("PUT", "/api/roster/cho", {"status": "away", "role": "agent"})
        assert edit["statusCode"] == 200, edit
        assert call("POST", "/api/roster/ben/sign-out", {})["statusCode"] == 200
        assert call("GET", "/api/audit", query=f"thread={tid}")["statusCode"] == 200
        media = call("GET", f"/api/threads/{img.thread_id}/media", query="message=whatsapp-img-1&index=0")
        assert media["statusCode"] == 200, media
        saved = call("POST", "/api/saved-replies", {"name": "Hi", "text": "Hi {{customer.name}}", "scope": "everyone"})
        assert saved["statusCode"] == 201, saved
        reply_id = json.loads(saved["body"])["id"]
        assert call("GET", "/api/saved-replies", query=f"thread={tid}")["statusCode"] == 200
        edited = call("PUT", f"/api/saved-replies/{reply_id}", {"name": "Hi", "text": "Hello", "scope": "everyone"})
        assert edited["statusCode"] == 200, edited
        assert call("DELETE", f"/api/saved-replies/{reply_id}")["statusCode"] == 200
        assert call("PUT", "/api/roster/ana", {"slack_user": "U012ABCDEF"})["statusCode"] == 200
        ana = issue_token("ana", key=key, now=now)
        self.as_("inbox")
        opted = inbox.handler(_fn_url_event("PUT", "/api/me/preferences", headers={
            "authorization": f"Bearer {ana}", "content-type": "application/json"}, body=b'{"slack": true}'), None)
        self.as_("test")
        assert opted["statusCode"] == 200, opted  # Slack direct messages are opt-in
        noted = call("POST", f"/api/threads/{tid}/notes", {"text": "@ana please check the courier"})
        assert noted["statusCode"] == 201, noted
        assert json.loads(noted["body"])["slack"] == ["ana"], noted  # the DM read the Slack token
        assert call("GET", "/api/notifications")["statusCode"] == 200
        # customers: the thread's customer, an edit, suggestions, a merge with another channel's and its undo
        mine = json.loads(call("GET", f"/api/threads/{tid}/customer")["body"])
        edited_customer = call("PUT", f"/api/customers/{mine['id']}", {"tags": ["vip"], "version": mine["version"]})
        assert edited_customer["statusCode"] == 200, edited_customer
        assert call("GET", f"/api/customers/{mine['id']}/suggestions")["statusCode"] == 200
        other_thread = customers.get(keys.customer_key("facebook", self.accounts["facebook"], "facebook-cust-1"))
        assert other_thread is not None
        theirs = json.loads(call("GET", f"/api/threads/{other_thread.thread_id}/customer")["body"])
        for kind in ("merge", "unmerge"):
            linked = call("POST", f"/api/customers/{mine['id']}/{kind}", {"other": theirs["id"]})
            assert linked["statusCode"] == 200, linked
        assert call("GET", "/api/queues")["statusCode"] == 200
        assert call("POST", "/api/notifications/read", {"until": now.isoformat()})["statusCode"] == 200
        # A photo: the upload's record and presigned POST, the browser's POST (authorised as the inbox role's
        # s3:PutObject of that key, recorded here: botocore makes no call for it), the reply's HeadObject and
        # presigned GET. WhatsApp's thread with the image is open and inside the window.
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
        issued = call("POST", "/api/uploads", {"thread": img.thread_id, "filename": "photo.png",
                                               "content_type": "image/png", "size": len(png)})
        assert issued["statusCode"] == 201, issued
        form = json.loads(issued["body"])
        assert browser_upload(form, png, "image/png").status_code in (200, 201, 204)
        self.recorder.calls.append(iam.Call("inbox", "s3", "PutObject",
                                            {"Bucket": resource_names().bucket, "Key": form["fields"]["key"]}))
        photo = call("POST", f"/api/threads/{img.thread_id}/reply", {"attachments": [form["upload_id"]]})
        assert photo["statusCode"] == 200, photo
        # A customer's data on request: exported (links), then erased (every item, every object version).
        subject = quote(keys.customer_key("whatsapp", "acct-1", "whatsapp-cust-3"), safe="")
        answered = call("POST", f"/api/threads/{img.thread_id}/reply", {"text": "Lovely photo"}, key="r-img")
        assert answered["statusCode"] == 200, answered  # its idempotency record is theirs too
        exported = call("POST", f"/api/admin/customers/{subject}/export")
        # every file of theirs: what they sent, and the photo the teammate sent them
        assert exported["statusCode"] == 200 and json.loads(exported["body"])["counts"]["files"] == 3, exported
        erased = call("POST", f"/api/admin/customers/{subject}/erase", {"confirm": unquote(subject)})
        assert erased["statusCode"] == 200 and json.loads(erased["body"])["state"] == "erased", erased
        self.capture()

    def labeler_again(self) -> None:
        """The rest of what reaches the labeler: a reopen, a redelivery, a repeat, reactions, statuses, echoes."""
        from pipeline_support import echo, inbound, reaction, status

        from siu_core.aws import clients
        from siu_core.handlers import labeler
        from siu_core.models import QueueMessage

        at = WEDNESDAY + timedelta(hours=2)
        events = [
            inbound("whatsapp-m1", "Where is my order? (whatsapp)", customer="whatsapp-cust-1",
                    at=SATURDAY - timedelta(minutes=5)),
            inbound("whatsapp-m3", "Hello again, my order is still not here", customer="whatsapp-cust-1", at=at),
            inbound("whatsapp-m4", "Hello again, my order is still not here", customer="whatsapp-cust-1", at=at),
            reaction("whatsapp-m3", "👍", customer="whatsapp-cust-1", at=at),
            status(["wamid.none"], "delivered", customer="whatsapp-cust-1", at=at),
            echo("whatsapp-e1", "We are on it.", customer="whatsapp-cust-1", at=at),
        ]
        self.as_("test")
        sqs = clients.sqs()
        url = clients.queue_url()
        # The earlier records were handed to the labeler directly, never deleted: in flight, they would
        # hold their customers' FIFO groups. And these are redeliveries after SQS's 5-minute
        # deduplication window, so each gets a fresh deduplication id (the labeler must drop them itself).
        sqs.purge_queue(QueueUrl=url)
        for i, ev in enumerate(events):
            sqs.send_message(QueueUrl=url, MessageBody=QueueMessage(event=ev, received_at=at)
                             .model_dump_json(exclude_none=True), MessageGroupId=queue_ids(ev).group,
                             MessageDeduplicationId=f"redelivered-{i}")
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        order = {ev.model_dump_json(): i for i, ev in enumerate(events)}
        records = sorted((sqs_record(m, arn, "ap-southeast-1") for m in got),
                         key=lambda r: order.get(json.dumps(json.loads(r["body"])["event"]), 0))
        self.cold_start()
        self.as_("labeler")
        labeler.clock = lambda: at
        result = labeler.handler({"Records": records}, None)
        assert not result.get("batchItemFailures"), result
        self.capture()
        self.as_("test")

    def sweeper_and_digest(self) -> None:
        from siu_core.handlers import digest, sla_sweeper

        self.cold_start()
        self.as_("sla-sweeper")
        sla_sweeper.clock = lambda: THURSDAY
        report = sla_sweeper.handler({}, None)
        self.capture()
        self.sweep = report
        self.cold_start()
        self.as_("digest")
        digest.clock = lambda: datetime.now(UTC)
        digest.handler({}, None)
        self.capture()
        self.as_("test")

    def search(self) -> None:
        """The Indexer on the day's stream records (as the event source mapping hands them over), then a
        teammate's search, which the inbox answers by invoking the Search function."""
        from siu_core.handlers import inbox, indexer

        self.as_("test")
        records = _stream_records()
        self.cold_start()
        self.as_("indexer")
        applied = indexer.handler({"Records": records}, None)
        self.capture()
        self.as_("test")
        assert applied["applied"] == len(records) > 0, applied
        from siu_core.auth import issue_token, read_signing_key

        token = issue_token("mei", key=read_signing_key(), now=datetime.now(UTC))
        self.cold_start()
        self.as_("inbox")
        found = inbox.handler(_fn_url_event("GET", "/api/search", query="q=order",
                                            headers={"authorization": f"Bearer {token}"}), None)
        self.capture()
        self.as_("test")
        assert found["statusCode"] == 200 and json.loads(found["body"])["messages"], found
        self.ran.add("search")  # the inbox's Invoke ran the Search handler (_search_function)

    def capture(self) -> None:
        from siu_core import obs

        obs.flush_metrics()


def _stream_records() -> list[dict[str, Any]]:
    """Every record of the threads and messages tables' streams, shaped as Lambda hands them over."""
    import boto3
    from botocore.config import Config

    from siu_core.aws import clients
    from siu_core.aws.names import resource_names

    # The regional endpoint, as siu_core/dev/search_feed.py: moto does not answer account-id endpoints.
    streams = boto3.session.Session().client("dynamodbstreams", config=Config(account_id_endpoint_mode="disabled"))
    records: list[dict[str, Any]] = []
    for table in (resource_names().threads, resource_names().messages):
        arn = clients.dynamodb().describe_table(TableName=table)["Table"]["LatestStreamArn"]
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                            ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            records += [{**r, "eventSourceARN": arn} for r in streams.get_records(ShardIterator=it)["Records"]]
    return records


def _search_function(recorder: iam.CallRecorder) -> iam.Responder:
    """Answers the inbox's Invoke as Lambda would: runs the Search handler (its own label) on the payload."""

    def answer(operation: str, request: Mapping[str, Any]) -> Any:
        import io

        from siu_core.handlers import search

        caller, recorder.label = recorder.label, "search"
        try:
            body = search.handler(dict(request), None)
        finally:
            recorder.label = caller
        return iam.http_ok(), {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(body).encode())}

    return answer


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Day]:
    from inbox_support import FB_SECRETS, IG_SECRETS, WA_SECRETS, SlackStub, inbox_config
    from moto import mock_aws

    from siu_core import obs
    from siu_core.auth import ensure_signing_key
    from siu_core.aws import clients
    from siu_core.aws.provision import provision
    from siu_core.config import clear_config_cache, config_to_parameters
    from siu_core.dev.standin import StandIn
    from siu_core.handlers import connector, digest, inbox, labeler, sla_sweeper
    from siu_core.plugins import load_channels
    from siu_core.search import location, remote
    from siu_core.store import roster

    recorder = iam.CallRecorder({("bedrock", "Converse"): _converse("FAILME")})
    recorder.responders[("lambda", "Invoke")] = _search_function(recorder)
    standin = StandIn(load_channels(list(CHANNELS)))
    platform = _PlatformServer(standin)
    standin.settings = {name: {"api_base_url": standin.base_url(platform.origin, name)} for name in CHANNELS}
    slack = SlackStub().start()
    blocker = _Blocked(recorder)
    hidden = {k: v for k, v in sys.modules.items() if k.split(".")[0] in _ALL_EXCLUDED or pruned_module(k)}
    with pytest.MonkeyPatch.context() as mp, mock_aws(), recorder.active():
        for name in hidden:
            del sys.modules[name]
        sys.meta_path.insert(0, blocker)
        try:
            clients.reset_clients()
            clear_config_cache()
            recorder.label = "test"
            provisioned = provision()
            for k, v in provisioned.env().items():
                mp.setenv(k, v)
            mp.setenv("SIU_CHANNELS", ",".join(CHANNELS))
            mp.setenv("SIU_SLACK_API_URL", slack.url)
            # The deployed search shape: the EFS mount is a directory here; the inbox invokes Search.
            mp.setenv(location.INDEX_ENV, str(tmp_path_factory.mktemp("efs") / location.FILE_NAME))
            mp.setenv(remote.FUNCTION_ENV, "siu-search")
            mp.setenv("POWERTOOLS_METRICS_DISABLED", "true")
            mp.setenv("POWERTOOLS_METRICS_NAMESPACE", "siu")
            config = inbox_config(platform.origin, labeler="bedrock", channels=dict(standin.settings),
                                  teams={"care": {"backup": "ben", "slack_channel": "#care",  # away: weekends
                                                  "away": {"message": "We're closed; back on Monday at 9."}},
                                         "accounts": {"backup": "mei", "slack_channel": "#accounts"}})
            ssm = clients.client("ssm")
            for name, value in config_to_parameters(config).items():
                ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
            # Two admins, so the day can demote one (the last-admin guard's condition check runs).
            roster.seed([e.model_copy(update={"role": "admin"}) if e.id in ("mei", "cho") else e
                         for e in config.roster], overwrite=True)
            sm = clients.client("ssm")
            for name, values in (("whatsapp", WA_SECRETS), ("facebook", FB_SECRETS), ("instagram", IG_SECRETS)):
                sm.put_parameter(Type="SecureString", Name=f"/siu/secrets/{name}", Value=json.dumps(values))
            sm.put_parameter(Type="SecureString", Name="/siu/secrets/slack",
                             Value=json.dumps({"bot_token": "xoxb-test-token"}))
            ensure_signing_key()
            # Cold starts: every handler loads its config, secrets and clients itself.
            clients.reset_clients()
            clear_config_cache()
            labeler.set_services(None)
            inbox.set_services(None)
            sla_sweeper.set_notifier(None)
            obs.discard_metrics()
            run = _Day(recorder, platform.origin, standin, slack)
            flush = obs.flush_metrics

            def keep(**kwargs: Any) -> list[dict[str, Any]]:
                blobs = flush(**kwargs)
                run.emitted += blobs
                return blobs

            mp.setattr(obs, "flush_metrics", keep)
            run.connectors()
            run.labeler()
            run.inbox()
            run.labeler_again()
            run.sweeper_and_digest()
            run.search()
            # The day is over: the checks below use siu's tooling (the IAM model) as it was first loaded.
            sys.modules.update({k: v for k, v in hidden.items() if k.startswith("siu_core.")})
            yield run
        finally:
            sys.meta_path.remove(blocker)
            sys.modules.update(hidden)
            connector.reset()
            labeler.set_services(None)
            inbox.set_services(None)
            sla_sweeper.set_notifier(None)
            labeler.clock = sla_sweeper.clock = digest.clock = lambda: datetime.now(UTC)
            clients.reset_clients()
            clear_config_cache()
            location.close_all()
            platform.stop()
            slack.stop()


#: Grants the day cannot reach without racing two Lambdas, with the code that needs them.
NOT_EXERCISED: dict[str, dict[tuple[str, str], str]] = {
    "labeler": {
        ("dynamodb:GetItem", "table/siu-messages"): "ingest.Batch._refresh: re-read after a transaction conflict",
        ("dynamodb:GetItem", "table/siu-dedupe"): "ingest.Batch._refresh: re-read after a transaction conflict",
        ("dynamodb:GetItem", "table/siu-customers"): "ingest.Batch._refresh: re-read after a transaction conflict",
    },
    "sla-sweeper": {
        ("dynamodb:GetItem", "table/siu-composer"):
            "notification_events.tell_on_slack: a warned assignee with a Slack id",
    },
}


def _short(resource: str) -> str:
    return resource.split(":", 5)[-1] if resource.startswith("arn:") else resource


@pytest.fixture(scope="module")
def stacks() -> Any:
    from siu_core.deploy.stacks import analysis_stacks

    return analysis_stacks(CHANNELS)


def _role_grants(stacks: Any, label: str) -> tuple[str, list[iam.Grant]]:
    which, logical = function_logical_ids(CHANNELS)[label]
    stack = stacks.stack(which)
    role_logical = iam.function_roles(stack)[logical]
    name = stack.physical_name(role_logical)
    return name, iam.role_grants([stacks.core, stacks.connectors]).get(name, [])


def _needs(day: _Day, stacks: Any, label: str) -> set[iam.Need]:
    from siu_core.deploy.stacks import platform_needs

    which, logical = function_logical_ids(CHANNELS)[label]
    recorded = iam.needs_by_label(day.recorder.calls, stacks.core.context).get(label, set())
    return recorded | platform_needs(stacks.stack(which), logical)


def test_the_day_ran_every_function(day: _Day) -> None:
    assert day.ran - {"test"} == set(function_logical_ids(CHANNELS)), day.ran
    labels = set(day.recorder.by_label()) - {"test"}
    assert labels == set(function_logical_ids(CHANNELS)) - {"indexer", "search"}, labels  # no AWS call of their own


@pytest.mark.parametrize("label", sorted(function_logical_ids(CHANNELS)))
def test_every_call_the_code_makes_is_allowed(day: _Day, stacks: Any, label: str) -> None:
    role, grants = _role_grants(stacks, label)
    missing = iam.compare(grants, _needs(day, stacks, label)).missing
    assert not missing, f"{role} lacks: " + "; ".join(f"{n.action} {n.resource}" for n in missing)


@pytest.mark.parametrize("label", sorted(function_logical_ids(CHANNELS)))
def test_nothing_is_allowed_that_the_code_does_not_use(day: _Day, stacks: Any, label: str) -> None:
    role, grants = _role_grants(stacks, label)
    allowed_idle = NOT_EXERCISED.get(label, {})
    unused = [g for g in iam.compare(grants, _needs(day, stacks, label)).unused
              if (g.action, _short(g.resource)) not in allowed_idle]
    assert not unused, f"{role} allows more than its code uses: " + "; ".join(
        f"{g.action} {g.resource} ({g.where})" for g in unused)
    granted = {(g.action, _short(g.resource)) for g in grants}
    assert set(allowed_idle) <= granted, "NOT_EXERCISED names a grant the template no longer has"


def test_not_exercised_grants_stay_unexercised(day: _Day, stacks: Any) -> None:
    """An entry the day does reach must leave the list (the list only holds what a flow cannot reach)."""
    for label, entries in NOT_EXERCISED.items():
        reached = {(n.action, _short(n.resource)) for n in _needs(day, stacks, label)}
        again = set(entries) & reached
        assert not again, f"{label}: now exercised, drop from NOT_EXERCISED: {again}"


def test_connectors_read_only_their_own_channel_secret(day: _Day) -> None:
    from siu_core.deploy.cfn import Context

    needs = iam.needs_by_label(day.recorder.calls, Context())
    for name in CHANNELS:
        secrets = {n.resource for n in needs[f"connector:{name}"] if n.action == "ssm:GetParameter"}
        assert secrets == {f"arn:aws:ssm:ap-southeast-1:123456789012:parameter/siu/secrets/{name}"}


def test_converse_is_authorised_on_the_profile_and_every_regions_model(stacks: Any) -> None:
    _role, grants = _role_grants(stacks, "labeler")
    bedrock = sorted(g.resource for g in grants if g.action == "bedrock:InvokeModel")
    assert bedrock == [
        "arn:aws:bedrock:*::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
        "arn:aws:bedrock:::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
        "arn:aws:bedrock:ap-southeast-1:123456789012:inference-profile/global.anthropic.claude-haiku-4-5-20251001-v1:0",
    ]
    assert not any(g.action == "bedrock:Converse" for g in grants)  # not an IAM action


def _alarm_metrics(stacks: Any) -> list[tuple[str, str, str, frozenset[str], str | None]]:
    """(alarm, namespace, metric, dimension names, service) of every alarm on a siu metric."""
    import re

    out = []
    for stack in (stacks.core, stacks.connectors):
        for logical, spec in stack.resources.items():
            if spec.get("Type") != "AWS::CloudWatch::Alarm":
                continue
            props = stack.value(spec["Properties"])
            for query in props.get("Metrics", []):
                expr = query.get("Expression", "")
                found = re.match(r'SELECT SUM\((\w+)\) FROM SCHEMA\("([^"]+)", ([^)]*)\) WHERE service = \'([\w-]+)\'',
                                 expr)
                if found:
                    metric, ns, dims, service = found.groups()
                    out.append((logical, ns, metric, frozenset(d.strip() for d in dims.split(",")), service))
                elif "MetricStat" in query:
                    m = query["MetricStat"]["Metric"]
                    dims = {d["Name"]: d["Value"] for d in m.get("Dimensions", [])}
                    out.append((logical, m["Namespace"], m["MetricName"], frozenset(dims), dims.get("service")))
                else:
                    assert "Expression" in query, f"{logical}: a query that is neither a metric nor math"
            if "MetricName" in props:
                dims = {d["Name"]: d["Value"] for d in props.get("Dimensions", [])}
                out.append((logical, props["Namespace"], props["MetricName"], frozenset(dims), dims.get("service")))
    return out


def test_alarms_watch_metrics_the_code_really_emits(day: _Day, stacks: Any) -> None:
    emitted = set()
    for blob in day.emitted:
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            for dims in directive["Dimensions"]:
                for m in directive["Metrics"]:
                    emitted.add((directive["Namespace"], m["Name"], frozenset(dims), blob.get("service")))
    alarms = _alarm_metrics(stacks)
    assert len({a[0] for a in alarms}) == 5  # DLQ, signatures, unknown accounts, sends, fallback labels
    for logical, ns, metric, dims, service in alarms:
        if ns.startswith("AWS/"):
            assert (ns, metric) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible") and dims == {"QueueName"}
            continue
        assert (ns, metric, dims, service) in emitted, f"{logical} watches {ns}/{metric}{sorted(dims)} " \
            f"service={service}, which this run never emitted"
