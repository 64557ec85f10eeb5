"""Channel secrets from SSM Parameter Store: one SecureString parameter per channel, ``/siu/secrets/<channel>``.

A channel's secret holds one business account or several (see :mod:`siu_core.accounts`); the
connector, the inbox and the labeler ask for :meth:`SecretStore.accounts` and hand one account's
fields to the plugin. Read once per process (cold start) and cached; re-read on demand when a
webhook signature fails (or an account is not found), so a rotated platform secret or a new
account takes effect without a redeploy. A refresh triggered by bad signatures is rate limited: a
flood of forged webhooks cannot turn into a flood of Parameter Store calls. Secret values never
appear in an error message or a log line; field names may.

Why Parameter Store rather than Secrets Manager: a standard SecureString parameter is free and
encrypted with the account's ``aws/ssm`` key (no key charge), where a Secrets Manager secret costs
$0.40 a month; siu needs neither rotation lambdas nor cross-account sharing. CloudFormation cannot
create SecureString parameters, so ``siu deploy`` creates them (see :mod:`siu_core.deploy.secrets`).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from siu_core.accounts import ChannelAccounts, channel_accounts, flat_fields
from siu_core.errors import ConfigError, MissingSecret, PermanentSendError

if TYPE_CHECKING:
    import re

class SecretLayout(Protocol):
    """How a channel's secret is laid out: a ``ChannelInfo``, or the connector's ``ChannelBasics`` (no pydantic)."""

    @property
    def secret_fields(self) -> Sequence[str]:
        """The fields every account needs."""

    @property
    def account_secret_field(self) -> str | None:
        """The field that names the business account, when the channel has several."""


SECRET_PREFIX_ENV = "SIU_SECRET_PREFIX"  # noqa: S105 - a variable name, not a secret
DEFAULT_SECRET_PREFIX = "/siu/secrets/"  # noqa: S105 - a name prefix, not a secret
#: At most one signature-triggered re-read per channel in this many seconds.
DEFAULT_REFRESH_INTERVAL = 10.0


def secret_id(channel: str, prefix: str | None = None) -> str:
    """The SSM parameter name of a secret (``/siu/secrets/<channel>`` unless the prefix is changed)."""
    base = prefix if prefix is not None else os.environ.get(SECRET_PREFIX_ENV, DEFAULT_SECRET_PREFIX)
    return f"{base}{channel}"


def load_document(name: str, raw: str | bytes) -> dict[str, Any]:
    """A secret's JSON object, as stored; ConfigError naming the secret (never its value)."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ConfigError(f"secret {name} is not a JSON object of fields") from None
    if not isinstance(data, dict):
        raise ConfigError(f"secret {name} is not a JSON object of fields (found {type(data).__name__})")
    return data


def parse_secret(name: str, raw: str | bytes) -> dict[str, str]:
    """A secret's JSON object as string fields; ConfigError naming the secret (never its value)."""
    return flat_fields(name, load_document(name, raw))


def require_fields(name: str, secret: Mapping[str, str], fields: Sequence[str]) -> None:
    """Fail with the names of the fields a plugin needs that the secret lacks or leaves empty."""
    missing = [f for f in fields if not secret.get(f)]
    if missing:
        raise MissingSecret(name, missing)


def require_secret(secrets: Mapping[str, str], field: str, channel: str, *, shape: re.Pattern[str] | None = None,
                   shape_of: str = "it") -> str:
    """A secret field a hook cannot work without, so every plugin fails one way: MissingSecret naming it.

    With ``shape`` (a value placed in a URL path or header), a value it does not match is refused too:
    PermanentSendError naming the field and ``shape_of`` (what the value should be), never the value.
    """
    value = secrets.get(field)
    if not isinstance(value, str) or not value:
        raise MissingSecret(secret_id(channel), [field])
    if shape is not None and not shape.match(value):
        raise PermanentSendError(f"secret field {field!r} has characters {shape_of} never has")
    return value


def read_parameter(client: Any, name: str, *, hint: str) -> str:
    """A SecureString parameter's decrypted value; ConfigError naming it (never its value), with ``hint`` if absent."""
    try:
        resp = client.get_parameter(Name=name, WithDecryption=True)
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        if code == "ParameterNotFound":
            raise ConfigError(f"secret {name} does not exist ({hint})") from None
        raise ConfigError(f"cannot read secret {name}: {code or type(exc).__name__}") from None
    return str(resp.get("Parameter", {}).get("Value", ""))


