"""The fixture manifest a channel plugin ships: ``<plugin package>/contract/manifest.json``.

Validated strictly: unknown keys are rejected, every mandatory check must be configured or
skipped with a written reason. Paths are relative to the manifest's folder and ship in the wheel.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

MANIFEST_FILE = "manifest.json"
MANIFEST_DIR = "contract"

#: Checks a plugin may skip, each only with a written reason.
CheckName = Literal[
    "handshake",
    "signature.tampered_byte",
    "signature.wrong_secret",
    "signature.missing_header",
    "signature.escaped_unicode",
    "normalize.batch",
    "normalize.partial_batch",
    "normalize.shapes",
    "normalize.unknown",
    "normalize.malformed",
    "normalize.simulate_roundtrip",
    "send.success",
    "send.window_closed",
    "send.rate_limited",
    "send.permanent",
    "send.transient",
    "media",
    "templates",
    "profile",
]

SendOutcome = Literal["success", "window_closed", "rate_limited", "permanent", "invalid", "transient"]


class Strict(BaseModel):
    """Manifest base: a typo in a key is an error, not a silently skipped check."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class HandshakeCase(Strict):
    """A GET query string (decoded parameters) and why it is interesting."""

    query: dict[str, str]
    why: str = ""


class HandshakeSpec(Strict):
    """The valid handshake (echoed byte for byte) and the ones that must be refused."""

    unsupported: str | None = Field(default=None, description="reason, when the platform has no handshake")
    valid: HandshakeCase | None = None
    challenge: str | None = Field(default=None, description="exact body expected for the valid query")
    refused: list[HandshakeCase] = []

    @model_validator(mode="after")
    def _complete(self) -> HandshakeSpec:
        if self.unsupported is None and (self.valid is None or self.challenge is None or not self.refused):
            raise ValueError("handshake needs valid, challenge and at least one refused case (or unsupported)")
        return self


class SignedSample(Strict):
    """A raw body file and the headers the platform sent with it."""

    body: str
    headers: dict[str, str]
    why: str = ""


class SignatureSpec(Strict):
    """Golden vectors that must verify and extra samples that must not."""

    header: str = Field(description="the header that carries the signature or secret token")
    valid: list[SignedSample] = Field(min_length=1)
    invalid: list[SignedSample] = []


class NormalizeCase(Strict):
    """A sample webhook body and the exact events it must normalize to."""

    id: str = Field(pattern=r"^[a-z0-9_.-]+$")
    webhook: str
    expected: str = Field(description="JSON file: the list of events, as dump_event() renders them")
    headers: dict[str, str] = Field(default={}, description="request headers passed to normalize")
    unreadable: list[str] = Field(
        default=[], description="paths of the items normalize must set aside as Unreadable, in order")
    why: str = ""


#: What a plugin does with one shape of platform traffic every channel meets (see ``ShapesSpec``).
ShapeHandling = Literal["event", "unsupported", "ignored", "not_on_platform"]


class ShapeCase(Strict):
    """How the plugin handles one shape, and the sample that proves it (none when the platform has no such thing)."""

    handling: ShapeHandling = Field(
        description="event: an EditEvent / UnsendEvent; unsupported: a message of kind unsupported; "
                    "ignored: nothing (say why); not_on_platform: the platform never sends it (say why)")
    webhook: str | None = None
    why: str = ""

    @model_validator(mode="after")
    def _proved_or_explained(self) -> ShapeCase:
        if (self.webhook is None) != (self.handling == "not_on_platform"):
            raise ValueError("a shape needs a webhook sample, unless the platform does not send it (not_on_platform)")
        if self.handling in ("ignored", "not_on_platform") and len(self.why.strip()) < 10:
            raise ValueError(f"handling {self.handling!r} needs a written reason in 'why' (10+ characters)")
        return self


class ShapesSpec(Strict):
    """What the plugin does with the shapes every messaging platform has: edits, deletions, unknown kinds."""

    edit: ShapeCase = Field(description="the customer edits a message they sent")
    deletion: ShapeCase = Field(description="the customer deletes (unsends, revokes) a message they sent")
    unknown_kind: ShapeCase = Field(description="a message of a kind the plugin does not know")

    @model_validator(mode="after")
    def _unknown_is_no_edit(self) -> ShapesSpec:
        if self.unknown_kind.handling == "event":
            raise ValueError("unknown_kind cannot be handled as an edit or deletion event: use unsupported or ignored")
        return self


class SendCase(Strict):
    """A reply request replayed against a cassette, and the outcome it must map to."""

    id: str = Field(pattern=r"^[a-z0-9_.-]+$")
    cassette: str
    request: dict[str, Any]
    outcome: SendOutcome
    result: dict[str, Any] | None = Field(default=None, description="the SendResult for success")
    retry_after: float | None = None
    why: str = ""

    @model_validator(mode="after")
    def _result_for_success(self) -> SendCase:
        if self.outcome == "success" and self.result is None:
            raise ValueError(f"send case {self.id}: a success case needs its expected result")
        return self


class MediaCase(Strict):
    """An attachment whose bytes are downloaded through a cassette."""

    id: str = Field(pattern=r"^[a-z0-9_.-]+$")
    cassette: str
    attachment: dict[str, Any]
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="hex digest of the expected bytes")
    mime_type: str | None = None


class TemplatesCase(Strict):
    """The account's template list fetched through a cassette, and the entries it must read as."""

    id: str = Field(pattern=r"^[a-z0-9_.-]+$")
    cassette: str
    expected: list[dict[str, Any]] = Field(description="the entries message_templates returns, in order")
    why: str = ""


class Manifest(Strict):
    """Everything the contract suite needs to check one channel plugin."""

    manifest_version: Literal[1] = 1
    channel: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    secrets: dict[str, str] = Field(description="fake secret values the fixtures were made with")
    settings: dict[str, Any] = {}
    account_id: str = Field(description="the business account id the samples are addressed to")
    webhook_url: str = Field(
        default="https://contract.siu.test/webhooks/{channel}",
        description="the public URL every sample was POSTed to (signed over, by platforms like Twilio); "
                    "{channel} is replaced by the channel name",
    )
    handshake: HandshakeSpec
    signature: SignatureSpec
    normalize: list[NormalizeCase] = Field(min_length=1)
    unknown: list[str] = Field(default=[], description="bodies that must normalize to no events")
    malformed: list[str] = Field(default=[], description="bodies that must raise MalformedPayload")
    shapes: ShapesSpec | None = Field(
        default=None, description="what the plugin does with edits, deletions and unknown message kinds")
    send: list[SendCase] = []
    media: list[MediaCase] = []
    templates: list[TemplatesCase] = Field(default=[], description="cases for the optional message_templates hook")
    skip: dict[CheckName, str] = {}

    @model_validator(mode="after")
    def _reasons(self) -> Manifest:
        for check, reason in self.skip.items():
            if len(reason.strip()) < 10:
                raise ValueError(f"skipping {check} needs a written reason (10+ characters)")
        return self
