"""The reply path: a teammate's own words (or an approved template) to the customer, sent at most once.

Order of a reply, each step refusing before anything is sent:

1. the thread exists (404) and the caller may act on it (403);
2. a stored outcome for this ``Idempotency-Key`` is returned as it was (a different body under the
   same key is a 422; a request still in flight is waited for, briefly);
3. the thread is open (409), nothing new arrived since the message the teammate wrote against
   (``based_on``; 409 ``thread_changed`` with the new messages unless ``confirm``), the body fits the
   channel (422: text length, templates, the files the channel takes), the reply window allows it
   (409, saying what is possible), the channel's secrets are there (503), each named upload is this
   thread's and stored as declared (:func:`siu_core.inbox.uploads.resolve`: 404, 409, 422);
4. the key is claimed with a conditional put (:func:`siu_core.store.replies.begin`): of two racing
   requests one sends, the other waits for its outcome;
5. the plugin's ``send_reply`` is called; a 5xx answer is retried a bounded number of times;
6. success is committed in one transaction (outbound message with the platform's id, thread
   counters, ``replied`` audit row, the key's outcome).

The guarantee: **one Idempotency-Key sends at most once**, and exactly once when nothing crashes.
A process that dies after the platform accepted the reply but before step 6 leaves the key
``pending``; once its lease (30 s) has run out, that key answers 409 ``reply_outcome_unknown`` and is
never sent again: the teammate checks the thread (the platform's delivery statuses and echoes show
a reply that did go out) and sends again with a new key if it did not. A platform that does not
answer at all (timeout) is treated the same way, never retried: it may have delivered.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from siu_core import attachments, obs, sla
from siu_core.errors import (
    ConfigError,
    InvalidReply,
    PermanentSendError,
    RateLimited,
    TransientSendError,
    UnknownChannel,
    WindowClosed,
)
from siu_core.inbox import authz, templates, uploads, views
from siu_core.inbox.bodies import ReplyBody, TemplateBody
from siu_core.inbox.errors import Answer, ApiError, not_found
from siu_core.models import OutboundAttachment, Participant, ReplyRequest, SendResult, TemplateRef
from siu_core.privacy.retention import message_expiry
from siu_core.store import audit, ddb, replies, rollups, threads

if TYPE_CHECKING:
    from siu_core.accounts import Account
    from siu_core.inbox.authz import Actor
    from siu_core.inbox.services import InboxServices
    from siu_core.models import ChannelInfo
    from siu_core.plugins import Channel

SERVICE = "inbox"
REPLAYED_HEADER = "Idempotent-Replayed"


class _Unanswered(Exception):
    """The platform gave no answer: the reply may have been delivered, so it must not be sent again."""

    def __init__(self, cause: TransientSendError) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _log() -> Any:
    return obs.get_logger(SERVICE)


def _retry_after(seconds: float | None) -> str:
    return str(max(1, math.ceil(seconds if seconds is not None else 1)))


def check_content(info: ChannelInfo, body: ReplyBody) -> None:
    """422 for a reply the channel cannot carry: too long, or a template where there are none."""
    if body.text is not None and info.max_text_length is not None:
        size = len(body.text.encode("utf-8")) if info.text_length_unit == "bytes" else len(body.text)
        if size > info.max_text_length:
            raise ApiError(422, "text_too_long",
                           f"{info.display_name} accepts at most {info.max_text_length} {info.text_length_unit}; "
                           f"this reply has {size} (siu never splits a reply)",
                           limit=info.max_text_length, size=size)
    if body.template is not None and not info.supports_templates:
        raise ApiError(422, "templates_unsupported", f"{info.display_name} has no message templates")
    if body.attachments:
        try:
            attachments.check_reply(info, len(body.attachments), body.text is not None, len(body.text or ""))
        except attachments.AttachmentRefused as exc:
            raise uploads.refused(exc) from None


def check_template(services: InboxServices, channel: str, template: TemplateBody,
                   account_id: str | None = None) -> None:
    """422 unless the platform approved this template and it gets its number of parameters.

    A name the cached list does not know makes the inbox ask the platform again (rate-limited by the
    cache) before refusing: a template approved a minute ago is sendable at once.
    """
    catalog = services.templates(channel, account_id)
    if catalog is None:
        return
    if not catalog.sendable and catalog.source == "config":
        return  # no platform list and none configured: the platform itself decides, as before contract 1.2
    try:
        templates.check_template(template.name, template.language, template.params, catalog)
    except ApiError as exc:
        if exc.code != "unknown_template" or catalog.source == "config":
            raise
        again = services.templates(channel, account_id, refresh=True)
        if again is None:
            raise
        templates.check_template(template.name, template.language, template.params, again)


def templates_view(services: InboxServices, channel: str, *, account: str | None = None,
                   refresh: bool = False) -> dict[str, Any]:
    """The templates a teammate may send through a channel's account now (its first one when not named),
    and everything the platform reported (for the picker)."""
    try:
        found = services.channel(channel)
    except UnknownChannel:
        raise not_found("channel", channel) from None
    catalog = services.templates(found.name, account, refresh=refresh)
    if catalog is None:
        return {"channel": found.name, "supports_templates": False, "source": None, "templates": [], "reported": []}
    return {"channel": found.name, "supports_templates": True, "source": catalog.source,
            "templates": catalog.views(), "reported": [t.view() for t in catalog.reported]}


def _replay(services: InboxServices, record: replies.ReplyRecord, wanted_hash: str) -> Answer:
    """The stored outcome of a key (after waiting a little for one still in flight)."""
    if record.request_hash != wanted_hash:
        raise ApiError(422, "idempotency_key_reused",
                       "this Idempotency-Key was used for a different reply; use a new key for a new reply")
    waited = 0.0
    current: replies.ReplyRecord | None = record
    while current is not None and current.state == "pending" and not current.lease_expired(services.clock()):
        if waited >= services.peer_wait:
            raise ApiError(409, "reply_in_progress", "a request with this Idempotency-Key is still sending",
                           headers={"Retry-After": "1"})
        services.sleep(services.peer_poll)
        waited += services.peer_poll
        current = replies.get(record.key, services.clock())
    if current is None:
        raise ApiError(409, "reply_not_sent",
                       "an earlier request with this Idempotency-Key sent nothing (rate limited or the platform "
                       "was unavailable); send it again", headers={"Retry-After": "1"})
    if current.state == "pending":
        raise ApiError(409, "reply_outcome_unknown",
                       "an earlier request with this Idempotency-Key stopped after calling the platform; the reply "
                       "may have been delivered. Check the thread, and send again with a new key if it was not",
                       thread_id=current.thread_id)
    headers = dict(current.headers or {})
    headers[REPLAYED_HEADER] = "true"
    return Answer(current.status or 200, current.body, headers)


def _first_response(thread: Mapping[str, Any], answer: Answer, actor: Actor) -> None:
    """Count a sent reply as its opening's first response if it was (reports; the first one wins).

    Runs after every successful send and every replay of one, so a retry repairs a count a crash missed.
    """
    message = answer.body.get("message") if answer.status == 200 and isinstance(answer.body, Mapping) else None
    at = sla.parse_time(message.get("timestamp")) if isinstance(message, Mapping) else None
    if at is None:
        return
    try:
        rollups.record_first_response(thread, at=at, by=actor.by)
    except Exception:  # the reply is sent and stored: a missing report figure must not turn it into an error
        _log().exception("first response not recorded for reports", extra={"thread_id": thread.get("thread_id")})


def _send(services: InboxServices, channel: Channel, request: ReplyRequest, secrets: Mapping[str, str],
          settings: Mapping[str, Any]) -> SendResult:
    """Call the plugin; retry a transient error the platform *answered* with, within the budget.

    Another attempt starts only if it can finish (judged by how long the last one took) before the
    budget runs out, so retries never push the Lambda past its timeout.
    """
    deadline = services.monotonic() + services.send_budget
    attempt = 0
    while True:
        attempt += 1
        started = services.monotonic()
        try:
            return channel.send_reply(request, secrets, services.http(), settings)
        except TransientSendError as exc:
            if exc.http_status is None:
                raise _Unanswered(exc) from exc
            took = services.monotonic() - started
            pause = 0.5 * 2 ** (attempt - 1)
            if attempt >= services.send_attempts or services.monotonic() + pause + took > deadline:
                raise
            _log().warning("transient send error; retrying",
                           extra={"channel": channel.name, "attempt": attempt, "http_status": exc.http_status})
            services.sleep(pause)


def _failure(services: InboxServices, *, key: str, owner: str, thread_id: str, actor: Actor, channel: str,
             status: int, code: str, message: str, state: replies.State = "failed",
             headers: Mapping[str, str] | None = None, **details: Any) -> Answer:
    """Store a refusal the key must replay (with a ``reply_failed`` audit row) and answer it."""
    now = services.clock()
    body = {"error": {"code": code, "message": message, **details}}
    row = audit.row_op(thread_id, "reply_failed" if state == "failed" else "reply_unknown", by=actor.by, at=now,
                       ref=owner, after={"code": code, "status": status, "channel": channel})
    replies.finish(key, owner, state=state, status=status, body=body, headers=headers, at=now, audit_row=row)
    return Answer(status, body, headers)


def reply(services: InboxServices, actor: Actor, thread_id: str, body: ReplyBody, idempotency_key: str) -> Answer:
    """Send a teammate's reply on a thread once per Idempotency-Key (see the module docstring)."""
    now = services.clock()
    thread = threads.get(thread_id)
    if thread is None:
        raise not_found("thread", thread_id)
    authz.require_act(actor, thread)
    # What is sent, not what was seen: a confirmed resend under the same key is the same reply.
    payload = body.model_dump(mode="json", exclude_none=True, exclude={"based_on", "confirm"})
    wanted = replies.request_hash(payload)
    key = replies.record_key(thread_id, actor.id, idempotency_key)
    existing = replies.get(key, now)
    if existing is not None:
        answer = _replay(services, existing, wanted)
        _first_response(thread, answer, actor)  # a retry after a crash between storing and counting
        return answer

    authz.require_open(thread)
    _check_collision(thread_id, actor, body)
    try:
        channel = services.channel(str(thread["channel"]))
    except UnknownChannel as exc:
        _log().error("reply to a channel that is not loaded", extra={"thread_id": thread_id, "error": str(exc)})
        raise ApiError(503, "channel_unavailable",
                       f"the {thread['channel']} channel is not available in this inbox; see its logs") from None
    check_content(channel.info, body)
    account_id = str(thread["account_id"])
    account = _account(services, channel, account_id)
    if body.template is not None:
        check_template(services, channel.name, body.template, account_id)
    settings = services.channel_settings(channel.name, account_id)
    last_inbound = sla.parse_time(thread.get("last_inbound_at"))
    state = views.window_state(channel.info.reply_window, settings, last_inbound, now)
    if (body.text is not None or body.attachments) and not state.can_send_text:
        window = views.window_view(state, supports_templates=channel.info.supports_templates, settings=settings)
        possible = "send an approved template" if "template" in window["allowed"] else "wait for the customer to write"
        raise ApiError(409, "window_closed", f"{state.explanation}; you can {possible}", window=window)
    files, kept = uploads.resolve(channel.info, thread_id, body.attachments or [], now=now)
    owner = uuid.uuid4().hex
    existing = replies.begin(key, thread_id=thread_id, user=actor.id, idempotency_key=idempotency_key,
                             request_hash=wanted, owner=owner, now=now)
    if existing is not None:
        return _replay(services, existing, wanted)
    return _send_claimed(services, actor, thread, channel, settings, account.secrets, body, idempotency_key, key,
                         owner, last_inbound, now, state.state, files=files, kept=kept)