def write_parameter(client: Any, name: str, value: str, *, description: str, overwrite: bool) -> bool:
    """Store a secret as a SecureString (aws/ssm key); False when it exists and ``overwrite`` is off."""
    try:
        client.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=overwrite,
                             Description=description)
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        if code == "ParameterAlreadyExists" and not overwrite:
            return False
        raise ConfigError(f"cannot write secret {name}: {code or type(exc).__name__}") from None
    return True


class SecretStore:
    """Cached channel secrets; ``get`` reads once, ``refresh`` re-reads (e.g. after a bad signature)."""

    def __init__(
        self,
        client: Any | None = None,
        *,
        prefix: str | None = None,
        refresh_interval: float = DEFAULT_REFRESH_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._refresh_interval = refresh_interval
        self._clock = clock
        self._cache: dict[str, Mapping[str, Any]] = {}
        self._flat: dict[str, Mapping[str, str]] = {}
        self._accounts: dict[str, ChannelAccounts] = {}
        self._read_at: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        """The SSM client, created on first use so moto and endpoint overrides apply."""
        if self._client is None:
            import boto3

            self._client = boto3.client("ssm")
        return self._client

    def _fetch(self, channel: str) -> Mapping[str, Any]:
        name = secret_id(channel, self._prefix)
        raw = read_parameter(self.client, name, hint="create it with the channel's fields")
        value = MappingProxyType(load_document(name, raw))
        self._cache[channel] = value
        self._flat.pop(channel, None)
        self._accounts.pop(channel, None)
        self._read_at[channel] = self._clock()
        return value

    def _document(self, channel: str) -> Mapping[str, Any]:
        value = self._cache.get(channel)
        return value if value is not None else self._fetch(channel)

    def get(self, channel: str, required: Sequence[str] = ()) -> Mapping[str, str]:
        """The channel's secret fields, read once per process; ConfigError names any missing field.

        For a secret of one account (or one that is not a channel's, e.g. Slack's); a secret that
        lists accounts is read with :meth:`accounts`.
        """
        with self._lock:
            value = self._flat.get(channel)
            if value is None:
                value = self._flat[channel] = MappingProxyType(
                    flat_fields(secret_id(channel, self._prefix), self._document(channel)))
        if not all(value.get(f) for f in required):  # the id is worked out only to name what is missing
            require_fields(secret_id(channel, self._prefix), value, required)
        return value

    def accounts(self, channel: str, info: SecretLayout) -> ChannelAccounts:
        """The channel's business accounts, each with the fields its plugin calls get (read once per process)."""
        with self._lock:
            value = self._accounts.get(channel)
            if value is None:
                value = self._accounts[channel] = channel_accounts(
                    secret_id(channel, self._prefix), self._document(channel),
                    account_field=info.account_secret_field, required=info.secret_fields)
        return value

    def refresh(self, channel: str, required: Sequence[str] = ()) -> Mapping[str, str]:
        """Re-read the channel's secret now (after a rotation), replacing the cached copy."""
        with self._lock:
            self._fetch(channel)
        return self.get(channel, required)

    def reread_if_stale(self, channel: str) -> bool:
        """Re-read unless the secret was read within the refresh interval; whether it was re-read.

        The connector calls this when a signature fails: a rotated secret (or a newly added
        account) is picked up by the first failing webhook, while forged ones cost at most one read
        per interval.
        """
        with self._lock:
            read_at = self._read_at.get(channel)
            if read_at is not None and self._clock() - read_at < self._refresh_interval:
                return False
            self._fetch(channel)
        return True

    def refresh_if_stale(self, channel: str, required: Sequence[str] = ()) -> Mapping[str, str] | None:
        """Re-read unless the secret was read within the refresh interval; None when it was not re-read."""
        if not self.reread_if_stale(channel):
            return None
        return self.get(channel, required)

    def clear(self) -> None:
        """Forget every cached secret (tests; ``siu dev`` after editing secrets)."""
        with self._lock:
            self._cache.clear()
            self._flat.clear()
            self._accounts.clear()
            self._read_at.clear()
