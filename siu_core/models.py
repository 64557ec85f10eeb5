"""Pydantic models of everything that crosses a process boundary.

The JSON Schemas in ``schemas/`` are the source of truth; these models mirror them and
``tests/test_schemas.py`` proves the two agree in both directions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    field_serializer,
    field_validator,
    model_validator,
)

from siu_core.event_data import CHANNEL_NAME_PATTERN, EVENT_SCHEMA_VERSION

BCP47_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$|^und$"


def _utc(value: datetime) -> datetime:
    """Force every timestamp to an aware UTC value so comparisons never mix naive and aware."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]
ChannelName = Annotated[str, Field(pattern=CHANNEL_NAME_PATTERN, max_length=64)]
NonEmpty = Annotated[str, Field(min_length=1)]


class Model(BaseModel):
    """Strict base: unknown keys are a contract violation, not something to drop silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def rfc3339(value: datetime) -> str:
    """Render a timestamp the way the schemas expect: UTC with a Z suffix."""
    value = _utc(value)
    text = value.isoformat().replace("+00:00", "Z")
    return text


class _Timestamped(Model):
    @field_serializer("timestamp", "watermark", check_fields=False)
    def _ser_ts(self, value: datetime | None) -> str | None:
        return None if value is None else rfc3339(value)


# --- parts of events -----------------------------------------------------------------------------


class Participant(Model):
    """A customer as the platform identifies them (a platform- or business-scoped id, as the platform gives it)."""

    id: NonEmpty
    name: str | None = None
    username: str | None = None
    phone: str | None = None


AttachmentType = Literal[
    "image", "audio", "video", "file", "sticker", "share", "story_mention", "reel", "post", "fallback"
]


class Attachment(Model):
    """A media item: by URL, or by a platform media id the plugin downloads."""

    type: AttachmentType
    url: str | None = None
    media_id: str | None = None
    mime_type: str | None = None
    caption: str | None = None
    filename: str | None = None
    sha256: str | None = None
    sticker_id: str | None = None
    voice: bool = False
    title: str | None = None


class Location(Model):
    """A shared place."""

    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None
    url: str | None = None


class ContactCard(Model):
    """A contact the customer shared."""

    name: str
    phones: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)


class Story(Model):
    """The story a message replies to or mentions the business in."""

    kind: Literal["reply", "mention"]
    id: str | None = None
    url: str | None = None


class Interaction(Model):
    """A tap rather than typing: quick reply, postback, button or list reply, or a completed form (flow)."""

    kind: Literal["quick_reply", "postback", "button_reply", "list_reply", "template_button", "flow_reply"]
    id: str | None = None
    title: str | None = None
    payload: str | None = None
    #: A completed in-chat form's answers by field name, as the customer gave them.
    fields: dict[str, Any] | None = None


class OrderItem(Model):
    """One line of an order sent from a catalog."""

    product_id: str
    quantity: float
    item_price: float | None = None
    currency: str | None = None


class Order(Model):
    """An order the customer placed from the business's catalog."""

    catalog_id: str | None = None
    text: str | None = None
    items: list[OrderItem] = Field(default_factory=list)


class Referral(Model):
    """How the customer arrived (ad, link), when the platform says."""

    source: str | None = None
    type: str | None = None
    ref: str | None = None
    ad_id: str | None = None
    url: str | None = None
    headline: str | None = None
    body: str | None = None


class PlatformError(Model):
    """An error the platform reported inside a webhook or a send response."""

    code: int | str
    title: str | None = None
    message: str | None = None
    details: str | None = None


MessageKind = Literal[
    "text",
    "image",
    "audio",
    "video",
    "file",
    "sticker",
    "location",
    "contact",
    "story_reply",
    "story_mention",
    "share",
    "interactive",
    "order",
    "unsupported",
]

StatusValue = Literal["sent", "delivered", "read", "played", "failed"]

