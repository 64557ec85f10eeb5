"""``POST /api/threads/{id}/relabel``: a teammate asks the labeler to label a thread again.

The labeler reads the thread's opening message and its latest customer message (the ingest path
labels only a thread's opener; a conversation can drift) and its answer replaces the thread's
labels in one audited transaction (:mod:`siu_core.store.relabels`). The model's labels only: when
the model gives nothing usable the thread keeps its labels and the answer says so (503), so a
relabel never swaps model labels for the rules' fallback. Authorized like the other thread actions
(whoever may act on the thread); allowed on closed threads, as corrections are. Nothing is
re-routed (reassign if the team should change).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from siu_core.inbox import actions, authz
from siu_core.inbox.errors import ApiError, conflict
from siu_core.labeling.prompt import MAX_TEXT_CHARS
from siu_core.store import messages, relabels

if TYPE_CHECKING:
    from siu_core.inbox.authz import Actor
    from siu_core.inbox.services import InboxServices
    from siu_core.labeling import LabelInput


def thread_input(thread: dict[str, Any]) -> LabelInput | None:
    """What the labeler reads of a thread: its opening and latest customer messages (None: no text)."""
    from siu_core.labeling import LabelInput

    wanted = [str(k) for k in dict.fromkeys((thread.get("first_message_key"), thread.get("last_inbound_key"))) if k]
    found = [messages.get(key) for key in wanted]
    texts = [str(m["text"]) for m in found if m and m.get("direction") == "in" and str(m.get("text") or "").strip()]
    if not texts:
        return None
    return LabelInput(message_id=str(thread["thread_id"]), channel=str(thread.get("channel") or ""),
                      customer_id=str(thread.get("customer_id") or ""), kind="text",
                      text="\n".join(texts)[:MAX_TEXT_CHARS])


def relabel(services: InboxServices, actor: Actor, thread_id: str) -> dict[str, Any]:
    """Label the thread again with the deployment's labeler; its answer replaces the thread's labels."""
    thread = actions.thread_or_404(thread_id)
    authz.require_act(actor, thread)
    item = thread_input(thread)
    if item is None:
        raise conflict("nothing_to_label", "the thread has no customer text to label (media only, or unsent)")
    [labels] = services.labeler().label_batch([item])
    if labels.fallback:
        raise ApiError(503, "labeler_unavailable", "the model gave no usable labels; the thread keeps its labels",
                       headers={"Retry-After": "30"})
    result = actions.run_store(lambda: relabels.apply(thread_id, labels, by=actor.by, at=services.clock()),
                               thread_id)
    out = actions.after(services, thread_id, result is not None)
    if result is not None:
        out["before"], out["after"] = result
    return out
