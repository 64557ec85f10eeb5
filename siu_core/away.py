"""Away replies: the team's own words, sent once to a customer who writes outside the team's hours.

Called by the pipeline (:mod:`siu_core.pipeline.ingest`) once a customer's message is stored. The
decision is pure (:mod:`siu_core.composer.away`); then the thread's claim is taken with a conditional
write (:mod:`siu_core.store.away`) *before* anything is sent, so a redelivered message or a second
message within the gap never sends a second one. The reply goes out through the channel plugin's
``send_reply`` like a teammate's, and is stored in the thread as ``type: away`` (automatic), with an
audit row; it does not count as the team's first response (the SLA still waits for a person).
An away reply is a courtesy: whatever fails is logged and counted (``AwayFailures``), the claim is given
back when nothing was sent, and the customer's message is never failed for it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from siu_core import obs
from siu_core.composer import away as rules
from siu_core.models import Participant, ReplyRequest
from siu_core.privacy.retention import message_expiry
from siu_core.store import audit, ddb, keys, messages, replies, threads
from siu_core.store import away as claims

if TYPE_CHECKING:
    from siu_core.pipeline.ingest import Services
    from siu_core.store.customers import CurrentThread

SERVICE = "away"
#: Who the audit trail and the stored message name as the sender.
AWAY_ACTOR = "auto:away"


def after_inbound(services: Services, head: CurrentThread, written: datetime, now: datetime) -> bool:
    """Send the team's away reply if this message (written at ``written``) is due one; True when sent."""
    config = services.config
    team = config.teams.get(head.team) if head.team else None
    spec = team.away if team is not None else None
    due = rules.due(head.team, spec, config.working_hours, config.time_zone, written=written, now=now)
    if due is None:
        return False
    log = obs.get_logger(SERVICE)
    if not claims.claim(head.thread_id, at=now, gap=due.gap):
        log.info("away reply already sent within the gap", extra={"thread_id": head.thread_id})
        return False
    try:
        sent = _send(services, head, due.message, written, now)
    except Exception as exc:  # a courtesy: the customer's message is stored whatever happens here
        claims.release(head.thread_id, at=now)
        obs.metric("AwayFailures", channel=head.channel)
        log.warning("away reply not sent", extra={"thread_id": head.thread_id, "channel": head.channel,
                                                  "error": type(exc).__name__})
        return False
    obs.metric("AwayRepliesSent", channel=head.channel)
    log.info("away reply sent", extra={"thread_id": head.thread_id, "channel": head.channel, "message_id": sent})
    return True


def _send(services: Services, head: CurrentThread, text: str, written: datetime, now: datetime) -> str:
    registry = services.channels()
    if registry is None:
        raise LookupError("no channel plugins loaded")
    channel = registry.get(head.channel)
    secrets = services.secrets.get(head.channel) if services.secrets is not None else {}
    settings = channel.settings(services.config.channel_settings(head.channel))
    key = f"away-{keys.short_hash(f'{head.thread_id}|{keys.ts(now)}', 24)}"
    request = ReplyRequest(channel=head.channel, account_id=head.account_id,
                           recipient=Participant(id=head.customer_id, name=head.customer_name), text=text,
                           idempotency_key=key, last_inbound_at=written, requested_at=now)
    result = channel.send_reply(request, secrets, services.session(), settings)
    thread = {"thread_id": head.thread_id, "channel": head.channel, "account_id": head.account_id,
              "customer_key": head.customer_key}
    item = {**replies.outbound_item(thread=thread, message_id=result.message_id, at=now, text=text, template=None,
                                    user="away", idempotency_key=key, platform_status=result.status,
                                    expires_at=message_expiry(now, services.config.retention)),
            "type": "away", "sent_by": AWAY_ACTOR}
    # The away reply is stored like a reply but is no response: last_outbound_at (the SLA's) stays.
    ddb.transact([
        messages.put_outbound_op(item),
        threads.change_op(head.thread_id, set_={"away_sent_at": keys.ts(now)},
                          add={"message_count": 1, "outbound_count": 1}),
        audit.row_op(head.thread_id, "away_replied", by=AWAY_ACTOR, at=now, ref=result.message_id,
                     after={"message_key": item["message_key"], "team": head.team}),
    ])
    return result.message_id
