"""Physical names of the pipeline's resources: from ``SIU_*`` environment variables, with defaults
equal to the names ``infra/template.yaml`` gives them for the default ``NamePrefix``.

On Lambda the template passes the real names in; locally and in tests the defaults (or the
variables the provisioner returns) apply. ``tests/test_store_provision.py`` proves the defaults
and the template agree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

PREFIX_ENV = "SIU_NAME_PREFIX"
DEFAULT_PREFIX = "siu"

#: field of ResourceNames -> (environment variable, suffix after the prefix, template logical id)
RESOURCES: dict[str, tuple[str, str, str]] = {
    "queue": ("SIU_QUEUE_NAME", "intake-queue.fifo", "IntakeQueue"),
    "dlq": ("SIU_DLQ_NAME", "intake-dlq.fifo", "IntakeDLQ"),
    "bucket": ("SIU_BUCKET", "message-snapshots", "SnapshotBucket"),
    "dedupe": ("SIU_TABLE_DEDUPE", "dedupe", "DedupeTable"),
    "threads": ("SIU_TABLE_THREADS", "threads", "ThreadsTable"),
    "messages": ("SIU_TABLE_MESSAGES", "messages", "MessagesTable"),
    "customers": ("SIU_TABLE_CUSTOMERS", "customers", "CustomersTable"),
    "assignments": ("SIU_TABLE_ASSIGNMENTS", "assignments", "AssignmentsTable"),
    "loadcount": ("SIU_TABLE_LOADCOUNT", "loadcount", "LoadCountTable"),
    "roster": ("SIU_TABLE_ROSTER", "roster", "RosterTable"),
    "audit": ("SIU_TABLE_AUDIT", "audit", "AuditTable"),
    "composer": ("SIU_TABLE_COMPOSER", "composer", "ComposerTable"),
}

#: The intake queue's URL (what the connector sends to); resolved by name when unset.
QUEUE_URL_ENV = "SIU_QUEUE_URL"

#: Index names, defined once in the template and used by the store modules.
THREADS_BY_CUSTOMER = "by-customer"
MESSAGES_BY_THREAD = "by-thread"
ASSIGNMENTS_BY_ASSIGNEE = "by-assignee-status"


@dataclass(frozen=True)
class ResourceNames:
    """The physical name of every resource the pipeline touches."""

    queue: str
    dlq: str
    bucket: str
    dedupe: str
    threads: str
    messages: str
    customers: str
    assignments: str
    loadcount: str
    roster: str
    audit: str
    composer: str

    def env(self) -> dict[str, str]:
        """The environment variables that make another process use exactly these names."""
        return {RESOURCES[f.name][0]: getattr(self, f.name) for f in fields(self)}


def name_prefix() -> str:
    """The deployment's name prefix (the template's ``NamePrefix`` parameter)."""
    return os.environ.get(PREFIX_ENV, "").strip() or DEFAULT_PREFIX


def default_name(field_name: str, prefix: str | None = None) -> str:
    """The template's physical name of one resource for a prefix (no environment override)."""
    return f"{prefix or name_prefix()}-{RESOURCES[field_name][1]}"


def resource_names() -> ResourceNames:
    """Current names, read from the environment on every call so a test or ``siu dev`` can switch."""
    prefix = name_prefix()
    values = {
        key: (os.environ.get(env, "").strip() or f"{prefix}-{suffix}")
        for key, (env, suffix, _logical) in RESOURCES.items()
    }
    return ResourceNames(**values)
