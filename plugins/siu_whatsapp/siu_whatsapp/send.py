"""Send a teammate's reply through ``POST /{phone_number_id}/messages`` of the WhatsApp Cloud API.

:func:`build_payload` is pure (every refusal that needs no HTTP call happens there);
:func:`send_reply` does the one HTTP call and maps the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from siu_meta.graph import GraphError, GraphErrorPolicy, graph_post

from siu_core.plugin import (
    InvalidReply,
    PermanentSendError,
    RateLimited,
    ReplyRequest,
    ReplyWindowPolicy,
    SendResult,
    TemplateRef,
    WindowClosed,
    reply_window,
    require_secret,
)
from siu_whatsapp.config import (
    CHANNEL,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    REPLY_WINDOW,
    Settings,
    read_settings,
)

#: WhatsApp's (business, consumer) pair limit lets about one message through every 6 seconds.
PAIR_RATE_LIMIT_RETRY_SECONDS = 6.0
#: Meta echoes this field back in status webhooks; it may hold at most 512 characters.
MAX_CALLBACK_DATA = 512


def _pair_rate_limited(error: GraphError) -> RateLimited:
    text = error.message if not error.details else f"{error.message}: {error.details}"
    return RateLimited(
        text,
        retry_after=PAIR_RATE_LIMIT_RETRY_SECONDS,
        code=error.code,
        subcode=error.subcode,
        http_status=error.http_status,
    )


#: How WhatsApp's Graph error codes map to siu's typed send errors.
POLICY = GraphErrorPolicy(
    window_closed=frozenset({(131047, None)}),
    window_closed_allowed=("template",),
    window_closed_hint="the 24-hour customer service window is closed: only an approved template can be sent",
    rate_limited=frozenset({4, 613, 80007, 130429, 131056}),
    permanent=frozenset({131026, 131048, 131051, 551}),
    transient=frozenset({1, 2, 131000}),
    default_retry_after=60.0,
    extra={131056: _pair_rate_limited},
)


def build_payload(request: ReplyRequest, settings: Settings) -> dict[str, Any]:
    """The Cloud API message body for this reply, or the typed refusal that needs no HTTP call."""
    payload: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual"}
    payload.update(_addressee(request))
    if request.attachments:
        payload.update(_media(request))
    elif request.text is not None:
        _check_text(request)
        payload["type"] = "text"
        payload["text"] = {"body": request.text}
    elif request.template is not None:
        template = request.template
        _check_template(template, settings)
        body: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
        if template.params:
            body["components"] = [
                {"type": "body", "parameters": [{"type": "text", "text": p} for p in template.params]}
            ]
        payload["type"] = "template"
        payload["template"] = body
    else:  # ReplyRequest already refuses this; kept so the check cannot be optimised away
        raise InvalidReply("a reply needs a text or a template")
    if request.reply_to:
        payload["context"] = {"message_id": request.reply_to}
    if request.metadata:
        if len(request.metadata) > MAX_CALLBACK_DATA:
            raise InvalidReply(f"metadata longer than {MAX_CALLBACK_DATA} characters")
        payload["biz_opaque_callback_data"] = request.metadata
    return payload


#: The message type each kind of file is sent as (a document shows its file name; audio has no caption).
MEDIA_TYPES = {"image": "image", "document": "document", "video": "video", "audio": "audio"}


def _media(request: ReplyRequest) -> dict[str, Any]:
    """A media message by link (Meta fetches the URL), the text as its caption."""
    if len(request.attachments) != 1:
        raise InvalidReply("WhatsApp sends one file per message")
    _check_window(request)
    item = request.attachments[0]
    kind = MEDIA_TYPES[item.kind]
    media: dict[str, Any] = {"link": item.url}
    if request.text is not None:
        if kind == "audio":
            raise InvalidReply("WhatsApp audio has no caption: send the text as its own reply")
        if len(request.text) > MAX_CAPTION_LENGTH:
            raise InvalidReply(f"a WhatsApp caption is limited to {MAX_CAPTION_LENGTH} characters; "
                               f"this one has {len(request.text)}")
        media["caption"] = request.text
    if kind == "document":
        media["filename"] = item.filename
    return {"type": kind, kind: media}


def _addressee(request: ReplyRequest) -> dict[str, str]:
    """Phone when known (Meta's advice); a business-scoped user id goes in ``recipient``."""
    phone = request.recipient.phone
    if phone:
        return {"to": phone}
    rid = request.recipient.id
    if "." in rid:  # BSUIDs look like "US.13491208655302741918"; phone numbers have no dot
        return {"recipient": rid}
    return {"to": rid}


def _check_text(request: ReplyRequest) -> None:
    text = request.text or ""
    if not text.strip():
        raise InvalidReply("the reply text is empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidReply(f"WhatsApp text is limited to {MAX_TEXT_LENGTH} characters; this one has {len(text)}")
    _check_window(request)


def _check_window(request: ReplyRequest) -> None:
    """Outside the 24-hour window only a template goes out (a file no more than text)."""
    if request.last_inbound_at is not None and request.requested_at is not None:
        state = reply_window(ReplyWindowPolicy(**REPLY_WINDOW), request.last_inbound_at, request.requested_at)
        if not state.can_send_text:
            raise WindowClosed(state.explanation, allowed=("template",))


def _check_template(template: TemplateRef, settings: Settings) -> None:
    if any(not p.strip() for p in template.params):
        raise InvalidReply("template parameters must not be empty")
    if not settings.templates:
        return
    for approved in settings.templates:
        if approved.name == template.name and approved.language == template.language:
            if len(template.params) != approved.param_count:
                raise InvalidReply(
                    f"template {template.name!r} takes {approved.param_count} parameter(s), got {len(template.params)}"
                )
            return
    raise InvalidReply(f"template {template.name!r} ({template.language}) is not among the configured templates")


def send_reply(
    request: ReplyRequest, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
) -> SendResult:
    """Send one reply; return the platform's message id or raise a typed SendError."""
    config = read_settings(settings)
    phone_number_id = require_secret(secrets, "phone_number_id", CHANNEL)
    if request.account_id != phone_number_id:
        raise InvalidReply(
            f"the thread belongs to phone number id {request.account_id}, "
            f"but this deployment sends from {phone_number_id}"
        )
    payload = build_payload(request, config)
    token = require_secret(secrets, "access_token", CHANNEL)
    answer = graph_post(
        session,
        config.url(phone_number_id, "messages"),
        payload,
        access_token=token,
        policy=POLICY,
        timeout=config.timeout,
    )
    return parse_send_answer(answer)


def parse_send_answer(answer: Mapping[str, Any]) -> SendResult:
    """Read ``messages[0].id`` (how status webhooks find the reply) and who it went to."""
    messages = answer.get("messages")
    first = messages[0] if isinstance(messages, list) and messages and isinstance(messages[0], dict) else {}
    message_id = first.get("id")
    if not isinstance(message_id, str) or not message_id:
        # Accepted or not is unknown: do not let a retry send the customer a duplicate.
        raise PermanentSendError("the platform answered without a message id; check the thread before resending")
    contacts = answer.get("contacts")
    contact = contacts[0] if isinstance(contacts, list) and contacts and isinstance(contacts[0], dict) else {}
    recipient = contact.get("wa_id") or contact.get("user_id")
    status = first.get("message_status")
    return SendResult(
        message_id=message_id,
        recipient_id=recipient if isinstance(recipient, str) else None,
        status=status if isinstance(status, str) and status else "accepted",
    )
