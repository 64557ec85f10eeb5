"""The siu channel plugin for the WhatsApp Cloud API (entry point ``whatsapp`` in ``siu.channels``).

Thin: each hook hands over to a small module, imported by the hook that needs it, so the connector's
cold start (channel info, signature, normalize) loads no send, media, template or stand-in code. The Meta
mechanics shared with Messenger and Instagram (hub handshake, ``X-Hub-Signature-256``, Graph errors) come
from :mod:`siu_meta.graph`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from siu_meta.graph import hub_handshake, verify_hub_signature

from siu_core.plugin import hookimpl
from siu_whatsapp import config
from siu_whatsapp import normalize as normalize_mod

if TYPE_CHECKING:
    from siu_core.plugin import (
        Attachment,
        HandshakeResponse,
        MediaContent,
        ReplyRequest,
        SendResult,
        SimulatedMessage,
        StandInResponse,
        WebhookRequest,
    )


@hookimpl
def channel_info() -> dict[str, Any]:
    """Tell the core what WhatsApp needs: its secrets, the 24-hour window, the 4096-character limit."""
    return config.channel_info()


@hookimpl
def handshake(query: Mapping[str, str], secrets: Mapping[str, str]) -> HandshakeResponse:
    """Answer Meta's GET verification so the webhook can be subscribed."""
    return hub_handshake(query, secrets.get("verify_token"))


@hookimpl
def verify_signature(body: bytes, headers: Mapping[str, str], secrets: Mapping[str, str]) -> bool:
    """Accept a POST only if Meta signed these exact bytes with the app secret."""
    return verify_hub_signature(body, headers, secrets.get("app_secret"))


@hookimpl
def normalize(body: bytes) -> list[normalize_mod.Found]:
    """Turn every entry, change, message and status of a webhook into siu events (a bad item costs only itself)."""
    return normalize_mod.normalize_body(body)


@hookimpl
def send_reply(
    request: ReplyRequest, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
) -> SendResult:
    """Deliver a teammate's reply, refusing early what WhatsApp would refuse anyway."""
    from siu_whatsapp import send  # only this hook needs it (cold start)

    return send.send_reply(request, secrets, settings, session)


@hookimpl
def download_media(
    attachment: Attachment, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
) -> MediaContent | None:
    """Fetch inbound media by id so the thread keeps a copy after Meta's URL expires."""
    from siu_whatsapp import media  # only this hook needs it (cold start)

    return media.download_media(attachment, secrets, settings, session)


@hookimpl(optionalhook=True)  # contract 1.2: a 1.1 core does not know the hook and never calls it
def message_templates(
    secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
) -> list[dict[str, Any]] | None:
    """List the account's templates and their review status, so the inbox refuses a template WhatsApp would."""
    from siu_whatsapp import templates  # only this hook needs it (cold start)

    return templates.message_templates(secrets, settings, session)


@hookimpl
def simulate_webhook(
    messages: Sequence[SimulatedMessage],
    account_id: str,
    secrets: Mapping[str, str],
    settings: Mapping[str, Any],
) -> WebhookRequest:
    """Produce the signed webhook Meta would send for these messages (demo and round-trip tests)."""
    from siu_whatsapp import simulate  # only this hook needs it (cold start)

    return simulate.simulate_webhook(messages, account_id, secrets, settings)


@hookimpl
def stand_in_response(method: str, path: str, body: bytes, settings: Mapping[str, Any]) -> StandInResponse | None:
    """Answer like the Cloud API so ``siu dev`` can send replies and fetch media with no Meta account."""
    from siu_whatsapp import standin  # only this hook needs it (cold start)

    return standin.stand_in_response(method, path, body, settings)
