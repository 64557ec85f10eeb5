"""Who an export or erasure is about: the seam to the customer record.

A *subject* is the id a teammate or operator names on the command line or in the admin API. Until the
customer (person) record lands, a subject is one conversation key as
:func:`siu_core.store.keys.customer_key` builds it (``channel#account#customer``), so it has exactly
one handle. The integrator swaps :func:`handles_for` for the record's ``handles_of`` (every
conversation handle of the person, merged ones included) and :func:`forget_record` for its
``forget_customer``; nothing else in :mod:`siu_core.privacy` knows how a person is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from siu_core.errors import SiuError
from siu_core.store import keys


class UnknownSubject(SiuError):
    """The id names no customer siu could hold data on (not a conversation key, or malformed)."""


@dataclass(frozen=True)
class Handle:
    """One conversation handle of a person: a customer id on one account of one channel."""

    channel: str
    account_id: str
    customer_id: str

    @property
    def key(self) -> str:
        """The conversation key the stores use for this handle."""
        return keys.customer_key(self.channel, self.account_id, self.customer_id)


def parse_subject(customer_id: str) -> Handle:
    """The handle a conversation key names (``channel#account#customer``), else UnknownSubject."""
    parts = customer_id.split(keys.SEP, 2)
    if len(parts) != 3 or not all(p.strip() for p in parts) or len(customer_id) > 512:
        raise UnknownSubject("a customer id is channel#account#customer (the customer_key a thread shows)")
    return Handle(channel=parts[0], account_id=parts[1], customer_id=parts[2])


def handles_for(tables: Any, customer_id: str) -> list[Handle]:
    """Every conversation handle of the person ``customer_id`` names (one, until the person record lands).

    ``tables`` is the store access of the record (unused here; kept so the record's ``handles_of``
    drops in with the same call).
    """
    del tables
    return [parse_subject(customer_id)]


def forget_record(tables: Any, customer_id: str) -> int:
    """Delete the person record itself (its handle lookups and merge records); the items deleted.

    Nothing to delete until the person record lands: its ``forget_customer`` replaces this.
    """
    del tables, customer_id
    return 0
