"""The channel plugin contract: the hooks a channel plugin implements.

Every hook is called with keyword arguments, for exactly one channel (the core dispatches to the
plugin registered under the channel's entry-point name), so an implementation never has to ask
"is this my channel?". An implementation may accept any subset of a hook's arguments. Secrets and
the HTTP session are passed in: a plugin reads no environment and holds no global client.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # annotations only: importing the contract imports no pydantic (the connector's cold start)
    from siu_core.event_data import MessageEventData
    from siu_core.models import (
        Acknowledgement,
        Attachment,
        ChannelInfo,
        CustomerProfile,
        Event,
        HandshakeResponse,
        InboundRequest,
        MediaContent,
        ReplyRequest,
        SendResult,
        SimulatedMessage,
        StandInResponse,
        Unreadable,
        WebhookRequest,
    )

PROJECT = "siu"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

#: The contract version this core implements. A plugin must declare the same major version and a
#: minor version no newer than this one. 1.1 added ``normalize(account_id=...)`` and let
#: ``simulate_webhook`` return one request per message (both needed by Telegram). 1.2 added the
#: optional ``message_templates`` hook (a 1.1 plugin, which lacks it, loads unchanged). 1.3 passes
#: ``request`` (the whole :class:`~siu_core.models.InboundRequest`) to ``handshake``,
#: ``verify_signature`` and ``normalize``, and adds the optional ``acknowledge`` hook, the
#: ``Unreadable`` marker, ``MessageEvent.reply_context`` and ``ChannelInfo.secret_patterns``; a
#: plugin that takes only the older arguments loads and works unchanged. 1.4 adds outbound files:
#: ``ReplyRequest.attachments`` and the ``ChannelInfo.attachments`` capability that lets a plugin
#: receive them (a plugin without it is never given one); and ``normalize`` may return messages as
#: plain mappings besides models (every event kind, in the event schema's JSON shape;
#: ``MessageEventData`` types the message one); ``channel_info`` may return a plain mapping of
#: ``ChannelInfo`` fields; and the optional ``fetch_profile`` hook with
#: :class:`~siu_core.models.CustomerProfile`.
CONTRACT_VERSION = "1.4"

#: Hooks every channel plugin must implement; the others are optional.
REQUIRED_HOOKS = ("channel_info", "handshake", "verify_signature", "normalize", "send_reply")


class ChannelSpec:
    """Hook specifications for a siu channel plugin (pluggy project ``siu``)."""

    @hookspec(firstresult=True)
    def channel_info(self) -> ChannelInfo | Mapping[str, Any]:  # type: ignore[empty-body]
        """Describe the channel so the core can load, configure and gate it.

        Return a :class:`~siu_core.models.ChannelInfo`, or (contract 1.4) a plain mapping of its fields,
        which the connector's cold start reads without importing pydantic: the channel name (equal to the
        entry-point name), the distribution version, the contract version implemented, the secret fields
        the plugin needs (the SecureString ``/siu/secrets/<channel>`` holds them), default settings, the
        reply window policy and text limits. Every process but the connector checks it against
        ``ChannelInfo`` when the plugin loads (so does the contract suite, the deploy gate).
        """

    @hookspec(firstresult=True)
    def handshake(  # type: ignore[empty-body]
        self,
        query: Mapping[str, str],
        secrets: Mapping[str, str],
        settings: Mapping[str, Any],
        request: InboundRequest,
    ) -> HandshakeResponse:
        """Answer the platform's GET verification request (e.g. Meta's ``hub.challenge``).

        ``query`` holds the decoded query-string parameters; ``request`` (contract 1.3) the whole
        GET. Return status 200 with the challenge echoed byte for byte only for the right token and
        mode; 403 otherwise. A channel whose platform has no handshake returns
        ``HandshakeResponse.unsupported(reason)``.
        """

    @hookspec(firstresult=True)
    def verify_signature(  # type: ignore[empty-body]
        self, body: bytes, headers: Mapping[str, str], secrets: Mapping[str, str], request: InboundRequest
    ) -> bool:
        """Prove a webhook POST came from the platform, on the raw body bytes, in constant time.

        ``headers`` is case-insensitive. A platform that signs more than the body (Twilio: the full
        public URL and the sorted form parameters) reads ``request`` (contract 1.3). Return ``True``
        only for a valid signature; raise :class:`~siu_core.errors.SignatureError` (with a reason,
        never the secret) otherwise. Anything but ``True`` is treated as a failure.
        """

    @hookspec(firstresult=True)
    def normalize(  # type: ignore[empty-body]
        self,
        body: bytes,
        headers: Mapping[str, str],
        settings: Mapping[str, Any],
        account_id: str | None,
        request: InboundRequest,
    ) -> list[Event | MessageEventData | dict[str, Any] | Unreadable]:
        """Turn a verified webhook body into normalized events, every entry and event of a batch.

        Return a list (possibly empty) of events from :mod:`siu_core.models`; any event may instead be
        a plain mapping in the event schema's JSON shape, the model's ``model_dump(mode="json",
        exclude_none=True)`` (contract 1.4; a message's is typed :class:`~siu_core.event_data.MessageEventData`),
        which the core queues without building a model (the hot path). Platform events that
        are none of the contract's kinds (typing, opt-ins, unknown fields) yield nothing. A body the
        channel cannot read raises :class:`~siu_core.errors.MalformedPayload`; no other exception
        may escape for any input. One unreadable item inside a readable body (a batch) is an
        :class:`~siu_core.models.Unreadable` in its place, not an exception: the core keeps it raw,
        counts it and queues the other events (contract 1.3).

        ``account_id`` is the business account this endpoint serves (the value of the secret named
        by ``ChannelInfo.account_secret_field``, or ``None`` when the channel names none), for
        platforms whose webhook bodies do not say which account they are for (Telegram). Channels
        whose bodies carry the account id (Meta's) ignore it. ``request`` (contract 1.3) is the
        whole POST, with ``request.form`` parsed for a form-encoded body (Twilio).
        """

    @hookspec(firstresult=True)
    def acknowledge(
        self, request: InboundRequest, events: Sequence[Event], settings: Mapping[str, Any]
    ) -> Acknowledgement | None:
        """The HTTP answer to a verified webhook POST whose events are queued (optional hook, contract 1.3).

        For a platform that expects a particular answer (Twilio: an empty TwiML ``<Response/>`` as
        ``text/xml``). Return ``None`` (or leave the hook out) for the core's plain 200. Called only
        after every event is safely queued; it must not fail, and its answer never carries customer
        text.
        """

    @hookspec(firstresult=True)
    def send_reply(  # type: ignore[empty-body]
        self,
        request: ReplyRequest,
        secrets: Mapping[str, str],
        settings: Mapping[str, Any],
        session: Any,
    ) -> SendResult:
        """Send a human-written reply through the platform's send API with the given ``requests`` session.

        Return the platform's message id. Raise a typed :class:`~siu_core.errors.SendError`:
        ``WindowClosed`` (with what is still allowed), ``RateLimited`` (with ``retry_after``),
        ``PermanentSendError`` / ``InvalidReply``, or ``TransientSendError`` (5xx, timeouts).
        Never compose or alter the text. ``request.attachments`` (contract 1.4) holds files only
        for a plugin whose ``channel_info`` declares ``attachments``, each within its declared
        rules: send each by its ``url`` (valid until ``expires_at``), ``text`` as the caption
        when the capability says ``caption``.
        """

    @hookspec(firstresult=True)
    def download_media(
        self,
        attachment: Attachment,
        secrets: Mapping[str, str],
        settings: Mapping[str, Any],
        session: Any,
    ) -> MediaContent | None:
        """Fetch an inbound attachment's bytes so the core can keep a snapshot (optional hook).

        Return ``None`` when the attachment has nothing to download. Raise a ``SendError`` subclass
        (``TransientSendError`` for 5xx/timeouts) when the platform refuses.
        """

    @hookspec(firstresult=True)
    def simulate_webhook(  # type: ignore[empty-body]
        self,
        messages: Sequence[SimulatedMessage],
        account_id: str,
        secrets: Mapping[str, str],
        settings: Mapping[str, Any],
        url: str,
    ) -> WebhookRequest | list[WebhookRequest]:
        """Build a realistic, correctly signed webhook carrying these customer messages (optional hook).

        Used by ``siu simulate``, ``siu demo`` and the contract suite's round-trip check: the
        result must verify and normalize back into exactly these messages. A platform that POSTs
        one update per request (Telegram) returns a list, one request per POST. Where the platform
        cannot carry a simulated message id verbatim (Telegram's per-chat integer ids), each
        request's ``message_ids`` maps the simulated id to the channel message id normalize gives.
        ``url`` (contract 1.3) is the public URL the request will be POSTed to, for a platform that
        signs it (Twilio).
        """

    @hookspec(firstresult=True)
    def stand_in_response(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        body: bytes,
        settings: Mapping[str, Any],
    ) -> StandInResponse | None:
        """Answer one call to the platform's API the way the platform would (optional hook).

        ``siu dev`` points the channel's ``api_base_url`` setting at a local stand-in and asks this
        hook for the answer, so replies and media downloads work with no platform account. ``path``
        is relative to ``api_base_url`` (e.g. ``/v25.0/106540352242922/messages``). Return ``None``
        for a call the platform would not understand (the stand-in answers 404).
        """

    @hookspec(firstresult=True)
    def message_templates(
        self,
        secrets: Mapping[str, str],
        settings: Mapping[str, Any],
        session: Any,
    ) -> list[Mapping[str, Any]] | None:
        """List the message templates the platform has for this account, with their review status (optional hook).

        The inbox checks a template reply against this list (cached for a few minutes) before
        sending, so a name the platform does not know, or has not approved, is refused with the list
        instead of failing at the platform. Return one mapping per template and language::

            {"name": "order_update", "language": "en_US", "status": "APPROVED",
             "category": "UTILITY", "param_count": 1}

        ``status`` is the platform's word upper-cased (only ``APPROVED`` ones can be sent);
        ``param_count`` is how many body parameters a send must carry. Return ``None`` when the
        deployment lacks what the call needs (e.g. an optional account id secret): the core then
        falls back to the ``templates`` setting. Raise a ``SendError`` subclass when the platform
        refuses or fails (``TransientSendError`` for 5xx and timeouts). Added in contract 1.2;
        implement it with ``@hookimpl(optionalhook=True)`` to keep loading on a 1.1 core.
        """

    @hookspec(firstresult=True)
    def fetch_profile(
        self,
        customer_id: str,
        account_id: str,
        secrets: Mapping[str, str],
        settings: Mapping[str, Any],
        session: Any,
    ) -> CustomerProfile | None:
        """Ask the platform who a customer is, for a channel whose webhooks carry only an id (optional hook).

        ``customer_id`` is the platform's id of the person (what ``normalize`` put in the sender's
        ``id``) and ``account_id`` the business account the conversation is with. Return a
        :class:`~siu_core.models.CustomerProfile` (name, username, picture URL: whatever the platform
        allows), or ``None`` when the platform answers nothing usable: an error, a refusal (the person
        blocked the business, the app lacks the permission), a timeout. Never raise: the inbox calls
        it when a teammate opens the customer, keeps the answer a while and shows the id when there is
        none. Added in contract 1.4; implement it with ``@hookimpl(optionalhook=True)`` to keep loading
        on an older core.
        """
