"""Typed errors shared by the core and channel plugins (part of the public plugin API)."""

from __future__ import annotations

from collections.abc import Sequence


class SiuError(Exception):
    """Base class so callers can catch everything siu raises on purpose."""


class ConfigError(SiuError):
    """A configuration value is missing or malformed; the message names it."""


class PluginLoadError(SiuError):
    """A channel plugin could not be loaded; the message names the plugin and why."""

    def __init__(self, channel: str, reason: str) -> None:
        super().__init__(f"channel plugin {channel!r}: {reason}")
        self.channel = channel
        self.reason = reason


class UnknownChannel(SiuError):
    """The named channel has no loaded plugin."""


class SignatureError(SiuError):
    """A webhook's signature (or secret token) is missing or wrong: answer 401/403, enqueue nothing."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MissingSignature(SignatureError):
    """The request carries no signature at all: answer 401 (a present but wrong one is 403)."""


class MalformedPayload(SiuError):
    """A webhook body is not something the channel can read: answer 400, enqueue nothing."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SendError(SiuError):
    """A reply was not delivered to the platform; subclasses say whether and when to try again."""

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        code: int | str | None = None,
        subcode: int | str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.subcode = subcode
        self.http_status = http_status


class WindowClosed(SendError):
    """The platform's reply window is closed; `allowed` says what can still be sent."""

    def __init__(self, message: str, *, allowed: tuple[str, ...] = (), **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.allowed = allowed


class RateLimited(SendError):
    """The platform throttled us; try again after `retry_after` seconds (None when it did not say)."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class PermanentSendError(SendError):
    """The platform refused this reply for good (blocked, invalid recipient, bad request)."""


class InvalidReply(PermanentSendError):
    """The reply was refused before any HTTP call (too long, empty, unsupported template)."""


class MissingSecret(ConfigError, PermanentSendError):
    """Secret fields a channel cannot work without are absent or empty; the message names them, never a value.

    A configuration error (the operator must fill ``/siu/secrets/<channel>``) and, raised from ``send_reply``, a
    permanent send error (retrying cannot help), so every caller that handles either handles it.
    """

    def __init__(self, secret: str, fields: Sequence[str]) -> None:
        super().__init__(f"secret {secret} is missing field(s): {', '.join(fields)}")
        self.secret = secret
        self.fields = tuple(fields)


class TransientSendError(SendError):
    """A 5xx or a timeout: the same request may succeed later."""

    retryable = True


SEND_ERRORS: dict[str, type[SendError]] = {
    cls.__name__: cls
    for cls in (SendError, WindowClosed, RateLimited, PermanentSendError, InvalidReply, TransientSendError)
}