#: Status rank: a status update only ever moves a message forward (``failed`` is terminal).
STATUS_RANK: dict[str, int] = {"sent": 1, "delivered": 2, "read": 3, "played": 4, "failed": 5}


# --- events --------------------------------------------------------------------------------------


class _EventBase(_Timestamped):
    schema_version: Literal["1"] = EVENT_SCHEMA_VERSION
    channel: ChannelName
    account_id: NonEmpty
    customer: Participant
    timestamp: UtcDatetime


class MessageEvent(_EventBase):
    """A message in a conversation: from the customer (``message``) or from the business (``echo``)."""

    type: Literal["message", "echo"]
    message_id: NonEmpty
    kind: MessageKind
    text: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    reply_to: str | None = None
    story: Story | None = None
    interaction: Interaction | None = None
    location: Location | None = None
    contacts: list[ContactCard] = Field(default_factory=list)
    order: Order | None = None
    referral: Referral | None = None
    forwarded: bool = False
    standby: bool = False
    own_app: bool = False
    errors: list[PlatformError] = Field(default_factory=list)
    #: Opaque to the core: what the plugin needs to answer this message in particular (LINE's reply
    #: token and when it was issued). The newest customer message's value is kept on the thread and
    #: handed back as ``ReplyRequest.metadata`` for the next reply; never shown, never logged.
    reply_context: Annotated[str, Field(max_length=1024)] | None = None


class ReactionEvent(_EventBase):
    """A reaction added to (or removed from) an earlier message: an annotation, not a new message."""

    type: Literal["reaction"]
    target_message_id: NonEmpty
    action: Literal["react", "unreact"]
    emoji: str | None = None
    reaction: str | None = None
    by: Literal["customer", "business"] = "customer"


class UnsendEvent(_EventBase):
    """The customer deleted an earlier message: the thread shows it as deleted."""

    type: Literal["unsend"]
    target_message_id: NonEmpty


class EditEvent(_EventBase):
    """The customer edited an earlier message's text."""

    type: Literal["edit"]
    target_message_id: NonEmpty
    text: str


class StatusEvent(_EventBase):
    """Delivery progress of messages the business sent: by message ids, a watermark, or both."""

    type: Literal["status"]
    status: StatusValue
    message_ids: list[str] = Field(default_factory=list)
    watermark: UtcDatetime | None = None
    error: PlatformError | None = None


class PlatformErrorEvent(_Timestamped):
    """An account-level error the platform reported (no customer message attached)."""

    schema_version: Literal["1"] = EVENT_SCHEMA_VERSION
    type: Literal["platform_error"]
    channel: ChannelName
    account_id: NonEmpty
    timestamp: UtcDatetime
    errors: list[PlatformError] = Field(min_length=1)


Event = Annotated[
    MessageEvent | ReactionEvent | UnsendEvent | EditEvent | StatusEvent | PlatformErrorEvent,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event, config=ConfigDict(defer_build=True))
EVENT_LIST_ADAPTER: TypeAdapter[list[Event]] = TypeAdapter(list[Event], config=ConfigDict(defer_build=True))


def parse_event(data: Any) -> Event:
    """Parse a JSON-compatible dict into the right event model (raises pydantic.ValidationError)."""
    return EVENT_ADAPTER.validate_python(data)


def dump_event(event: Event) -> dict[str, Any]:
    """Dump an event to JSON-compatible data (what the queue carries and the schema validates)."""
    return event.model_dump(mode="json", exclude_none=True)


class Unreadable(Model):
    """One item of a readable webhook body that the plugin could not read (contract 1.3).

    A plugin returns it among its events, in the item's place, instead of raising
    :class:`~siu_core.errors.MalformedPayload` for the whole body: the good items of a batched POST
    are queued and the POST answers 200 (a non-200 makes the platform resend the whole batch for
    days). The core keeps ``raw`` in the snapshot store, logs ``path`` and ``reason`` (never
    ``raw``: it may hold a customer's words), counts it and drops it. Never put on the queue.
    """

    type: Literal["unreadable"] = "unreadable"
    channel: ChannelName
    #: Where the item sits in the body, e.g. ``entry[0].messaging[2]``.
    path: Annotated[str, Field(min_length=1, max_length=200)]
    #: What is wrong with it, in words an operator can act on; no customer content.
    reason: Annotated[str, Field(min_length=1, max_length=300)]
    #: The item exactly as the body carried it (any JSON value).
    raw: Any = None


