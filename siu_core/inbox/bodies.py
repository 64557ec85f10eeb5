"""Request bodies: strict models (unknown keys refused), parsed into a 422 that says what is wrong."""

from __future__ import annotations

import base64
import binascii
import json
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from siu_core.config import RosterId, WorkingHours
from siu_core.inbox.errors import ApiError

#: The largest body the API reads (a reply is at most a few KB; a roster entry less).
MAX_BODY_BYTES = 64 * 1024
#: Longest reply text accepted before the channel's own (smaller) limit is applied.
MAX_TEXT = 20_000
IDEMPOTENCY_HEADER = "idempotency-key"
MAX_IDEMPOTENCY_KEY = 200

M = TypeVar("M", bound=BaseModel)

#: Characters that show nothing (or only steer direction) although they are not whitespace: zero-width
#: spaces and joiners, the BOM, word joiner and invisible operators, bidi marks, embeddings, overrides
#: and isolates, the Arabic letter mark, soft hyphen, variation selectors and the Hangul fillers.
INVISIBLE: frozenset[str] = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
    "\u3164\ufeff\uffa0"
) | frozenset(chr(c) for c in range(0xFE00, 0xFE10))


def is_invisible(char: str) -> bool:
    """Whether a character shows nothing to the customer: whitespace, a listed invisible, or a format character."""
    return char.isspace() or char in INVISIBLE or unicodedata.category(char) == "Cf" or 0xE0100 <= ord(char) <= 0xE01EF


def is_blank(text: str) -> bool:
    """True when a reply (or template parameter) would show the customer nothing at all."""
    return not any(not is_invisible(c) for c in text)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TemplateBody(_Body):
    """An approved template to send outside the reply window (channels whose plugin supports templates)."""

    name: Annotated[str, Field(min_length=1, max_length=512)]
    language: Annotated[str, Field(min_length=1, max_length=20)]
    params: Annotated[list[Annotated[str, Field(max_length=1024)]], Field(max_length=20)] = []

    @model_validator(mode="after")
    def _visible_params(self) -> TemplateBody:
        blank = [i + 1 for i, p in enumerate(self.params) if is_blank(p)]
        if blank:
            raise ValueError(f"template parameter(s) {blank} show nothing (only spaces or invisible characters)")
        return self


#: An upload id as ``POST /api/uploads`` issues it.
UploadId = Annotated[str, Field(pattern=r"^up_[0-9a-f]{24}$")]


class ReplyBody(_Body):
    """``{"text": ...}`` and/or ``{"attachments": [upload ids]}``, or ``{"template": {...}}``: the teammate's
    own words and files, or an approved template."""

    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)] | None = None
    template: TemplateBody | None = None
    attachments: Annotated[list[UploadId], Field(min_length=1, max_length=10)] | None = None
    #: The newest message shown when the teammate began writing (see :mod:`siu_core.inbox.collision`).
    based_on: Annotated[str, Field(min_length=1, max_length=512)] | None = None
    #: Send although the thread changed since ``based_on`` (after the teammate saw the new messages).
    confirm: bool = False

    @model_validator(mode="after")
    def _one(self) -> ReplyBody:
        words = self.text is not None or self.attachments is not None
        if words == (self.template is not None):
            raise ValueError("send text and/or attachments, or a template")
        if self.attachments is not None and len(set(self.attachments)) != len(self.attachments):
            raise ValueError("an upload is named twice")
        if self.text is not None and is_blank(self.text):
            raise ValueError("the reply text is empty (only spaces, zero-width or direction characters)")
        return self


#: The longest file name accepted (a longer one is shortened when stored).
MAX_FILENAME = 255
#: The largest size a body may declare (S3's for one POST); each channel's far smaller limit answers ``too_large``.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024 * 1024


