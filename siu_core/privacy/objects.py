"""Deleting bucket objects for good: every version and every delete marker, not just the current one.

The snapshot bucket is versioned, so a plain DELETE only hides an object behind a delete marker and
keeps its bytes. Erasure lists the versions under each key and deletes them by version id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from siu_core.aws import clients
from siu_core.errors import SiuError

#: S3 DeleteObjects takes at most 1000 keys a request.
BATCH = 1000


def _versions(bucket: str, prefix: str, *, exact: bool) -> list[dict[str, str]]:
    s3 = clients.s3()
    found: list[dict[str, str]] = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            if not exact or entry["Key"] == prefix:
                found.append({"Key": entry["Key"], "VersionId": entry["VersionId"]})
    return found


def purge(bucket: str, keys: Iterable[str] = (), prefixes: Iterable[str] = ()) -> int:
    """Delete every version of the objects at ``keys`` and under ``prefixes``; the distinct keys deleted."""
    targets: list[dict[str, str]] = []
    for key in dict.fromkeys(keys):
        targets += _versions(bucket, key, exact=True)
    for prefix in prefixes:
        targets += _versions(bucket, prefix, exact=False)
    s3 = clients.s3()
    for start in range(0, len(targets), BATCH):
        chunk = targets[start:start + BATCH]
        response: dict[str, Any] = s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
        errors = response.get("Errors") or []
        if errors:
            first = errors[0]
            raise SiuError(f"could not delete {len(errors)} object version(s), first {first.get('Key')}: "
                           f"{first.get('Code')}; run the command again to finish")
    return len({t["Key"] for t in targets})
