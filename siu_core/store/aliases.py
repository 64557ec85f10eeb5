"""Which conversation key a customer's event belongs to when the platform names them two ways. Pure.

A platform may name a customer by phone number, by a business-scoped user id (BSUID), or both (as
with usernames): a plugin keys the event on the stable id when the payload has it and keeps the phone
in ``customer.phone``. A customer first seen by phone and later by BSUID (or the other way round) must
stay one customer with one history, so the customers table holds *aliases*: an item under one key
that names the key the conversation really lives under (``alias_of``).

The rule, for an event keyed ``primary`` with the alternate key ``alternate`` (the phone's key, when
the event carries a phone that is not its id):

- the primary key holds a conversation: that is it; it holds an alias: its target;
- else the alternate key holds a conversation (first seen by phone): that is it; an alias: its target;
- else the primary key (the stable id is preferred for new customers).

Every key of the event that does not yet say where the conversation is gets an alias to it, so a
later event that names the customer only one way finds the same conversation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: The attribute of a customers-table item that makes it an alias rather than a conversation head.
ALIAS_OF = "alias_of"


@dataclass(frozen=True)
class Resolution:
    """Where an event's conversation lives, and the aliases to record so the other key finds it."""

    key: str
    aliases: tuple[str, ...] = ()


def alias_target(item: Mapping[str, Any] | None) -> str | None:
    """The key an alias item points to (None for a conversation head or no item)."""
    if not item:
        return None
    target = item.get(ALIAS_OF)
    return str(target) if target else None


def resolve(primary: str, alternate: str | None, found: Mapping[str, Mapping[str, Any] | None]) -> Resolution:
    """The conversation key for an event (see the module docstring); ``found`` maps keys to stored items."""
    candidates = [primary] if alternate is None or alternate == primary else [primary, alternate]
    key = primary
    for candidate in candidates:
        item = found.get(candidate)
        if item:
            key = alias_target(item) or candidate
            break
    aliases = tuple(c for c in candidates if c != key and not found.get(c))
    return Resolution(key=key, aliases=aliases)
