"""The retention purge of ``siu dev``: what DynamoDB's TTL and the bucket's lifecycle rules do on AWS.

moto runs neither, so the embedded default would keep everything forever. Every hour this deletes
the items whose TTL attribute has passed in every table the template gives a TTL, and the object
versions the template's lifecycle rules would have removed, with the periods of the config's
``retention`` block (:mod:`siu_core.privacy.retention`). It reads whole tables and the whole
bucket: fine for one machine's data, and never on AWS (tooling only).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from siu_core.aws import clients
from siu_core.aws.names import resource_names
from siu_core.privacy import retention
from siu_core.store import ddb

log = logging.getLogger("siu.dev.retention")


@dataclass(frozen=True)
class Purged:
    """What one purge removed."""

    items: int
    object_versions: int


def ttl_tables() -> list[tuple[str, str]]:
    """(table, TTL attribute) of every table whose TTL is enabled, as the template provisioned them."""
    client = clients.dynamodb()
    names = resource_names()
    out: list[tuple[str, str]] = []
    for table in (names.dedupe, names.threads, names.messages, names.customers, names.assignments,
                  names.loadcount, names.roster, names.audit, names.composer):
        found = client.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
        if found.get("TimeToLiveStatus") in ("ENABLED", "ENABLING") and found.get("AttributeName"):
            out.append((table, str(found["AttributeName"])))
    return out


def _purge_items(now: datetime) -> int:
    client = clients.dynamodb()
    removed = 0
    for table, attribute in ttl_tables():
        schema = [k["AttributeName"] for k in client.describe_table(TableName=table)["Table"]["KeySchema"]]
        for item in ddb.scan_all(table):
            if retention.item_expired({retention.TTL_ATTRIBUTE: item.get(attribute)}, now):
                client.delete_item(TableName=table, Key={k: ddb.to_ddb(item[k]) for k in schema})
                removed += 1
    return removed


def _purge_objects(periods: retention.Periods, now: datetime) -> int:
    s3, bucket = clients.s3(), resource_names().bucket
    by_key: dict[str, list[retention.ObjectVersion]] = defaultdict(list)
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for entry, marker in [(v, False) for v in page.get("Versions", [])] + \
                             [(m, True) for m in page.get("DeleteMarkers", [])]:
            by_key[entry["Key"]].append(retention.ObjectVersion(
                key=entry["Key"], version_id=entry["VersionId"], last_modified=entry["LastModified"],
                is_latest=bool(entry.get("IsLatest")), delete_marker=marker))
    doomed = [v for versions in by_key.values() for v in retention.expired_versions(versions, periods, now)]
    for start in range(0, len(doomed), 1000):
        chunk = [{"Key": v.key, "VersionId": v.version_id} for v in doomed[start:start + 1000]]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
    return len(doomed)


def purge(periods: retention.Periods, now: datetime) -> Purged:
    """Delete what has expired by ``now``: TTL'd items and lifecycle-expired object versions."""
    done = Purged(items=_purge_items(now), object_versions=_purge_objects(periods, now))
    if done.items or done.object_versions:
        log.info("retention purge: %d item(s), %d object version(s) expired", done.items, done.object_versions)
    return done
