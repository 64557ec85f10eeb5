"""Send a teammate's reply through the Messages API: ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``.

:func:`build_params` is pure (every refusal that needs no HTTP call happens there, the WhatsApp
window included); :func:`send_reply` does the one HTTP call and reads the created Message back.
The reply goes out from the business number the customer wrote to (the thread's account), over the
transport the customer used (the ``whatsapp:`` prefix of their address, or none for SMS).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from siu_core.plugin import (
    InvalidReply,
    PermanentSendError,
    ReplyRequest,
    SendResult,
    WindowClosed,
    reply_window,
    require_secret,
)
from siu_twilio import addresses, api
from siu_twilio.config import CHANNEL, MAX_TEXT_LENGTH, WHATSAPP_WINDOW, Settings, account_sid, read_settings

#: A Content API template: ``HX`` and 32 hex digits (what ``template.name`` must be).
CONTENT_SID_RE = re.compile(r"^HX[0-9a-fA-F]{32}$")
_MESSAGE_SID_RE = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


def addresses_of(request: ReplyRequest) -> tuple[str, str]:
    """``(To, From)``: the customer's address, and the business number on the customer's transport."""
    to = addresses.to_address(request.recipient.id)
    if to is None:
        raise InvalidReply(f"recipient {request.recipient.id!r} is not a Twilio address")
    business = addresses.to_address(addresses.number_of(request.account_id))
    if business is None:
        raise InvalidReply(f"account {request.account_id!r} is not a Twilio number")
    transport = addresses.prefix_of(request.recipient.id)
    return to, f"{transport}:{business}" if transport else business


def check_window(request: ReplyRequest) -> None:
    """WhatsApp through Twilio: free text only within 24 hours of the customer's last message."""
    if addresses.prefix_of(request.recipient.id) != addresses.WHATSAPP or request.template is not None:
        return
    if request.last_inbound_at is None:
        return  # unknown: Twilio decides (63016 maps to WindowClosed too)
    state = reply_window(WHATSAPP_WINDOW, request.last_inbound_at, request.requested_at or datetime.now(UTC))
    if not state.can_send_text:
        raise WindowClosed(f"WhatsApp: {state.explanation} (a Content SID)", allowed=state.allowed)


def content_params(request: ReplyRequest) -> list[tuple[str, str]]:
    """A template reply: ``ContentSid`` and its numbered ``ContentVariables``."""
    template = request.template
    if template is None:
        return []
    if not CONTENT_SID_RE.match(template.name):
        raise InvalidReply(f"a Twilio template is named by its Content SID (HX and 32 hex digits), "
                           f"not {template.name!r}")
    params = [("ContentSid", template.name)]
    if template.params:
        variables = {str(index): value for index, value in enumerate(template.params, start=1)}
        params.append(("ContentVariables", json.dumps(variables, ensure_ascii=False)))
    return params


def build_params(request: ReplyRequest, settings: Settings) -> list[tuple[str, str]]:
    """The Messages API form for this reply, or the typed refusal that needs no HTTP call."""
    words = request.text is not None or bool(request.attachments)
    if words == (request.template is not None):
        raise InvalidReply("a reply is either text (and/or files) or a template (Content SID)")
    to, sender = addresses_of(request)
    params = [("To", to), ("From", sender)]
    if request.attachments:
        check_window(request)
        params += [("MediaUrl", item.url) for item in request.attachments]
    if request.text is not None:
        if not request.text.strip():
            raise InvalidReply("the reply text is empty")
        if len(request.text) > MAX_TEXT_LENGTH:
            raise InvalidReply(f"Twilio bodies are limited to {MAX_TEXT_LENGTH} characters; "
                               f"this one has {len(request.text)}")
        check_window(request)
        params.append(("Body", request.text))
    params += content_params(request)
    if settings.status_callback_url:
        params.append(("StatusCallback", settings.status_callback_url))
    return params


def send_reply(
    request: ReplyRequest, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
) -> SendResult:
    """Send one reply; return the Message SID status callbacks will name, or raise a typed SendError."""
    config = read_settings(settings)
    params = build_params(request, config)
    sid = account_sid(secrets)
    token = require_secret(secrets, "auth_token", CHANNEL)
    created = api.post_form(session, config.account_url(sid, "Messages.json"), (sid, token), params, config.timeout)
    return parse_created(created)


def parse_created(resource: Mapping[str, Any]) -> SendResult:
    """Read the created Message: its SID is the id delivery statuses point at."""
    sid = resource.get("sid")
    if not isinstance(sid, str) or not _MESSAGE_SID_RE.match(sid):
        raise PermanentSendError("Twilio answered without the message's SID; check the conversation before resending")
    to = resource.get("to")
    recipient = addresses.to_siu_id(to) if isinstance(to, str) else None
    return SendResult(message_id=sid, recipient_id=recipient, status="accepted")
