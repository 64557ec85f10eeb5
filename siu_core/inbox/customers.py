"""The customer routes: a person's profile with every thread across channels, notes and tags, merge and unmerge.

Scoped like threads (:mod:`siu_core.inbox.authz`): a teammate sees a customer when they may read at
least one of its threads, and sees only those threads (the rest as a count) and the handles they
came through; anyone else gets the same 404 as for an unknown id, so ids reveal nothing. Merging
and unmerging need the caller to see both customers; both are audited under each customer
(``customer#<id>``), as are note and tag edits. See docs/customers.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from siu_core import obs
from siu_core.aws.names import resource_names
from siu_core.customers import links, record, suggest
from siu_core.customers.merging import MergeRefused
from siu_core.inbox import authz, customer_profiles, views
from siu_core.inbox.errors import ApiError, conflict, not_found
from siu_core.store import customers, ddb, messages, threads

if TYPE_CHECKING:
    from siu_core.inbox.authz import Actor
    from siu_core.inbox.customer_bodies import CustomerEditBody, CustomerLinkBody
    from siu_core.inbox.services import InboxServices

SERVICE = "inbox"
#: Newest threads and messages per thread read for the phones and emails a customer typed.
TYPED_THREADS, TYPED_MESSAGES = 3, 50
STALE = "the customer changed since you read it; reload and edit again"


def display_name(group: Sequence[Mapping[str, Any]]) -> str:
    """What the inbox calls a customer: the fetched profile's name, a name a channel gave, a username, else the id."""
    for member in group:
        profile = member.get("profile") or {}
        if profile.get("name"):
            return str(profile["name"])
    handles = [h for m in group for h in m.get("handles") or []]
    for field in ("name", "username", "phone", "customer_id"):
        for handle in handles:
            if handle.get(field):
                return str(handle[field])
    return str(group[0].get("person_id")) if group else ""


class _Loaded:
    """A customer's group (the customer and those merged into it) and their threads as the caller may see them."""

    def __init__(self, actor: Actor, person_id: str) -> None:
        names = resource_names()
        self.names = names
        self.id = record.root(names, person_id)
        self.group = record.members(names, self.id)
        if not self.group:
            raise not_found("customer", person_id)
        every: list[dict[str, Any]] = []
        for handle in record.handles_of(names, self.id):
            every += threads.for_customer(handle.key)
        self.threads = sorted((t for t in every if authz.can_view(actor, t)),
                              key=lambda t: str(t.get("last_message_at") or t.get("opened_at") or ""), reverse=True)
        self.hidden = len(every) - len(self.threads)
        if not self.threads and not actor.is_admin:
            raise not_found("customer", person_id)  # the same answer as an unknown id: nothing leaks
        self.record = self.group[0]

    def visible_keys(self, actor: Actor) -> set[str] | None:
        """The conversation keys the caller sees threads of (None: all, for an admin)."""
        return None if actor.is_admin else {str(t.get("customer_key")) for t in self.threads}


def _handles(services: InboxServices, loaded: _Loaded, actor: Actor) -> list[dict[str, Any]]:
    shown = loaded.visible_keys(actor)
    out = []
    for member in loaded.group:
        for data in member.get("handles") or []:
            handle = record.handle_of(data)
            if shown is not None and handle.key not in shown:
                continue
            account = {"id": handle.account_id,
                       "name": services.account_name({"channel": handle.channel, "account_id": handle.account_id})}
            out.append({"channel": handle.channel, "account": account, "id": handle.customer_id,
                        **{k: data[k] for k in ("name", "username", "phone", "email") if data.get(k)},
                        "customer": member.get("person_id")})
    return out


def _view(services: InboxServices, actor: Actor, loaded: _Loaded, requested: str) -> dict[str, Any]:
    names, own = loaded.names, loaded.record
    merged = []
    for info in links.merge_info(names, loaded.id):
        other = record.get(names, str(info["id"])) or {}
        merged.append({**info, "name": display_name([other]) if other else None})
    profile = own.get("profile") or {}
    return {
        "id": loaded.id,
        **({"requested": requested} if requested != loaded.id else {}),
        "name": display_name(loaded.group),
        "profile": {k: profile.get(k) for k in ("name", "username", "picture_url", "fetched_at")} if profile else None,
        "handles": _handles(services, loaded, actor),
        "notes": own.get("notes") or "",
        "tags": list(own.get("tags") or []),
        "version": int(own.get("version") or 1),
        "created_at": own.get("created_at"),
        "merged": merged,
        "threads": [views.thread_summary(t, account_name=services.account_name(t)) for t in loaded.threads],
        "threads_hidden": loaded.hidden,
    }


def _check_id(person_id: str) -> None:
    if not record.is_id(person_id):
        raise not_found("customer", person_id)