# --- labels --------------------------------------------------------------------------------------


class Labels(Model):
    """What the labeler says about a new customer message. The summary is never shown to a customer."""

    topic: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
    urgency: Literal["urgent", "normal"]
    language: Annotated[str, Field(pattern=BCP47_PATTERN)]
    summary: Annotated[str, Field(max_length=280)]
    labeler: Annotated[str, Field(min_length=1, max_length=200)]
    fallback: bool = False


# --- channel description -------------------------------------------------------------------------


class ReplyWindowPolicy(Model):
    """How long after the customer's last message the business may answer, and what is possible after."""

    standard_hours: int | None = Field(default=24, ge=1)
    human_agent_days: int | None = Field(default=None, ge=1)
    template_when_closed: bool = False


#: What a teammate can attach to a reply (contract 1.4): the kinds every platform names alike.
OutboundKind = Literal["image", "document", "video", "audio"]
#: A MIME type as ``type/subtype`` in lower case, without parameters.
CONTENT_TYPE_PATTERN = r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$"


class AttachmentRule(Model):
    """The files of one kind a platform accepts: their content types and largest size (contract 1.4)."""

    content_types: Annotated[list[Annotated[str, Field(pattern=CONTENT_TYPE_PATTERN)]], Field(min_length=1)]
    max_bytes: int = Field(ge=1)


class AttachmentSupport(Model):
    """A channel's declared capability to send files by URL (``ChannelInfo.attachments``, contract 1.4).

    ``kinds`` maps each kind the platform takes to its rule (the platform's documented limits); a
    content type belongs to at most one kind. ``caption`` says whether the reply's text travels with
    the file; without one a reply carries either text or files. ``url_lifetime`` is how long
    (seconds) the file's URL must stay valid for the platform to fetch it.
    """

    kinds: Annotated[dict[OutboundKind, AttachmentRule], Field(min_length=1)]
    max_per_reply: int = Field(default=1, ge=1, le=10)
    caption: bool = False
    #: The longest caption (characters) when it is shorter than the channel's text limit.
    max_caption_length: int | None = Field(default=None, ge=1)
    url_lifetime: int = Field(default=3600, ge=60, le=7 * 24 * 3600)

    @model_validator(mode="after")
    def _one_kind_per_type(self) -> AttachmentSupport:
        seen: dict[str, str] = {}
        for kind, rule in self.kinds.items():
            for content_type in rule.content_types:
                if content_type in seen:
                    raise ValueError(f"{content_type} is declared for both {seen[content_type]} and {kind}")
                seen[content_type] = kind
        return self

    def kind_of(self, content_type: str) -> OutboundKind | None:
        """The kind a content type is sent as, or None when the platform takes no such file."""
        wanted = content_type.split(";")[0].strip().lower()
        for kind, rule in self.kinds.items():
            if wanted in rule.content_types:
                return kind
        return None


#: SVG path data: commands and numbers only (``M3 4h16v11H9l-5 4z``).
ICON_PATH_PATTERN = r"^[MmZzLlHhVvCcSsQqTtAa0-9eE.,+\- ]{1,1000}$"
#: All of an icon's path data together: a small line drawing, not an embedded picture.
ICON_MAX_CHARS = 1500


