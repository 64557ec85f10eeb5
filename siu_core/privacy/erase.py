"""Erasing a person: every item and object siu holds on them, resumable, audited without personal data.

A run records its progress in a job item (composer table, ``erasure#<hash of the id>`` / ``job``)
that holds the erasure id, who started it, the counts so far and the conversation and alias keys it
found, and works leaf first, so a run interrupted anywhere is finished by running it again:

1. per thread, page by page: the messages' bucket objects (every version), then their items
   (see :mod:`siu_core.privacy.plan`), then the thread's notes, claim, assignments (an open one ends
   with its teammate's load counter), audit rows and the thread itself;
2. the conversation heads and their aliases, the exports made for the person (and their job item,
   :mod:`siu_core.privacy.export_job`), the search index
   entries (:func:`_forget_in_search`) and the person record (:func:`.subject.forget_record`);
3. one transaction writes the audit entry (scope ``privacy#erasures``: erasure id, time, who,
   counts; no id, name or word of the person) and deletes the job item.

A run that finds nothing left (the person was erased already, or never written) writes no audit
entry and reports zero counts.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from siu_core.aws import clients
from siu_core.aws.names import ResourceNames, resource_names
from siu_core.privacy import export_job, exports, holdings, items, objects, plan, subject
from siu_core.privacy.steps import OutOfTime, Progress, Unfinished
from siu_core.store import audit, ddb, inbox_version, keys

#: The audit scope of erasures (no thread, no person: one row per erasure).
AUDIT_SCOPE = "privacy#erasures"
ACTION = "customer_erased"



@dataclass(frozen=True)
class Erasure:
    """What a run did: the erasure id, the counts (this and earlier runs of the same job), resumed or not."""

    erasure_id: str
    counts: dict[str, int]
    resumed: bool
    audited: bool


def job_key(customer_id: str) -> ddb.Key:
    """The job item of an erasure: keyed by a hash, so the key itself names nobody."""
    return {"pk": f"erasure#{keys.short_hash(customer_id)}", "sk": "job"}


def _begin(names: ResourceNames, customer_id: str, by: str, at: datetime) -> tuple[dict[str, Any], bool]:
    key = job_key(customer_id)
    found = ddb.get(names.composer, key)
    if found is not None:
        return found, True
    job = {**key, "erasure_id": f"er_{uuid.uuid4().hex[:20]}", "by": by, "started_at": keys.ts(at),
           "counts": dict.fromkeys(plan.KINDS, 0)}
    try:
        ddb.run(ddb.put_op(names.composer, job, ddb.Cond.missing("pk")))
    except ddb.ConditionFailed:
        return ddb.get(names.composer, key) or job, True  # a concurrent run created it first
    return job, False


def _record(names: ResourceNames, customer_id: str, done: Mapping[str, int], new_keys: Iterable[str] = ()) -> None:
    """Add counts (and keys still to clean up at the end) to the job item."""
    adds = [(kind, n) for kind, n in done.items() if n]
    found = sorted(set(new_keys))
    if not adds and not found:
        return
    attr_names: dict[str, str] = {}
    values: dict[str, Any] = {}
    parts: list[str] = []
    if adds:
        attr_names["#c"] = "counts"
        for i, (kind, n) in enumerate(adds):
            attr_names[f"#k{i}"], values[f":n{i}"] = kind, n
        parts += [f"#c.#k{i} :n{i}" for i in range(len(adds))]
    if found:
        attr_names["#keys"], values[":keys"] = "keys", set(found)
        parts.append("#keys :keys")
    clients.dynamodb().update_item(
        TableName=names.composer, Key={k: ddb.to_ddb(v) for k, v in job_key(customer_id).items()},
        UpdateExpression="ADD " + ", ".join(parts), ExpressionAttributeNames=attr_names,
        ExpressionAttributeValues={k: ddb.to_ddb(v) for k, v in values.items()},
        ConditionExpression="attribute_exists(pk)",
    )


def _run(names: ResourceNames, work: plan.Plan) -> dict[str, int]:
    """Objects first (their keys live in the items), then released assignments, then the items."""
    done = plan.counts(work)
    done["objects"] = objects.purge(names.bucket, work.objects) if work.objects else 0
    items.release(work.releases, names.assignments)
    items.delete(work.deletes)
    return done


def _erase_thread(names: ResourceNames, customer_id: str, thread: Mapping[str, Any], say: Progress,
                  stop: Callable[[], None]) -> None:
    thread_id = str(thread["thread_id"])
    conversation = str(thread.get("customer_key") or "")
    for page in holdings.message_pages(thread_id):
        stop()
        work = plan.Plan()
        seen_ids: list[str] = []
        for message in page:
            work.extend(plan.for_message(names, message))
            early = (holdings.audit_rows(audit.message_scope(str(message["message_key"])))
                     if plan.may_have_early_rows(message) else [])
            work.extend(plan.for_audit_rows(names, early))
            seen_ids += plan.customer_ids(message)
        aliases = plan.alias_candidates(conversation, seen_ids) if conversation else []
        _record(names, customer_id, {}, aliases)  # before the messages that name them are gone
        _record(names, customer_id, _run(names, work))
        say(f"thread {thread_id}: {len(page)} message(s) erased")
    work = plan.for_audit_rows(names, holdings.audit_rows(thread_id))
    notes, rows = holdings.notes_of(thread_id), holdings.assignments_of(thread_id)
    work.extend(plan.for_thread(names, thread, notes=notes, assignments=rows, uploads=holdings.uploads_of(thread_id),
                                notifications=holdings.notifications_of(thread_id, plan.notified(notes, rows))))
    _record(names, customer_id, _run(names, work))


def _forget_in_search(handles: list[subject.Handle], thread_ids: list[str]) -> int:
    """Remove the person's threads and messages from the search index this process keeps; the threads removed.

    ``siu dev`` (and ``siu search``) hold the index in-process. A deployed inbox holds none: there the
    Indexer function removes the rows as the deleted items reach it through the tables' streams.
    """
    from siu_core.search import location

    index = location.shared()
    if index is None:
        return 0
    named = [keys.customer_key(h.channel, h.account_id, h.customer_id) for h in handles]
    return index.forget(thread_ids=thread_ids, customer_handles=[*named, *(h.customer_id for h in handles)])


def erase(customer_id: str, *, by: str, at: datetime, tables: Any = None, say: Progress | None = None,
          out_of_time: OutOfTime | None = None) -> Erasure:
    """Erase everything siu holds on the person ``customer_id`` names (see the module docstring).

    Unfinished when ``out_of_time`` answers True between two pages (what is done stays done).
    """
    say = say or (lambda _line: None)
    names = resource_names()
    job, resumed = _begin(names, customer_id, by, at)
    # The person is resolved once and kept on the job: a resumed run finds it after the heads are gone.
    person = str(job.get("person") or "") or subject.person_of(names, customer_id)
    if person and not job.get("person"):
        ddb.run(ddb.update_op(names.composer, job_key(customer_id), set_={"person": person}))
    handles = subject.handles_for(names, customer_id, person)

    def stop() -> None:
        if out_of_time is not None and out_of_time():
            got = ddb.get(names.composer, job_key(customer_id)) or job
            counts = {k: int(v) for k, v in (got.get("counts") or {}).items()}
            raise Unfinished("erasure", str(job["erasure_id"]), counts)

    conversations = holdings.conversations([h.key for h in handles])
    _record(names, customer_id, {}, [h.key for h in handles] + conversations)
    thread_ids: list[str] = []
    for conversation in conversations:
        for thread in holdings.threads_of(conversation):
            thread_ids.append(str(thread["thread_id"]))
            _record(names, customer_id, {}, plan.alias_candidates(conversation, plan.customer_ids(thread)))
            _erase_thread(names, customer_id, thread, say, stop)
    job = ddb.get(names.composer, job_key(customer_id)) or job
    every_key = list(dict.fromkeys([*conversations, *(str(k) for k in job.get("keys") or [])]))
    found = holdings.head_items(every_key)
    work = plan.for_conversations(names, conversations, found)
    done = _run(names, work)
    done["objects"] += objects.purge(names.bucket, prefixes=[exports.subject_prefix(customer_id)])
    export_job.forget(names, customer_id)  # its cursor names the person's messages
    _forget_in_search(handles, thread_ids)
    done["customers"] = subject.forget_record(names, person)
    _record(names, customer_id, done)
    job = ddb.get(names.composer, job_key(customer_id)) or job
    counts = {k: int(v) for k, v in (job.get("counts") or {}).items()}
    audited = _finish(names, customer_id, job, counts, by=by, at=at)
    if any(counts.values()):
        inbox_version.bump()
    say("erased" if audited else "nothing held")
    return Erasure(erasure_id=str(job["erasure_id"]), counts=counts, resumed=resumed, audited=audited)


def _finish(names: ResourceNames, customer_id: str, job: Mapping[str, Any], counts: dict[str, int], *,
            by: str, at: datetime) -> bool:
    """Write the audit entry (only if anything was erased) and drop the job, in one transaction."""
    erasure_id = str(job["erasure_id"])
    drop = ddb.delete_op(names.composer, job_key(customer_id), ddb.Cond.eq("erasure_id", erasure_id))
    ops = [drop]
    if any(counts.values()):
        ops.insert(0, audit.row_op(AUDIT_SCOPE, ACTION, by=str(job.get("by") or by), at=at, ref=erasure_id,
                                   after={"erasure_id": erasure_id, "started_at": job.get("started_at"),
                                          "counts": counts}))
    try:
        ddb.transact(ops)
    except ddb.TransactionConflict:
        return False  # a concurrent run of the same job finished it
    return len(ops) == 2
