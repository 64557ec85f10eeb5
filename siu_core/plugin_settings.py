"""A plugin's deployment settings, read the same way by every plugin (exported by :mod:`siu_core.plugin`).

A hook gets the operator's ``settings`` mapping as configured; a value it cannot use is a configuration
mistake, not a passing failure: every check here raises :class:`~siu_core.errors.PermanentSendError`
naming the setting, so a reply fails once with a message the operator can act on instead of being
retried. Secrets are :func:`siu_core.secrets.require_secret`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from siu_core.errors import PermanentSendError

_SCHEMES = ("https://", "http://")


class SettingValues:
    """A plugin's settings over its declared defaults, each read once per call with a named, permanent error."""

    def __init__(self, defaults: Mapping[str, Any], settings: Mapping[str, Any]) -> None:
        self.values: dict[str, Any] = {**defaults, **settings}

    def __getitem__(self, name: str) -> Any:
        return self.values.get(name)

    def url(self, name: str, *, optional: bool = False) -> str:
        """An http(s) URL as configured (``""`` when ``optional`` and unset), so a typo fails by name, not later."""
        value = self.values.get(name)
        if optional and value in ("", None):
            return ""
        if not isinstance(value, str) or not value.startswith(_SCHEMES):
            raise PermanentSendError(f"setting {name} must be {'empty or ' if optional else ''}an http(s) URL")
        return value

    def base_url(self, name: str, *, optional: bool = False) -> str:
        """An http(s) base URL without its trailing ``/``, so ``base + path`` never doubles the slash."""
        return self.url(name, optional=optional).rstrip("/")

    def seconds(self, name: str, *, most: float, zero: bool = False, whole: bool = False) -> float:
        """A duration in seconds up to ``most`` (above 0, or from 0 when ``zero``; a whole number when ``whole``)."""
        value: Any = self.values.get(name)
        allowed = int if whole else int | float
        in_span = isinstance(value, allowed) and not isinstance(value, bool) and (
            value >= 0 if zero else value > 0) and value <= most
        if not in_span:
            number = "a whole number" if whole else "a number"
            span = f"{'[' if zero else '('}0, {most:g}]"
            raise PermanentSendError(f"setting {name} must be {number} of seconds in {span}")
        return float(value)

