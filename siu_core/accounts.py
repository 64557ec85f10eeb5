"""A channel's business accounts (pages, phone numbers, IG accounts, bots), read from its secret's JSON.

Pure: no I/O. Where the JSON comes from (an SSM SecureString parameter) is :mod:`siu_core.secrets`' concern.
A channel's secret is a JSON object in one of two shapes:

- **one account** (the shape before accounts existed): the channel's fields, e.g.
  ``{"app_secret": ..., "verify_token": ..., "access_token": ..., "page_id": "1061..."}``; the
  account's id is the plugin's account field (``ChannelInfo.account_secret_field``);
- **several accounts**: ``{"accounts": [{"id": "1061...", "name": "Support", "access_token": ...}, ...]}``.
  A field at the top level, beside ``accounts``, is shared by every account that does not set its
  own (one Meta app secret and verify token for every page of the app, say).

Every account ends up with the same flat fields a plugin has always seen (its id filled in as the
plugin's account field), so plugins never learn that there are several.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from siu_core.errors import ConfigError, MissingSecret

ACCOUNTS_KEY = "accounts"
#: An account's own keys (not secret fields handed to the plugin).
ID_KEY = "id"
NAME_KEY = "name"
MAX_NAME_LENGTH = 80
_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:@+-]{1,128}$")


@dataclass(frozen=True)
class Account:
    """One business account of a channel: its id, display name and the fields its plugin calls get."""

    id: str
    name: str | None
    secrets: Mapping[str, str] = field(repr=False)

    @property
    def label(self) -> str:
        """How the inbox names the account: its display name, else its id."""
        return self.name or self.id


@dataclass(frozen=True)
class ChannelAccounts:
    """Every configured account of one channel, in the order the secret lists them."""

    secret_name: str
    accounts: tuple[Account, ...]
    #: The secret names no account id (a single-account secret of a plugin without an account
    #: field): its one account serves whatever account a webhook names, as before accounts existed.
    wildcard: bool = False
    _by_id: Mapping[str, Account] = field(default_factory=dict, repr=False, compare=False)
    _signers: dict[tuple[str, ...], tuple[Account, ...]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", MappingProxyType({a.id: a for a in self.accounts}))

    def __iter__(self) -> Iterator[Account]:
        return iter(self.accounts)

    def __len__(self) -> int:
        return len(self.accounts)

    @property
    def ids(self) -> list[str]:
        """The configured account ids, in order."""
        return [a.id for a in self.accounts]

    def get(self, account_id: str | None) -> Account | None:
        """The account with this id (the only one for a wildcard secret), or None when not configured."""
        if self.wildcard:
            return self.accounts[0]
        return self._by_id.get(account_id or "")

    def knows(self, account_id: str) -> bool:
        """Whether events for this account id are this deployment's to take."""
        return self.wildcard or account_id in self._by_id

    def signers(self, signing_fields: Sequence[str]) -> tuple[Account, ...]:
        """One account per distinct signing secret, in order: what a webhook's signature is checked against.

        Accounts that share their signing secret (several pages of one Meta app) are checked once;
        a plugin that declares no signing fields is checked with every account's own secrets.
        """
        cached = self._signers.get(tuple(signing_fields))
        if cached is not None:
            return cached
        seen: set[tuple[str, ...]] = set()
        out: list[Account] = []
        for account in self.accounts:
            if signing_fields:
                key = tuple(account.secrets.get(f, "") for f in signing_fields)
            else:
                key = tuple(sorted(f"{k}={v}" for k, v in account.secrets.items()))
            if key not in seen:
                seen.add(key)
                out.append(account)
        found = self._signers[tuple(signing_fields)] = tuple(out)  # worked out once per read, not per webhook
        return found


def channel_accounts(
    secret_name: str,
    data: Mapping[str, Any],
    *,
    account_field: str | None,
    required: Sequence[str] = (),
) -> ChannelAccounts:
    """A channel secret's JSON object as its accounts; ConfigError naming the problem (never a value).

    ``account_field`` is the plugin's ``ChannelInfo.account_secret_field``; ``required`` its
    ``secret_fields``, which every account must end up with (own or shared).
    """
    if ACCOUNTS_KEY not in data:
        fields = flat_fields(secret_name, data)
        _require(secret_name, fields, required)
        name = _name(secret_name, fields.get(NAME_KEY))
        if account_field and fields.get(account_field):
            return ChannelAccounts(secret_name, (Account(fields[account_field], name, MappingProxyType(fields)),))
        return ChannelAccounts(secret_name, (Account("", name, MappingProxyType(fields)),), wildcard=True)
    listed = data[ACCOUNTS_KEY]
    shared = flat_fields(secret_name, {k: v for k, v in data.items() if k != ACCOUNTS_KEY})
    if not isinstance(listed, list) or not listed:
        raise ConfigError(f"secret {secret_name}: {ACCOUNTS_KEY!r} must be a non-empty list of objects")
    accounts: list[Account] = []
    seen: set[str] = set()
    for index, entry in enumerate(listed):
        where = f"{secret_name} {ACCOUNTS_KEY}[{index}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"secret {where} is not an object (found {type(entry).__name__})")
        own = flat_fields(where, entry)
        account_id = own.pop(ID_KEY, "") or (own.get(account_field, "") if account_field else "")
        if not _ID_PATTERN.match(account_id):
            raise ConfigError(f"secret {where}: {ID_KEY!r} must be the account's id "
                              "(letters, digits, '._:@+-', at most 128 characters)")
        if account_field and own.get(account_field, account_id) != account_id:
            raise ConfigError(f"secret {where}: {account_field!r} differs from {ID_KEY!r}; give only {ID_KEY!r}")
        if account_id in seen:
            raise ConfigError(f"secret {where}: account {account_id} is listed twice")
        seen.add(account_id)
        name = _name(where, own.pop(NAME_KEY, None))
        merged = {**shared, **own}
        merged.pop(NAME_KEY, None)
        if account_field:
            merged[account_field] = account_id
        _require(f"{where} (account {account_id})", merged, required)
        accounts.append(Account(account_id, name, MappingProxyType(merged)))
    return ChannelAccounts(secret_name, tuple(accounts))


def flat_fields(secret_name: str, data: Mapping[str, Any]) -> dict[str, str]:
    """A JSON object of scalar fields as strings; ConfigError naming the field (never its value)."""
    out: dict[str, str] = {}
    for key, value in data.items():
        if key == ACCOUNTS_KEY and isinstance(value, list):
            raise ConfigError(f"secret {secret_name} lists {ACCOUNTS_KEY}: read it as the channel's accounts")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ConfigError(f"secret {secret_name}: field {key!r} must be a string (found {type(value).__name__})")
        out[str(key)] = value if isinstance(value, str) else str(value)
    return out


def _name(where: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > MAX_NAME_LENGTH:
        raise ConfigError(f"secret {where}: {NAME_KEY!r} is longer than {MAX_NAME_LENGTH} characters")
    return value.strip()


def _require(where: str, fields: Mapping[str, str], required: Sequence[str]) -> None:
    missing = [f for f in required if not fields.get(f)]
    if missing:
        raise MissingSecret(where, missing)
