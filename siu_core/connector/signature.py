"""The channel's secret at work: the signature check on the raw request, the account id it names.

The plugin compares in constant time on the exact bytes. A failure re-reads the secret (rate
limited by :class:`~siu_core.secrets.SecretStore`), so a rotated platform secret takes effect
without a redeploy while forged webhooks cost at most one read per interval.
"""

from __future__ import annotations

from collections.abc import Mapping

from siu_core import obs
from siu_core.errors import MissingSignature, SignatureError
from siu_core.models import InboundRequest
from siu_core.plugins import Channel
from siu_core.secrets import SecretStore


def fresh_secrets(channel: Channel, store: SecretStore, old: Mapping[str, str]) -> Mapping[str, str] | None:
    """The secret re-read after a failure, or None when it was read too recently or is unchanged."""
    fresh = store.refresh_if_stale(channel.name, required=channel.info.secret_fields)
    if fresh is None or dict(fresh) == dict(old):
        return None
    obs.get_logger("connector").info("channel secret changed since it was read; using the new one",
                                     channel=channel.name)
    return fresh


def refusal(channel: Channel, store: SecretStore, request: InboundRequest,
            secrets: Mapping[str, str]) -> int | None:
    """None when the signature is good, else the HTTP status to refuse with (401 missing, 403 wrong)."""
    body, headers = request.body, request.headers
    try:
        channel.verify_signature(body, headers, secrets, request=request)
        return None
    except MissingSignature as exc:
        reason, status = exc.reason, 401
    except SignatureError as exc:
        reason, status = exc.reason, 403
        if (fresh := fresh_secrets(channel, store, secrets)) is not None:
            try:
                channel.verify_signature(body, headers, fresh, request=request)
                return None
            except SignatureError as again:
                reason = again.reason
    obs.metric("SignatureFailures", channel=channel.name)
    obs.get_logger("connector").warning("signature refused", channel=channel.name, reason=reason, status=status)
    return status


def account_id(channel: Channel, secrets: Mapping[str, str]) -> str | None:
    """The business account this endpoint serves, for platforms whose bodies do not name it."""
    field_name = channel.info.account_secret_field
    return (secrets.get(field_name) or None) if field_name else None