class ChannelInfo(Model):
    """What the core needs to know about a channel, reported by the plugin's ``channel_info`` hook."""

    name: ChannelName
    display_name: str
    version: NonEmpty
    contract_version: Annotated[str, Field(pattern=r"^\d+\.\d+$")]
    secret_fields: list[str]
    optional_secret_fields: list[str] = []
    signing_secret_fields: list[str] = []
    #: The secret field holding the business account id events carry (page id, phone number id...).
    account_secret_field: str | None = None
    settings: dict[str, Any] = {}
    reply_window: ReplyWindowPolicy = ReplyWindowPolicy()
    max_text_length: int | None = Field(default=None, ge=1)
    text_length_unit: Literal["characters", "bytes"] = "characters"
    supports_templates: bool = False
    #: Credentials of this platform with a recognisable shape: what it is ("a bot token") ->
    #: a regular expression. The cassette and fixture scans (:mod:`siu_core.cassettes`) look for them
    #: wherever they are written out, so the core itself names no platform's token format.
    secret_patterns: dict[str, str] = {}
    #: The files the plugin's ``send_reply`` sends (contract 1.4); None: it sends none, the composer hides the button.
    attachments: AttachmentSupport | None = None
    # How the inbox shows the channel (contract 1.4, all optional; the web UI falls back to generic ones).
    #: The name teammates know the channel by in the inbox, when shorter than ``display_name``; None: that one.
    short_name: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    #: The colour of the channel's icon, ``#rrggbb`` (at least 3:1 on white: the contract suite checks).
    accent_color: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")] | None = None
    #: The icon: SVG path data in a 24x24 box, stroked (``icon``) and filled (``icon_solid``); both
    #: empty: a generic speech bubble. Path data only (no markup), so a plugin cannot inject anything.
    icon: list[Annotated[str, Field(pattern=ICON_PATH_PATTERN)]] = []
    icon_solid: list[Annotated[str, Field(pattern=ICON_PATH_PATTERN)]] = []
    #: The composer's wording: what the platform allows once only a template may go out, where
    #: teammates find an approved template's name, and the rule of the human-agent period.
    template_only_note: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    template_help: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    human_agent_note: Annotated[str, Field(min_length=1, max_length=300)] | None = None

    @model_validator(mode="after")
    def _icon_is_small(self) -> ChannelInfo:
        size = sum(len(d) for d in (*self.icon, *self.icon_solid))
        if size > ICON_MAX_CHARS:
            raise ValueError(f"the icon's path data is {size} characters; at most {ICON_MAX_CHARS}")
        return self

    @field_validator("secret_patterns")
    @classmethod
    def _patterns_compile(cls, value: dict[str, str]) -> dict[str, str]:
        for what, pattern in value.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"secret pattern for {what!r} is not a regular expression: {exc}") from None
        return value


class HandshakeResponse(Model):
    """The HTTP answer to a platform's GET verification request."""

    status: int
    body: str = ""
    content_type: str = "text/plain"

    @classmethod
    def unsupported(cls, reason: str) -> HandshakeResponse:
        """For channels whose platform never sends a GET handshake."""
        return cls(status=405, body=reason)


# --- replies -------------------------------------------------------------------------------------


class TemplateRef(Model):
    """An approved message template and its parameters (what some platforms allow outside the reply window)."""

    name: NonEmpty
    language: NonEmpty
    params: list[str] = []


class OutboundAttachment(Model):
    """A file a teammate sends (contract 1.4): a URL the platform fetches it from while it is valid.

    ``url`` is a presigned HTTPS GET of the media store, valid until ``expires_at``; ``size`` and
    ``content_type`` are what the store holds (checked by the core against the channel's
    :class:`AttachmentSupport`); ``filename`` is the teammate's name for it (documents show it).
    """

    kind: OutboundKind
    url: NonEmpty
    content_type: Annotated[str, Field(pattern=CONTENT_TYPE_PATTERN)]
    size: int = Field(ge=1)
    filename: Annotated[str, Field(min_length=1, max_length=240)]
    expires_at: UtcDatetime | None = None

    @field_serializer("expires_at")
    def _ser_expiry(self, value: datetime | None) -> str | None:
        return None if value is None else rfc3339(value)