class UploadBody(_Body):
    """``{"thread", "filename", "content_type", "size"}``: the file a teammate is about to upload."""

    thread: Annotated[str, Field(min_length=1, max_length=200)]
    filename: Annotated[str, Field(min_length=1, max_length=MAX_FILENAME)]
    content_type: Annotated[str, Field(max_length=200, pattern=r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$")]
    size: Annotated[int, Field(ge=1, le=MAX_UPLOAD_BYTES)]


class PresenceBody(_Body):
    """``{"state": "viewing" | "typing"}``: a heartbeat from a thread open in a tab."""

    state: Literal["viewing", "typing"]


class SnoozeBody(_Body):
    """``{"until": "<RFC 3339 time with offset>" | "customer_reply"}``: when a snoozed thread comes back."""

    until: Annotated[str, Field(min_length=1, max_length=64)]

    @model_validator(mode="after")
    def _when(self) -> SnoozeBody:
        if self.until != "customer_reply":
            self.until_time()
        return self

    def until_time(self) -> datetime:
        """The time of a timed snooze (offset required; checked against the clock by the API)."""
        try:
            value = datetime.fromisoformat(self.until.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError('until is an RFC 3339 time (e.g. 2026-03-05T09:00:00+08:00) or "customer_reply"') \
                from None
        if value.tzinfo is None:
            raise ValueError("until needs its UTC offset (e.g. +08:00 or Z)")
        return value


class ReassignBody(_Body):
    """``{"to": ID}``: the teammate who takes the thread."""

    to: RosterId


class LabelsBody(_Body):
    """A teammate's correction of the labeler's topic and/or urgency."""

    topic: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)] | None = None
    urgency: Literal["urgent", "normal"] | None = None

    @model_validator(mode="after")
    def _some(self) -> LabelsBody:
        if self.topic is None and self.urgency is None:
            raise ValueError("correct at least one of topic or urgency")
        return self


class RosterBody(_Body):
    """A roster edit: any subset of a teammate's fields (a new teammate needs name and teams)."""

    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    teams: list[str] | None = None
    status: Literal["available", "away", "off"] | None = None
    working_hours: WorkingHours | None = None
    time_zone: str | None = None
    backup: RosterId | None = None
    capacity: Annotated[int, Field(ge=1, le=10_000)] | None = None
    role: Literal["agent", "admin"] | None = None
    active: bool | None = None
    slack_user: Annotated[str, Field(pattern=r"^[UW][A-Z0-9]{2,20}$")] | None = None


#: Longest saved reply (the longest text a channel takes is a few thousand characters; its own limit applies on send).
MAX_SAVED_REPLY = 4096


class SavedReplyBody(_Body):
    """A saved reply: its name, its text (variables allowed), who sees it, and the version edited."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    text: Annotated[str, Field(min_length=1, max_length=MAX_SAVED_REPLY)]
    scope: Literal["personal", "team", "everyone"] = "personal"
    team: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    #: On PUT: the version the teammate edited (a stale one is a 409, nothing overwritten).
    version: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> SavedReplyBody:
        if is_blank(self.name) or is_blank(self.text):
            raise ValueError("the name and the text must show something")
        if (self.scope == "team") != (self.team is not None):
            raise ValueError("give a team exactly when the scope is team")
        return self


#: Longest internal note.
MAX_NOTE = 4000


class NoteBody(_Body):
    """An internal note: words for teammates, never sent to the customer; ``@id`` mentions a teammate."""

    text: Annotated[str, Field(min_length=1, max_length=MAX_NOTE)]

    @model_validator(mode="after")
    def _visible(self) -> NoteBody:
        if is_blank(self.text):
            raise ValueError("the note is empty (only spaces or invisible characters)")
        return self


def _problems(exc: ValidationError) -> list[dict[str, str]]:
    out = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "body"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        out.append({"field": where, "problem": message})
    return out


def raw_body(event: Mapping[str, Any]) -> bytes:
    """The request body bytes of a Function URL event (base64-decoded when flagged)."""
    raw = event.get("body") or ""
    if not isinstance(raw, str):
        raise ApiError(422, "invalid_body", "the body is not text")
    if len(raw) > MAX_BODY_BYTES * 2:
        raise ApiError(413, "too_large", f"the body is larger than {MAX_BODY_BYTES} bytes")
    if event.get("isBase64Encoded"):
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(422, "invalid_body", "the body is flagged base64 but is not") from None
    else:
        data = raw.encode("utf-8", "surrogatepass")
    if len(data) > MAX_BODY_BYTES:
        raise ApiError(413, "too_large", f"the body is larger than {MAX_BODY_BYTES} bytes")
    return data


def parse_json(event: Mapping[str, Any], *, allow_empty: bool = False) -> Any:
    """The JSON body, or 422 when it is not JSON (an empty body is ``{}`` where allowed)."""
    data = raw_body(event)
    if not data.strip():
        if allow_empty:
            return {}
        raise ApiError(422, "invalid_body", "the request needs a JSON body")
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        raise ApiError(422, "invalid_body", "the body is not valid JSON") from None


def parse_body(event: Mapping[str, Any], model: type[M]) -> M:
    """The body validated into ``model``, or 422 listing each problem by field."""
    data = parse_json(event)
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_body", "the body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = _problems(exc)
        first = problems[0]
        raise ApiError(422, "invalid_body", f"{first['field']}: {first['problem']}", problems=problems) from None


def idempotency_key(headers: Mapping[str, str]) -> str:
    """The ``Idempotency-Key`` header (required for replies): printable ASCII, at most 200 characters."""
    value = next((v for k, v in headers.items() if k.lower() == IDEMPOTENCY_HEADER), None)
    if value is None or not value.strip():
        raise ApiError(422, "idempotency_key_required",
                       "send an Idempotency-Key header (e.g. a UUID per reply) so a retry never sends twice")
    value = value.strip()
    if len(value) > MAX_IDEMPOTENCY_KEY or not all(33 <= ord(c) <= 126 for c in value):
        raise ApiError(422, "invalid_idempotency_key",
                       f"the Idempotency-Key must be 1-{MAX_IDEMPOTENCY_KEY} printable ASCII characters without spaces")
    return value
