"""Fill in who a customer is when a teammate reads them: the channel's ``fetch_profile`` hook, off the pipeline.

Some channels' webhooks name the person only by an id. When the inbox reads a customer
whose profile is missing or older than the refresh period (:mod:`siu_core.customers.profile_due`),
it asks the channel of one of the customer's own handles, stores the answer on the record and shows
it; a failure (or a plugin without the hook) leaves the id shown, and a failed attempt is recorded so
it is retried only after the retry period. The message pipeline never calls the platform for this.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

from siu_core import obs
from siu_core.customers import profile_due, record
from siu_core.errors import ConfigError, UnknownChannel
from siu_core.store import keys

if TYPE_CHECKING:
    from datetime import datetime

    from siu_core.aws.names import ResourceNames
    from siu_core.customers.record import Handle
    from siu_core.inbox.services import InboxServices
    from siu_core.models import CustomerProfile

SERVICE = "inbox"
#: Most platform calls one read makes (a merged customer has a record per person merged in).
MAX_FETCHES_PER_READ = 2


def _ask(services: InboxServices, handle: Handle) -> tuple[bool, CustomerProfile | None]:
    """(whether the channel can be asked, its answer); any failure of the plugin is an answer of None."""
    try:
        channel = services.channel(handle.channel)
        if not channel.has_hook("fetch_profile"):
            return False, None
        account = services.account(channel, handle.account_id)
    except (ConfigError, UnknownChannel):
        return False, None
    if account is None:  # an account no longer configured: nothing to ask with
        return False, None
    settings = channel.settings(services.config.channel_settings(channel.name))
    try:
        return True, channel.fetch_profile(handle.customer_id, handle.account_id, account.secrets,
                                           services.http(), settings)
    except Exception as exc:  # a plugin must answer None; a bug in one must not break the customer panel
        obs.get_logger(SERVICE).warning("fetch_profile raised", extra={"channel": handle.channel,
                                                                       "error": type(exc).__name__})
        return True, None


def _refresh_one(services: InboxServices, names: ResourceNames, member: MutableMapping[str, Any],
                 now: datetime) -> bool:
    """Fetch one record's profile through its first handle whose channel can; True when a platform was asked."""
    person_id = str(member.get("person_id") or "")
    for data in member.get("handles") or []:
        handle = record.handle_of(data)
        asked, found = _ask(services, handle)
        if not asked:
            continue
        if found is None:
            record.note_profile_attempt(names, person_id, now)
            member[profile_due.TRIED_AT] = keys.ts(now)
            obs.get_logger(SERVICE).info("customer profile unavailable; the id stays shown",
                                         extra={"channel": handle.channel})
            return True
        profile = {**found.model_dump(), "fetched_at": keys.ts(now), "channel": handle.channel}
        record.set_profile(names, person_id, profile)
        member["profile"] = profile
        return True
    return False


def refresh(services: InboxServices, names: ResourceNames, group: list[dict[str, Any]]) -> None:
    """Bring the profiles of a customer's records up to date where they are due (updates ``group`` in place)."""
    now = services.clock()
    asked = 0
    for member in group:
        if asked >= MAX_FETCHES_PER_READ:
            return
        if member.get("person_id") and profile_due.is_due(member, now) and _refresh_one(services, names, member, now):
            asked += 1