class ReplyRequest(Model):
    """A human-written reply to send through a channel: text and/or attachments, or a template.

    ``attachments`` (contract 1.4) are given only to a plugin that declares
    ``ChannelInfo.attachments``, within its rules; ``text`` is then the caption (or None).

    ``last_inbound_at`` (the customer's last message) and ``requested_at`` (when the teammate pressed
    send) let the plugin apply its reply window with :func:`siu_core.window.reply_window`
    deterministically, before any HTTP call.
    """

    channel: ChannelName
    account_id: NonEmpty
    recipient: Participant
    text: str | None = None
    template: TemplateRef | None = None
    reply_to: str | None = None
    idempotency_key: NonEmpty
    metadata: str | None = None
    last_inbound_at: UtcDatetime | None = None
    requested_at: UtcDatetime | None = None
    attachments: list[OutboundAttachment] = []

    @model_validator(mode="after")
    def _one_body(self) -> ReplyRequest:
        words = self.text is not None or bool(self.attachments)
        if words == (self.template is not None):
            raise ValueError("a reply carries exactly one of text (and/or attachments) or template")
        return self


class SendResult(Model):
    """The platform accepted the reply: its message id is how later status events find it."""

    message_id: NonEmpty
    recipient_id: str | None = None
    status: str = "accepted"


class CustomerProfile(Model):
    """What a platform's user-profile API says about a customer whose webhooks carry only an id (contract 1.4)."""

    name: str | None = Field(default=None, max_length=200)
    username: str | None = Field(default=None, max_length=200)
    picture_url: str | None = Field(default=None, max_length=2048)


class MediaContent(BaseModel):
    """Downloaded media bytes (not a contract model: it never crosses a process boundary as JSON)."""

    content: bytes
    mime_type: str | None = None
    filename: str | None = None


class SimulatedMessage(Model):
    """A customer message for ``siu simulate`` / ``siu demo`` to wrap in a realistic webhook."""

    sender_id: NonEmpty
    sender_name: str | None = None
    text: str
    message_id: NonEmpty
    timestamp: UtcDatetime


class StandInResponse(BaseModel):
    """What the local stand-in of a platform's API answers to one call (``siu dev``, ``siu demo``)."""

    status: int = 200
    body: Any = None
    content_type: str = "application/json"


class WebhookRequest(BaseModel):
    """A webhook POST as the platform would send it: the raw bytes and the headers that sign them."""

    body: bytes
    headers: dict[str, str]
    #: Simulated message id -> the channel message id normalize gives it, for a platform that cannot
    #: carry the simulated id verbatim (e.g. per-chat integer ids). Unlisted ids are unchanged.
    message_ids: dict[str, str] = {}


class InboundRequest:
    """A webhook request exactly as the platform sent it, for signatures that cover more than the body (contract 1.3).

    Some platforms sign the full public URL plus the sorted form parameters; a plugin reads ``url`` (scheme,
    host, path and query as the platform addressed them: behind a proxy, the channel's ``public_url``
    setting), ``headers`` (case-insensitive), the raw ``body`` and, for an
    ``application/x-www-form-urlencoded`` body, ``form``: every (name, value) pair in the order sent.
    Not a contract model: it never crosses a process boundary as JSON.
    """

    __slots__ = ("body", "form", "headers", "method", "url")

    def __init__(self, *, method: str, url: str, headers: Mapping[str, str], body: bytes,
                 form: Sequence[tuple[str, str]] | None = None) -> None:
        self.method = method.upper()
        self.url = url
        self.headers = headers
        self.body = body
        self.form = tuple(form) if form is not None else None

    @classmethod
    def received(cls, *, method: str, url: str, headers: Mapping[str, str], body: bytes) -> InboundRequest:
        """The request with ``form`` parsed when the content type says the body is a form (a bad form: no pairs)."""
        content_type = headers.get("content-type") or next(
            (v for k, v in headers.items() if k.lower() == "content-type"), "")
        form: list[tuple[str, str]] | None = None
        if content_type.split(";", 1)[0].strip().lower() == "application/x-www-form-urlencoded":
            try:
                form = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
            except UnicodeDecodeError:
                form = []
        return cls(method=method, url=url, headers=headers, body=body, form=form)

    @property
    def path(self) -> str:
        """The URL's path ("/webhooks/<channel>"), without the query."""
        return urlsplit(self.url).path

    @property
    def query(self) -> dict[str, str]:
        """The URL's query parameters decoded (first value wins)."""
        params: dict[str, str] = {}
        for key, value in parse_qsl(urlsplit(self.url).query, keep_blank_values=True):
            params.setdefault(key, value)
        return params

    def form_value(self, name: str) -> str | None:
        """The first value of one form field, or None (also for a body that is not a form)."""
        for key, value in self.form or ():
            if key == name:
                return value
        return None

    def __repr__(self) -> str:
        return f"InboundRequest({self.method} {self.url!r}, {len(self.body)} bytes)"


