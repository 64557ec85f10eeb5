"""The part of the Telegram Bot API ``Update`` object siu reads, as strict pydantic models.

Only the fields siu uses are modelled; every other key is ignored, so a new Bot API field never
breaks the connector. A field siu does use with the wrong JSON type is a validation error, which
:mod:`siu_telegram.normalize` turns into ``MalformedPayload``. Integers stay integers (strict mode:
no ``"123"`` or ``true`` coerced), and Unix times and coordinates are range-checked.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

#: Telegram ids have at most 52 significant bits; anything wider is not Telegram's.
TgId = Annotated[int, Field(ge=-(2**53), le=2**53)]
#: Unix seconds, up to the end of year 9999 (``datetime`` cannot go further).
UnixTime = Annotated[int, Field(ge=0, le=253402300799)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


class TgModel(BaseModel):
    """Strict about the fields read, silent about the rest (the Bot API grows every few months)."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True, populate_by_name=True)


class User(TgModel):
    """A Telegram user (the customer, in a private chat)."""

    id: TgId
    is_bot: bool = False
    first_name: str = ""
    last_name: str | None = None
    username: str | None = None


class Chat(TgModel):
    """The chat an update belongs to; siu serves ``private`` chats (one customer each)."""

    id: TgId
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class FileRef(TgModel):
    """Any downloadable file: ``file_id`` fetches it (per bot), ``file_unique_id`` names it for good."""

    file_id: Annotated[str, Field(min_length=1)]
    file_unique_id: str | None = None
    file_size: int | None = None
    mime_type: str | None = None
    file_name: str | None = None


class PhotoSize(FileRef):
    """One size of a photo; Telegram sends several, smallest first."""

    width: int = 0
    height: int = 0


class Audio(FileRef):
    """A music file."""

    title: str | None = None
    performer: str | None = None


class Sticker(FileRef):
    """A sticker: WEBP, animated (TGS) or video (WEBM)."""

    emoji: str | None = None
    is_animated: bool = False
    is_video: bool = False


class Location(TgModel):
    """A point on the map."""

    latitude: Latitude
    longitude: Longitude


class Venue(TgModel):
    """A named place (its ``location`` is also sent as the message's own location)."""

    location: Location
    title: str
    address: str


class Contact(TgModel):
    """A phone contact the customer shared."""

    phone_number: str
    first_name: str = ""
    last_name: str | None = None


class MessageRef(TgModel):
    """The message a reply answers (Telegram sends it whole; siu needs its id)."""

    message_id: TgId


class Message(TgModel):
    """A message (or an edited one): content fields are optional and mostly exclusive."""

    message_id: TgId
    date: UnixTime
    chat: Chat
    sender: User | None = Field(default=None, alias="from")
    edit_date: UnixTime | None = None
    text: str | None = None
    caption: str | None = None
    photo: list[PhotoSize] | None = None
    animation: FileRef | None = None
    video: FileRef | None = None
    video_note: FileRef | None = None
    voice: FileRef | None = None
    audio: Audio | None = None
    document: FileRef | None = None
    sticker: Sticker | None = None
    venue: Venue | None = None
    location: Location | None = None
    contact: Contact | None = None
    reply_to_message: MessageRef | None = None
    forward_origin: dict[str, object] | None = None
    forward_date: UnixTime | None = None


class ReactionType(TgModel):
    """``emoji``, ``custom_emoji`` or ``paid``; other kinds may come and are skipped."""

    type: str
    emoji: str | None = None
    custom_emoji_id: str | None = None


class MessageReactionUpdated(TgModel):
    """A user's reactions on one message changed: the old and the new list."""

    chat: Chat
    message_id: TgId
    user: User | None = None
    date: UnixTime
    old_reaction: list[ReactionType] = []
    new_reaction: list[ReactionType] = []


class Update(TgModel):
    """One webhook POST: an ``update_id`` and at most one of the optional parts."""

    update_id: TgId
    message: Message | None = None
    edited_message: Message | None = None
    message_reaction: MessageReactionUpdated | None = None