def detail(services: InboxServices, actor: Actor, person_id: str) -> dict[str, Any]:
    """A customer (the one it is merged into, when it is) with every thread the caller may see, newest first."""
    _check_id(person_id)
    loaded = _Loaded(actor, person_id)
    customer_profiles.refresh(services, loaded.names, loaded.group)  # after the scope check: only for who may see
    return _view(services, actor, loaded, person_id)


def for_thread(services: InboxServices, actor: Actor, thread_id: str) -> dict[str, Any]:
    """The customer a thread belongs to (what the thread view's profile panel shows)."""
    thread = threads.get(thread_id)
    if thread is None:
        raise not_found("thread", thread_id)
    authz.require_view(actor, thread)
    head = customers.get(str(thread.get("customer_key") or ""))
    if head is None:
        raise not_found("customer", thread_id)
    found = record.ensure(resource_names(), head, services.clock())
    return detail(services, actor, str(found.get("person_id") or record.person_of_head(head)))


def edit(services: InboxServices, actor: Actor, person_id: str, body: CustomerEditBody) -> dict[str, Any]:
    """Change the customer's notes and tags (guarded by the version the teammate saw; audited)."""
    _check_id(person_id)
    loaded = _Loaded(actor, person_id)
    if loaded.id != person_id:
        raise conflict("customer_merged", f"{person_id} is merged into {loaded.id}; edit that customer",
                       into=loaded.id)
    own = loaded.record
    if int(own.get("version") or 1) != body.version:
        raise conflict("customer_changed", STALE, version=int(own.get("version") or 1))
    changes: dict[str, Any] = {}
    if body.notes is not None and body.notes != (own.get("notes") or ""):
        changes["notes"] = body.notes
    if body.tags is not None and body.tags != list(own.get("tags") or []):
        changes["tags"] = body.tags
    if changes:
        before = {"tags": list(own.get("tags") or []), "notes_chars": len(own.get("notes") or "")}
        after = {"tags": changes.get("tags", before["tags"]),
                 "notes_chars": len(changes.get("notes", own.get("notes") or ""))}
        try:
            record.edit(loaded.names, person_id, body.version, changes, by=actor.by, at=services.clock(),
                        before=before, after=after)
        except record.VersionConflict:
            raise conflict("customer_changed", STALE) from None
        obs.get_logger(SERVICE).info("customer edited", extra={"customer": person_id, "fields": sorted(changes)})
    return detail(services, actor, person_id)


def link(services: InboxServices, actor: Actor, kind: Literal["merge", "unmerge"], person_id: str,
         body: CustomerLinkBody) -> dict[str, Any]:
    """Merge ``body.other`` into the customer, or take it out again; retries of a done change are no-ops."""
    _check_id(person_id)
    for who in (person_id, body.other):
        _Loaded(actor, who)  # 404 unless the caller sees both customers
    try:
        plan = links.change(resource_names(), kind, person_id, body.other, by=actor.by, at=services.clock())
    except MergeRefused as refused:
        raise ApiError(409, refused.code, refused.message, **refused.details) from None
    except links.Missing as missing:
        raise not_found("customer", str(missing)) from None
    except record.VersionConflict:
        raise conflict("customer_changed", "the customers kept changing; try again") from None
    if not plan.already:
        obs.get_logger(SERVICE).info(f"customers {kind}d", extra={"customer": person_id, "other": body.other})
    return {**detail(services, actor, person_id), "changed": not plan.already}


def _holders(names: Any, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for kind, value in pairs:
        rows = ddb.query_all(names.composer, key_condition="#p = :p", names={"#p": "pk"},
                             vals=ddb.values(p=record.contact_partition(kind, value)))
        out[(kind, value)] = sorted({record.root(names, str(r["sk"])) for r in rows})
    return out


def _typed_texts(loaded: _Loaded) -> list[str]:
    texts: list[str] = []
    for thread in loaded.threads[:TYPED_THREADS]:
        page, _ = messages.page(str(thread["thread_id"]), limit=TYPED_MESSAGES, newest_first=True)
        texts += [str(m["text"]) for m in page if m.get("direction") == "in" and m.get("text")]
    return texts


def suggestions(services: InboxServices, actor: Actor, person_id: str) -> dict[str, Any]:
    """Customers that may be the same person (a shared phone, a phone or email they typed); never merged here."""
    _check_id(person_id)
    loaded = _Loaded(actor, person_id)
    own = [str(m["person_id"]) for m in loaded.group]
    handle_contacts = record.contacts(h for m in loaded.group for h in m.get("handles") or [])
    typed = suggest.typed_contacts(_typed_texts(loaded))
    holders = _holders(loaded.names, [*handle_contacts, *typed])
    out = []
    for found in suggest.suggestions(own, handle_contacts, typed, holders):
        try:
            other = _Loaded(actor, found.person_id)
        except ApiError:
            continue  # a customer the caller may not see is not suggested to them
        out.append({"id": other.id, "name": display_name(other.group), "reasons": list(found.reasons),
                    "channels": sorted({str(t.get("channel")) for t in other.threads})})
    return {"id": loaded.id, "suggestions": out}