def _check_collision(thread_id: str, actor: Actor, body: ReplyBody) -> None:
    """409 ``thread_changed`` with the new messages when the thread moved on since the teammate began writing."""
    if body.based_on is None or body.confirm:
        return
    from siu_core.inbox import collision
    from siu_core.store import messages

    newest, _ = messages.page(thread_id, limit=collision.MAX_NEW * 2, newest_first=True)
    new = collision.newer_messages(newest, body.based_on, actor.by)
    if new:
        raise ApiError(409, "thread_changed",
                       f"{len(new)} new message(s) arrived since you began writing; read them, then send with "
                       '"confirm": true (or edit your reply)',
                       new=[views.message_view(m) for m in new], based_on=body.based_on)


def _account(services: InboxServices, channel: Channel, account_id: str) -> Account:
    """The account the customer wrote to, whose secrets the reply goes out with (503 when unusable)."""
    try:
        account = services.account(channel, account_id)
    except ConfigError as exc:
        _log().error("channel secrets unusable", extra={"channel": channel.name, "error": str(exc)})
        raise ApiError(503, "channel_misconfigured",
                       f"the {channel.name} channel is not fully configured; see the inbox's logs") from None
    if account is None:
        _log().error("reply on a thread whose account is not configured",
                     extra={"channel": channel.name, "account_id": account_id})
        raise ApiError(503, "account_not_configured",
                       f"this thread came in on {channel.info.display_name} account {account_id}, which is not in "
                       f"the channel's secret any more; add it back to reply", account_id=account_id)
    return account


