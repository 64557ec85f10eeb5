"""The channel's secret at work: the handshake, the signature check on the raw body, the account it names.

A channel may serve several business accounts (see :mod:`siu_core.accounts`), each with its own
secrets. A webhook's signature is checked against the distinct signing secrets of the configured
accounts in turn (accounts sharing one, like the pages of one Meta app, are checked once); the
plugin compares in constant time on the exact bytes each time. The account whose secret verified
the body is the one passed to ``normalize`` (for platforms whose bodies do not name it).

A failure re-reads the secret (rate limited by :class:`~siu_core.secrets.SecretStore`), and so does a
verified webhook for an account not in it, so a rotated platform secret, or an account added since
the cold start, takes effect without a redeploy while forged webhooks cost at most one read per
interval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from siu_core import obs
from siu_core.accounts import Account, ChannelAccounts
from siu_core.errors import MissingSignature, SignatureError
from siu_core.event_data import event_field

if TYPE_CHECKING:
    from siu_core.models import Event, HandshakeResponse, InboundRequest
    from siu_core.plugins import Channel, Headers
    from siu_core.secrets import SecretStore


@dataclass(frozen=True)
class Signed:
    """A webhook whose signature one configured account's secret verified."""

    account: Account
    accounts: ChannelAccounts

    @property
    def account_id(self) -> str | None:
        """The account to pass to ``normalize`` (None when the secret names no account)."""
        return self.account.id or None


def _fresh(channel: Channel, store: SecretStore, old: ChannelAccounts) -> ChannelAccounts | None:
    """The accounts re-read after a failure, or None when read too recently or unchanged."""
    if not store.reread_if_stale(channel.name):
        return None
    fresh = store.accounts(channel.name, channel.basics)
    if fresh == old:
        return None
    obs.get_logger("connector").info("channel secret changed since it was read; using the new one",
                                     channel=channel.name, accounts=len(fresh))
    return fresh


def handshake(channel: Channel, store: SecretStore, query: Mapping[str, str], settings: Mapping[str, Any],
              request: InboundRequest | None = None) -> HandshakeResponse:
    """The plugin's answer to a GET verification with the first account whose secrets it accepts."""
    accounts = store.accounts(channel.name, channel.basics)
    answer = _handshake(channel, accounts, query, settings, request)
    if answer.status == 403 and (fresh := _fresh(channel, store, accounts)) is not None:
        answer = _handshake(channel, fresh, query, settings, request)
    return answer


def _handshake(channel: Channel, accounts: ChannelAccounts, query: Mapping[str, str], settings: Mapping[str, Any],
               request: InboundRequest | None) -> HandshakeResponse:
    answer: HandshakeResponse | None = None
    for account in accounts.signers(()):
        answer = channel.handshake(query, account.secrets, settings, request=request)
        if answer.status != 403:
            return answer
    assert answer is not None  # a ChannelAccounts is never empty
    return answer


def signed_by(channel: Channel, store: SecretStore, body: bytes, headers: Headers,
              request: InboundRequest | None = None) -> Signed | int:
    """The account whose secret verifies the body, else the HTTP status to refuse with (401 missing, 403 wrong)."""
    accounts = store.accounts(channel.name, channel.basics)
    found = _verify(channel, accounts, body, headers, request)
    if isinstance(found, tuple) and found[0] == 403 and (fresh := _fresh(channel, store, accounts)) is not None:
        accounts = fresh
        found = _verify(channel, accounts, body, headers, request)
    if isinstance(found, Account):
        return Signed(found, accounts)
    status, reason = found
    obs.metric("SignatureFailures", channel=channel.name)
    obs.get_logger("connector").warning("signature refused", channel=channel.name, reason=reason, status=status)
    return status


def _verify(channel: Channel, accounts: ChannelAccounts, body: bytes, headers: Headers,
            request: InboundRequest | None) -> Account | tuple[int, str]:
    reason = "signature not accepted"
    for account in accounts.signers(channel.basics.signing_secret_fields):
        try:
            channel.verify_signature(body, headers, account.secrets, request=request)
            return account
        except MissingSignature as exc:
            return 401, exc.reason
        except SignatureError as exc:
            reason = exc.reason
    return 403, reason


def served_events(channel: Channel, store: SecretStore, signed: Signed, events: Sequence[Event]) -> list[Event]:
    """The events for accounts this deployment serves; the others are dropped, logged and counted.

    A webhook for a page, number or account that is not configured would open threads nobody can
    answer (every reply fails at the platform): it is answered 200 (the platform must not resend
    it) with nothing queued, and the warning names the id so the operator can add the account. An
    account added to the secret since it was read is picked up first (one re-read per interval).
    """
    accounts = signed.accounts
    if all(accounts.knows(event_field(e, "account_id")) for e in events):
        return list(events)
    if store.reread_if_stale(channel.name):
        accounts = store.accounts(channel.name, channel.basics)
    kept = [e for e in events if accounts.knows(event_field(e, "account_id"))]
    if len(kept) == len(events):
        return kept
    unknown = sorted({event_field(e, "account_id") for e in events
                      if not accounts.knows(event_field(e, "account_id"))})
    obs.metric("UnknownAccount", len(events) - len(kept), channel=channel.name)
    obs.get_logger("connector").warning(
        "webhook for an account that is not configured; its events are dropped", channel=channel.name,
        account_ids=unknown, dropped=len(events) - len(kept), configured=len(accounts))
    return kept