class Acknowledgement(Model):
    """The HTTP answer to a verified webhook POST, for platforms that expect a particular one (contract 1.3).

    Some expect an empty XML document (``<Response/>``, ``text/xml``); most platforms take any 2xx.
    """

    status: Annotated[int, Field(ge=200, le=299)] = 200
    body: Annotated[str, Field(max_length=4096)] = ""
    #: One header value: printable ASCII only (no CR/LF can split the answer's headers).
    content_type: Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[\x21-\x7e][\x20-\x7e]*$")] = \
        "text/plain"


# --- the intake queue ----------------------------------------------------------------------------


class QueueMessage(_Timestamped):
    """One normalized event on the intake queue, as the connector sends it and the labeler reads it."""

    schema_version: Literal["1"] = EVENT_SCHEMA_VERSION
    event: Event
    received_at: UtcDatetime

    @field_serializer("received_at")
    def _ser_received(self, value: datetime) -> str:
        return rfc3339(value)


#: Where the connector stores an event too big for one queue message: ``queue/<channel>/<sha256>.json``
#: (content-addressed, so a redelivered webhook writes the same key). The roles are scoped to ``queue/``.
POINTER_PREFIX = "queue/"
POINTER_KEY_PATTERN = r"^queue/[a-z][a-z0-9_]{0,63}/[0-9a-f]{64}\.json$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"


class SnapshotPointer(Model):
    """Where in the snapshot bucket an oversized event is stored, and what its bytes must hash to."""

    key: Annotated[str, Field(pattern=POINTER_KEY_PATTERN)]
    sha256: Annotated[str, Field(pattern=SHA256_PATTERN)]
    size: Annotated[int, Field(ge=1)]

    @model_validator(mode="after")
    def _key_names_its_hash(self) -> SnapshotPointer:
        if not self.key.endswith(f"/{self.sha256}.json"):
            raise ValueError("pointer key does not name the pointer's sha256")
        return self

    @property
    def channel(self) -> str:
        """The channel segment of the key."""
        return self.key.split("/")[1]


class QueuePointerMessage(Model):
    """An intake event too big for one queue message: a pointer to its stored JSON (the SQS
    extended-client pattern). The labeler fetches, verifies and unwraps it into a :class:`QueueMessage`."""

    schema_version: Literal["1"] = EVENT_SCHEMA_VERSION
    channel: ChannelName
    #: The event's channel message id (or its kind and target), so a failure can be logged unfetched.
    ref: Annotated[str, Field(max_length=512)] | None = None
    #: Whose conversation it belongs to, so when the pointer cannot be resolved the customer's later
    #: events in the batch are held back too and redelivery keeps their order.
    account_id: str | None = None
    customer_id: str | None = None
    pointer: SnapshotPointer
    received_at: UtcDatetime

    @model_validator(mode="after")
    def _same_channel(self) -> QueuePointerMessage:
        if self.pointer.channel != self.channel:
            raise ValueError("pointer key is under another channel")
        return self

    @field_serializer("received_at")
    def _ser_received(self, value: datetime) -> str:
        return rfc3339(value)
