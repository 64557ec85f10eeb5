"""The part of LINE's webhook body siu reads, as strict pydantic models.

A body is ``{"destination": <bot user id>, "events": [...]}``. The envelope is checked whole; each
event is checked on its own (:func:`siu_line.normalize.normalize_body`), so one unreadable event
never costs the others. Only the fields siu uses are modelled; every other key is ignored, so a new
LINE field never breaks the connector. Strings stay strings and numbers numbers (strict mode).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

#: Milliseconds since the epoch, up to the end of year 9999 (``datetime`` cannot go further).
UnixMillis = Annotated[int, Field(ge=0, le=253402300799999)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
#: LINE ids (user, message, webhook event) are short ASCII strings; anything huge is not LINE's.
LineId = Annotated[str, Field(min_length=1, max_length=128)]


class LineModel(BaseModel):
    """Strict about the fields read, silent about the rest (LINE adds fields without notice)."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True, populate_by_name=True)


class Envelope(LineModel):
    """One webhook POST: the bot it is for and its events (empty for the console's "Verify" POST)."""

    destination: LineId
    events: list[Any]


class Source(LineModel):
    """Where an event happened: a one-to-one chat (``user``), a ``group`` or a multi-person ``room``."""

    type: str
    user_id: LineId | None = Field(default=None, alias="userId")
    group_id: str | None = Field(default=None, alias="groupId")
    room_id: str | None = Field(default=None, alias="roomId")


class DeliveryContext(LineModel):
    """``isRedelivery`` is true when LINE sends an event again after an earlier POST failed."""

    is_redelivery: bool = Field(default=False, alias="isRedelivery")


class ContentProvider(LineModel):
    """Who holds a media file: ``line`` (download it by message id) or ``external`` (by URL)."""

    type: str
    original_content_url: str | None = Field(default=None, alias="originalContentUrl")


class Content(LineModel):
    """A message's content: which fields are present depends on ``type``."""

    id: LineId
    type: str
    text: str | None = None
    quoted_message_id: LineId | None = Field(default=None, alias="quotedMessageId")
    content_provider: ContentProvider | None = Field(default=None, alias="contentProvider")
    file_name: str | None = Field(default=None, alias="fileName")
    file_size: int | None = Field(default=None, alias="fileSize")
    title: str | None = None
    address: str | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    package_id: str | None = Field(default=None, alias="packageId")
    sticker_id: str | None = Field(default=None, alias="stickerId")
    keywords: list[str] | None = None


class Postback(LineModel):
    """A tap on a postback action: its ``data``, and what a date/time picker picked."""

    data: str
    params: dict[str, Any] | None = None


class Unsend(LineModel):
    """The id of the message the user unsent."""

    message_id: LineId = Field(alias="messageId")


class Event(LineModel):
    """One webhook event; ``message``, ``postback`` or ``unsend`` is present for those types."""

    type: str
    timestamp: UnixMillis
    source: Source | None = None
    mode: str = "active"
    webhook_event_id: LineId | None = Field(default=None, alias="webhookEventId")
    reply_token: str | None = Field(default=None, alias="replyToken")
    delivery_context: DeliveryContext = Field(default=DeliveryContext(), alias="deliveryContext")
    message: Content | None = None
    postback: Postback | None = None
    unsend: Unsend | None = None