def _send_claimed(services: InboxServices, actor: Actor, thread: Mapping[str, Any], channel: Channel,
                  settings: Mapping[str, Any], secrets: Mapping[str, str], body: ReplyBody, idempotency_key: str,
                  key: str, owner: str, last_inbound: datetime | None, now: datetime, window_state: str, *,
                  files: Sequence[OutboundAttachment] = (), kept: Sequence[Mapping[str, Any]] = ()) -> Answer:
    thread_id = str(thread["thread_id"])
    template = body.template
    request = ReplyRequest(
        channel=channel.name,
        account_id=str(thread["account_id"]),
        recipient=Participant(id=str(thread["customer_id"]), name=thread.get("customer_name"),
                              phone=thread.get("customer_phone"), username=thread.get("customer_username")),
        text=body.text,
        template=TemplateRef(name=template.name, language=template.language, params=list(template.params))
        if template is not None else None,
        idempotency_key=idempotency_key,
        metadata=thread.get("reply_context"),  # what the plugin kept to answer the newest message (contract 1.3)
        last_inbound_at=last_inbound,
        requested_at=now,
        attachments=list(files),  # presigned GETs of the uploads (contract 1.4)
    )
    common: dict[str, Any] = {"key": key, "owner": owner, "thread_id": thread_id, "actor": actor,
                              "channel": channel.name}
    log = _log()
    try:
        result = _send(services, channel, request, secrets, settings)
    except RateLimited as exc:
        replies.release(key, owner)
        obs.metric("SendFailures", channel=channel.name, reason="rate_limited")
        log.warning("reply rate limited", extra={"thread_id": thread_id, "channel": channel.name})
        raise ApiError(429, "rate_limited", f"the platform is throttling replies: {exc.message}",
                       headers={"Retry-After": _retry_after(exc.retry_after)}, retry_after=exc.retry_after) from None
    except WindowClosed as exc:
        obs.metric("SendFailures", channel=channel.name, reason="window_closed")
        return _failure(services, status=409, code="window_closed", message=exc.message,
                        allowed=list(exc.allowed), **common)
    except InvalidReply as exc:
        obs.metric("SendFailures", channel=channel.name, reason="invalid")
        return _failure(services, status=422, code="invalid_reply", message=exc.message, **common)
    except PermanentSendError as exc:
        obs.metric("SendFailures", channel=channel.name, reason="permanent")
        log.error("platform refused the reply",
                  extra={"thread_id": thread_id, "channel": channel.name, "code": exc.code, "subcode": exc.subcode})
        return _failure(services, status=502, code="platform_error", message=exc.message,
                        platform_code=exc.code, platform_subcode=exc.subcode, **common)
    except _Unanswered as exc:
        obs.metric("SendFailures", channel=channel.name, reason="no_answer")
        log.error("platform did not answer; the reply may have been delivered",
                  extra={"thread_id": thread_id, "channel": channel.name})
        return _failure(services, status=503, code="reply_outcome_unknown", state="unknown",
                        message=f"{exc.cause.message}; the reply may have been delivered. Check the thread before "
                                "sending again (with a new Idempotency-Key)", **common)
    except TransientSendError as exc:
        replies.release(key, owner)
        obs.metric("SendFailures", channel=channel.name, reason="transient")
        log.error("platform unavailable after retries", extra={"thread_id": thread_id, "channel": channel.name,
                                                                "http_status": exc.http_status})
        raise ApiError(503, "platform_unavailable", f"the platform is unavailable ({exc.message}); nothing was "
                       "sent, try again", headers={"Retry-After": "30"}) from None
    except ConfigError as exc:
        replies.release(key, owner)
        obs.metric("SendFailures", channel=channel.name, reason="misconfigured")
        log.error("channel misconfigured while sending", extra={"channel": channel.name, "error": str(exc)})
        raise ApiError(503, "channel_misconfigured",
                       f"the {channel.name} channel is not fully configured; see the inbox's logs") from None
    except Exception:
        obs.metric("SendFailures", channel=channel.name, reason="plugin_error")
        log.exception("channel plugin failed while sending", extra={"thread_id": thread_id, "channel": channel.name})
        return _failure(services, status=500, code="send_failed", state="unknown",
                        message=f"the {channel.name} plugin failed; the reply may or may not have been sent: "
                                "check the thread", **common)

    at = services.clock()
    item = replies.outbound_item(thread=thread, message_id=result.message_id, at=at, text=body.text,
                                 template=template.model_dump(mode="json") if template is not None else None,
                                 user=actor.id, idempotency_key=idempotency_key, platform_status=result.status,
                                 attachments=kept, expires_at=message_expiry(at, services.config.retention))
    response = {"thread_id": thread_id, "message": views.message_view(item), "window": window_state}
    obs.metric("RepliesSent", channel=channel.name)
    try:
        replies.commit_sent(key=key, owner=owner, item=item, by=actor.by, at=at, response_body=response,
                            window_state=window_state)
    except Exception:
        log.exception("reply sent but not recorded; storing the key's outcome alone",
                      extra={"thread_id": thread_id, "message_id": result.message_id})
        try:
            replies.finish(key, owner, state="sent", status=200, body=response, at=at)
        except ddb.TransactionConflict:
            pass
        except Exception:
            log.exception("reply outcome not recorded either", extra={"thread_id": thread_id})
        raise ApiError(500, "sent_not_recorded",
                       f"the reply was sent (platform id {result.message_id}) but could not be recorded; "
                       "do not send it again", message_id=result.message_id) from None
    _first_response(thread, Answer(200, response), actor)
    log.info("reply sent", extra={"thread_id": thread_id, "channel": channel.name, "message_id": result.message_id})
    return Answer(200, response)
