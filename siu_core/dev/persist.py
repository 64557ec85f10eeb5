"""``siu dev`` keeps its data: the AWS emulation's contents as files under the state dir.

moto keeps everything in memory. To survive a restart, ``siu dev`` copies what the pipeline stores
to ``<state dir>/data/`` and puts it back right after provisioning at the next start (before the
roster is seeded, so the seed never overwrites restored rows):

- DynamoDB: every item of every table (threads, messages, roster, audit, customers, dedupe...),
  copied in DynamoDB's wire format under the emulator's DynamoDB lock, so all tables are read at
  one instant; one file per table, rewritten only when a write touched that table;
- SQS: the intake queue and the DLQ, every message (in flight ones too: after a restart they are
  visible again, as after their visibility timeout) with its attributes and receive count;
- S3: every object's current version, stored once by content hash under ``data/blobs/``;
- SSM: the published config and the secrets (channel secrets, the Slack token, the inbox signing
  key, so issued tokens stay valid), SecureStrings kept as SecureStrings. A state dir snapshotted
  when secrets were in Secrets Manager has them moved to their SSM names on restore.

When: every ``interval`` seconds (longer when snapshots get slow: :meth:`Persister.pause`) while
something was written (``siu_core.dev.changes`` marks writes as the emulator serves them), and once
more on a clean stop. Order matters: SQS is copied
before DynamoDB and S3 after it, so a message the labeler finishes meanwhile is in the copied
queue (and is replayed through dedupe) rather than in neither place. Each file is written to a
temp name, fsync'ed and renamed; ``data/manifest.json`` names the files of one snapshot and is
replaced last, so a crash mid-snapshot leaves the previous snapshot whole. Files no manifest names
are removed after the new manifest is in place. What a crash loses between snapshots is covered
by the webhook journal (``siu_core.dev.journal``); writes made through the inbox in the last second
before a SIGKILL can be lost (a clean stop loses nothing).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from siu_core.dev.changes import ALL, Changes
from siu_core.dev.journal import Journal, _fsync_dir

log = logging.getLogger("siu.dev.persist")

FORMAT = 1
MANIFEST = "manifest.json"


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so a reader (or a crash) sees the old file or the new one, never half."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def legacy_secrets(secrets: list[dict[str, Any]], present: set[str]) -> list[dict[str, Any]]:
    """An older snapshot's Secrets Manager secrets (``siu/x``) as the SecureStrings that replace them
    (``/siu/secrets/x``), so a dev state dir keeps its signing key and secrets across the move."""
    out: list[dict[str, Any]] = []
    for secret in secrets:
        prefix, _, name = str(secret.get("name", "")).rpartition("/")
        target = f"/{prefix}/secrets/{name}"
        if prefix and "string" in secret and target not in present:
            out.append({"name": target, "value": secret["string"], "type": "SecureString"})
    return out


@dataclass
class SnapshotStats:
    """What one snapshot wrote and how long it took (for logs, tests and the bench)."""

    seconds: float
    files_written: int
    bytes_written: int
    journal_seq: int
    items: int = 0


@dataclass
class Persister:
    """Snapshot the emulation to ``directory`` while it runs; restore it at start."""

    directory: Path
    changes: Changes
    journal: Journal
    account: str
    region: str
    interval: float = 1.0
    manifest: dict[str, Any] = field(default_factory=dict)
    last: SnapshotStats | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _generation: int = 0

    def __post_init__(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        (self.directory / "blobs").mkdir(mode=0o700, exist_ok=True)

    # --- moto's backends ---------------------------------------------------------------------------

    def _dynamodb(self) -> Any:
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[self.account][self.region]

    def _sqs(self) -> Any:
        from moto.sqs.models import sqs_backends

        return sqs_backends[self.account][self.region]

    # --- restore -----------------------------------------------------------------------------------

    def read_manifest(self) -> dict[str, Any] | None:
        """The last complete snapshot's manifest, or None on a fresh state dir."""
        try:
            data: dict[str, Any] = json.loads((self.directory / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        if data.get("format") != FORMAT:
            raise ValueError(f"{self.directory / MANIFEST}: unknown format {data.get('format')!r}")
        return data

    def _load(self, name: str) -> Any:
        return json.loads((self.directory / name).read_bytes())

    def restore(self) -> dict[str, Any] | None:
        """Put the last snapshot back into the (freshly provisioned) emulation; None when there is none."""
        manifest = self.read_manifest()
        if manifest is None:
            self.changes.mark_all()  # the first snapshot writes everything
            return None
        from siu_core.aws import clients
        from siu_core.dev.emulation import DYNAMODB_LOCK

        ddb = self._dynamodb()
        with DYNAMODB_LOCK:
            for table, name in manifest.get("dynamodb", {}).items():
                if table not in ddb.tables:
                    log.warning("snapshot table %s is not in the template any more; skipped", table)
                    continue
                for attrs in self._load(name):
                    ddb.put_item(table, attrs)
        sqs = self._sqs()
        for queue, messages in (self._load(manifest["sqs"]) if manifest.get("sqs") else {}).items():
            if queue not in sqs.queues:
                continue
            for m in messages:
                sent = sqs.send_message(queue, m["body"], m.get("attributes") or None, delay_seconds=0,
                                        deduplication_id=m.get("dedup_id"), group_id=m.get("group_id"))
                sent.approximate_receive_count = int(m.get("receive_count", 0))
        s3 = clients.client("s3")
        for obj in self._load(manifest["s3"]) if manifest.get("s3") else []:
            body = (self.directory / "blobs" / obj["sha256"]).read_bytes()
            extra = {"ContentType": obj["content_type"]} if obj.get("content_type") else {}
            s3.put_object(Bucket=obj["bucket"], Key=obj["key"], Body=body, Metadata=obj.get("metadata") or {},
                          **extra)
        ssm = clients.client("ssm")
        params = self._load(manifest["ssm"]) if manifest.get("ssm") else []
        for param in [*legacy_secrets(self._load(manifest["secretsmanager"]) if manifest.get("secretsmanager")
                                      else [], {p["name"] for p in params}), *params]:
            ssm.put_parameter(Name=param["name"], Value=param["value"], Type=param.get("type") or "String",
                              Overwrite=True)
        self.changes.take()  # what was just put back is what the manifest already says
        if manifest.get("secretsmanager"):
            self.changes.mark("ssm", {ALL})  # the moved secrets go into the next snapshot's SSM file
        self.manifest = manifest
        self._generation = int(manifest.get("generation", 0))
        self.journal.bump(int(manifest.get("journal_seq", 0)))
        return manifest

    # --- snapshot ----------------------------------------------------------------------------------

    def _capture_sqs(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for name, queue in list(self._sqs().queues.items()):
            with queue._messages_lock:
                messages = list(queue._messages)
            out[name] = [{"body": m.body, "attributes": m.message_attributes or {},
                          "receive_count": m.approximate_receive_count, "group_id": m.group_id,
                          "dedup_id": m.deduplication_id} for m in messages]
        return out

    def _capture_dynamodb(self, dirty: dict[str, set[str]], everything: bool) -> dict[str, list[dict[str, Any]]]:
        """Copy the tables any write touched, all at one instant (marks taken under the same lock)."""
        from siu_core.dev.emulation import DYNAMODB_LOCK

        out: dict[str, list[dict[str, Any]]] = {}
        with DYNAMODB_LOCK:
            wanted = dirty.setdefault("dynamodb", set())
            wanted |= self.changes.take_service("dynamodb")
            for name, table in list(self._dynamodb().tables.items()):
                if everything or ALL in wanted or name in wanted or name not in self.manifest.get("dynamodb", {}):
                    out[name] = [item.to_json()["Attributes"] for item in table.all_items()]
        return out

    def _capture_s3(self) -> tuple[list[dict[str, Any]], int, int]:
        from siu_core.aws import clients

        s3 = clients.client("s3")
        known = {(o["bucket"], o["key"], o["etag"]): o for o in self._previous("s3", [])}
        objects: list[dict[str, Any]] = []
        files = written = 0
        for bucket in s3.list_buckets().get("Buckets", []):
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
                for entry in page.get("Contents", []):
                    ident = (bucket["Name"], entry["Key"], entry["ETag"])
                    if ident in known:
                        objects.append(known[ident])
                        continue
                    got = s3.get_object(Bucket=bucket["Name"], Key=entry["Key"])
                    body = got["Body"].read()
                    digest = hashlib.sha256(body).hexdigest()
                    blob = self.directory / "blobs" / digest
                    if not blob.exists():
                        write_atomic(blob, body)
                        files, written = files + 1, written + len(body)
                    objects.append({"bucket": bucket["Name"], "key": entry["Key"], "etag": entry["ETag"],
                                    "sha256": digest, "content_type": got.get("ContentType"),
                                    "metadata": got.get("Metadata") or {}})
        return objects, files, written

    def _capture_ssm(self) -> list[dict[str, Any]]:
        from siu_core.aws import clients

        ssm = clients.client("ssm")
        names = [p["Name"] for page in ssm.get_paginator("describe_parameters").paginate()
                 for p in page.get("Parameters", [])]
        out: list[dict[str, Any]] = []
        for i in range(0, len(names), 10):
            for p in ssm.get_parameters(Names=names[i:i + 10], WithDecryption=True).get("Parameters", []):
                out.append({"name": p["Name"], "value": p["Value"], "type": p.get("Type")})
        return sorted(out, key=lambda p: str(p["name"]))

    def _previous(self, key: str, default: Any) -> Any:
        name = self.manifest.get(key)
        return self._load(name) if isinstance(name, str) else default

    def snapshot(self, *, force: bool = False) -> SnapshotStats | None:
        """Write what changed since the last snapshot (everything named dirty); None when nothing did."""
        with self._lock:
            if not force and not self.changes.pending():
                return None
            started = time.perf_counter()
            seq = self.journal.last_seq  # every entry up to here had its events queued already
            dirty = self.changes.take()
            if force:
                dirty = {s: {ALL} for s in ("dynamodb", "sqs", "s3", "ssm")}
            try:
                return self._write(dirty, seq, started)
            except BaseException:
                for service, names in dirty.items():  # try again next time
                    self.changes.mark(service, names)
                raise

    def _write(self, dirty: dict[str, set[str]], seq: int, started: float) -> SnapshotStats:
        self._generation += 1
        gen = self._generation
        manifest = dict(self.manifest) or {"dynamodb": {}}
        manifest.pop("secretsmanager", None)  # an older snapshot's: restore moved those secrets into SSM
        files = written = items = 0

        def put(name: str, data: Any) -> str:
            nonlocal files, written
            raw = json.dumps(data, separators=(",", ":")).encode("utf-8")
            write_atomic(self.directory / name, raw)
            files, written = files + 1, written + len(raw)
            return name

        fresh = not self.manifest
        if fresh or "sqs" in dirty:
            manifest["sqs"] = put(f"sqs-{gen}.json", self._capture_sqs())
        if fresh or "dynamodb" in dirty:
            tables = self._capture_dynamodb(dirty, everything=fresh)
            ddb_files = dict(manifest.get("dynamodb", {}))
            for table, rows in tables.items():
                ddb_files[table] = put(f"dynamodb-{table}-{gen}.json", rows)
                items += len(rows)
            manifest["dynamodb"] = ddb_files
        if fresh or "s3" in dirty:
            objects, blob_files, blob_bytes = self._capture_s3()
            files, written = files + blob_files, written + blob_bytes
            manifest["s3"] = put(f"s3-{gen}.json", objects)
        if fresh or "ssm" in dirty:
            manifest["ssm"] = put(f"ssm-{gen}.json", self._capture_ssm())
        manifest.update({"format": FORMAT, "generation": gen, "journal_seq": seq,
                         "taken_at": datetime.now(UTC).isoformat().replace("+00:00", "Z")})
        put(MANIFEST, manifest)
        _fsync_dir(self.directory)
        self.manifest = manifest
        self._collect_garbage()
        self.journal.trim(seq)
        stats = SnapshotStats(round(time.perf_counter() - started, 4), files, written, seq, items)
        self.last = stats
        log.debug("snapshot %s: %s", gen, stats)
        return stats

    def _collect_garbage(self) -> None:
        referenced = {MANIFEST, *self.manifest.get("dynamodb", {}).values()}
        referenced.update(str(self.manifest[k]) for k in ("sqs", "s3", "ssm") if k in self.manifest)
        for path in self.directory.glob("*.json"):
            if path.name not in referenced:
                path.unlink(missing_ok=True)
        if "s3" in self.manifest:
            blobs = {o["sha256"] for o in self._load(self.manifest["s3"])}
            for path in (self.directory / "blobs").iterdir():
                if path.name not in blobs:
                    path.unlink(missing_ok=True)

    # --- the background loop -----------------------------------------------------------------------

    def start(self) -> None:
        """Snapshot every ``interval`` seconds while something changed, in a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="siu-dev-persist", daemon=True)
        self._thread.start()

    def alive(self) -> bool:
        """Whether the background loop runs."""
        return self._thread is not None and self._thread.is_alive()

    def pause(self) -> float:
        """Seconds until the next snapshot: ``interval``, stretched so snapshots take at most ~20% of the time.

        A snapshot rewrites every table a write touched, so it grows with the data; the webhook
        journal keeps accepted webhooks safe however long the pause.
        """
        return max(self.interval, 4 * self.last.seconds) if self.last is not None else self.interval

    def _run(self) -> None:
        while not self._stop.wait(self.pause()):
            try:
                self.snapshot()
            except Exception:
                log.exception("snapshot of the dev state failed; retrying")

    def stop(self) -> SnapshotStats | None:
        """Stop the loop and write a last snapshot of whatever changed."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
        return self.snapshot()
