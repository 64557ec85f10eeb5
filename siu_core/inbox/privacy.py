"""Admin endpoints for a customer's data: export it (presigned links) and erase it (confirmed, resumable).

``POST /api/admin/customers/{id}/export`` writes the export into the bucket and answers links;
``POST /api/admin/customers/{id}/erase`` needs ``{"confirm": "<the same id>"}``. Both work within the
request's time: they answer 200 when done, or 202 with the progress so far when the time ran out
(calling again goes on where it stopped; a finished export is answered again, new links, until it
expires or ``?fresh=true`` asks for a new one). Both are for admins only, from the roster on every request.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field

from siu_core.inbox import authz
from siu_core.inbox.errors import Answer, ApiError
from siu_core.privacy import erase, exports
from siu_core.privacy.steps import Unfinished
from siu_core.privacy.subject import UnknownSubject, parse_subject

if TYPE_CHECKING:
    from siu_core.inbox.authz import Actor
    from siu_core.inbox.services import InboxServices

#: Seconds an erase request works before it answers 202 (the inbox function's timeout is 15 s).
ERASE_BUDGET_S = 9.0
#: Seconds an export request works before it answers 202 (a step started before then still finishes).
EXPORT_BUDGET_S = 9.0


class EraseBody(BaseModel):
    """The confirmation an erasure needs: the customer id typed again."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    confirm: Annotated[str, Field(min_length=1, max_length=600)]


def _subject(customer_id: str) -> str:
    try:
        parse_subject(customer_id)
    except UnknownSubject as exc:
        raise ApiError(422, "invalid_customer_id", str(exc)) from None
    return customer_id


def _fresh(value: str | None) -> bool:
    if value is None or value == "false":
        return False
    if value == "true":
        return True
    raise ApiError(422, "invalid_fresh", "fresh is true or false")


def export_customer(services: InboxServices, actor: Actor, customer_id: str, fresh: str | None = None) -> Answer:
    """Everything held on a customer, written to the bucket (200 links valid for an hour, 202 not yet: call again)."""
    authz.require_admin(actor)
    subject, again = _subject(customer_id), _fresh(fresh)
    deadline = time.monotonic() + EXPORT_BUDGET_S
    try:
        done = exports.to_bucket(subject, at=services.clock(), by=actor.by, fresh=again,
                                 out_of_time=lambda: time.monotonic() > deadline)
    except Unfinished as stopped:
        return Answer(202, {"state": "in_progress", "export_id": stopped.job_id, "counts": stopped.counts})
    return Answer(200, {"state": "done", "export_id": done.export_id, "document_url": done.document_url,
                        "files": done.files, "counts": done.counts, "expires_in": done.expires_in})


def erase_customer(services: InboxServices, actor: Actor, customer_id: str, body: EraseBody) -> Answer:
    """Erase a customer (200 done, 202 not yet: call again), after the id is confirmed."""
    authz.require_admin(actor)
    subject = _subject(customer_id)
    if body.confirm != subject:
        raise ApiError(422, "confirmation_mismatch", "confirm must repeat the customer id exactly; nothing was erased")
    deadline = time.monotonic() + ERASE_BUDGET_S
    try:
        done = erase.erase(subject, by=actor.by, at=services.clock(), out_of_time=lambda: time.monotonic() > deadline)
    except Unfinished as stopped:
        return Answer(202, {"state": "in_progress", "erasure_id": stopped.job_id, "counts": stopped.counts})
    return Answer(200, {"state": "erased" if done.audited else "nothing_held", "erasure_id": done.erasure_id,
                        "counts": done.counts, "resumed": done.resumed})
