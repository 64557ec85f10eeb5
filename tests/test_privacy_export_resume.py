"""The admin API's export on moto, resumed: stopped after any number of steps, or crashed between a part
and its progress, it ends in the same document as an uninterrupted run (and as ``siu customer export``),
with one audit row; a finished export is answered again until ``fresh``; erasure drops its job."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from pipeline_support import NOW
from privacy_support import SUBJECT, seed_person

from siu_core.aws import clients
from siu_core.aws.names import resource_names
from siu_core.privacy import erase, export_job, exports, retention, steps
from siu_core.store import audit, ddb

#: One message a page: the person's thread then takes several steps, so every kind of step is cut.
PAGE = 1
#: The steps of the person's export at that page: the opening, the thread, three pages, the assembly.
STEPS = 6


@pytest.fixture
def person(aws: Any) -> Any:
    """The person of privacy_support, stored through the pipeline."""
    return seed_person(aws)


def _body(key: str) -> bytes:
    data: bytes = clients.s3().get_object(Bucket=resource_names().bucket, Key=key)["Body"].read()
    return data


def _document(done: exports.BucketExport) -> bytes:
    return _body(done.prefix + exports.DOCUMENT_NAME)


def _size(key: str) -> exports.FileResult:
    """What the CLI's sink answers for a file, without downloading it."""
    found = exports._head(key)
    return None if found is None else (int(found["ContentLength"]), found.get("ContentType"))


def _steps(n: int) -> Callable[[], bool]:
    """Out of time after ``n`` steps."""
    left = iter(range(n, -1, -1))
    return lambda: next(left) == 0


def _to_the_end(n: int, *, fresh: bool = False) -> tuple[exports.BucketExport, list[steps.Unfinished]]:
    """Call again and again, ``n`` steps a call, until the export is done."""
    stops: list[steps.Unfinished] = []
    while True:
        try:
            done = exports.to_bucket(SUBJECT, at=NOW, by="user:mei", out_of_time=_steps(n), page=PAGE,
                                     fresh=fresh and not stops)
        except steps.Unfinished as stopped:
            stops.append(stopped)
            continue
        return done, stops


def _parts(done: exports.BucketExport) -> list[str]:
    listed = clients.s3().list_objects_v2(Bucket=resource_names().bucket, Prefix=done.prefix + "parts/")
    return sorted(o["Key"] for o in listed.get("Contents", []))


def test_an_export_stopped_after_any_step_ends_in_the_same_document(person: Any) -> None:
    whole = exports.to_bucket(SUBJECT, at=NOW, by="user:mei", page=PAGE)
    reference = _document(whole)
    doc = json.loads(reference)
    assert doc["counts"] == whole.counts and whole.counts["messages"] == 3 and whole.counts["files"] == 6
    assert len({m["message_id"] for m in doc["messages"]}) == len(doc["messages"]) == 3
    cli = io.StringIO()
    exports.write(cli, SUBJECT, at=NOW, sink=_size)
    assert cli.getvalue().encode("utf-8") == reference  # siu customer export writes the same text
    made = [whole.export_id]
    for n in (1, 2):
        done, stops = _to_the_end(n, fresh=True)
        assert len(stops) == -(-STEPS // n) - 1 and {s.job_id for s in stops} == {done.export_id}
        assert [s.counts["messages"] for s in stops] == sorted(s.counts["messages"] for s in stops)  # never back
        assert _document(done) == reference and done.counts == whole.counts
        assert [f["path"] for f in done.files] == [f["path"] for f in whole.files]
        made.append(done.export_id)
    rows = audit.for_scope(exports.AUDIT_SCOPE)
    assert sorted(r["ref"] for r in rows) == sorted(made) and len(set(made)) == 3  # one row an export, not a call


class _CrashOnce:
    """Raises on the ``at``-th call of the wrapped function (its effect not applied), then passes through."""

    def __init__(self, real: Callable[..., Any], at: int) -> None:
        self.real, self.at, self.calls = real, at, 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls == self.at:
            raise ConnectionError("the Lambda died here")
        return self.real(*args, **kwargs)


def test_a_crash_between_a_part_and_its_progress_is_retried_once(person: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    reference = _document(exports.to_bucket(SUBJECT, at=NOW, by="user:mei", page=PAGE))
    real = export_job.advance
    for crash_at in (1, 3, 5):  # after the opening's part, the first page's, the last page's
        monkeypatch.setattr(export_job, "advance", _CrashOnce(real, crash_at))
        with pytest.raises(ConnectionError):
            exports.to_bucket(SUBJECT, at=NOW, by="user:mei", page=PAGE, fresh=True)
        done = exports.to_bucket(SUBJECT, at=NOW, by="user:mei", page=PAGE)
        assert _document(done) == reference
        job = export_job.load(resource_names(), SUBJECT, NOW)
        assert job is not None  # the retried step rewrote its part rather than adding one:
        assert _parts(done) == sorted(done.prefix + str(p) for p in job["parts"])
    assert len(audit.for_scope(exports.AUDIT_SCOPE)) == 4


def test_a_crash_after_the_document_before_the_audit_row_is_retried_once(person: Any,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ddb, "transact", _CrashOnce(ddb.transact, 1))
    with pytest.raises(ConnectionError):
        exports.to_bucket(SUBJECT, at=NOW, by="user:mei")
    assert audit.for_scope(exports.AUDIT_SCOPE) == []
    done = exports.to_bucket(SUBJECT, at=NOW, by="user:mei")
    (row,) = audit.for_scope(exports.AUDIT_SCOPE)
    assert row["ref"] == done.export_id and row["after"]["counts"] == done.counts


def test_a_finished_export_is_answered_again_until_asked_fresh(person: Any) -> None:
    first = exports.to_bucket(SUBJECT, at=NOW, by="user:mei")
    parts = _parts(first)
    again = exports.to_bucket(SUBJECT, at=NOW, by="user:ben")
    assert again.export_id == first.export_id and again.counts == first.counts and _parts(again) == parts
    assert [f["path"] for f in again.files] == [f["path"] for f in first.files]
    assert len(audit.for_scope(exports.AUDIT_SCOPE)) == 1
    later = NOW + timedelta(days=retention.EXPORTS_DAYS, seconds=1)  # its week is over
    assert exports.to_bucket(SUBJECT, at=later, by="user:mei").export_id != first.export_id
    fresh = exports.to_bucket(SUBJECT, at=later, by="user:mei", fresh=True)
    assert fresh.export_id != first.export_id and len(audit.for_scope(exports.AUDIT_SCOPE)) == 3


def test_erasure_drops_the_export_and_its_job(person: Any) -> None:
    with pytest.raises(steps.Unfinished):
        exports.to_bucket(SUBJECT, at=NOW, by="user:mei", out_of_time=_steps(2), page=PAGE)
    assert export_job.load(resource_names(), SUBJECT, NOW) is not None
    erase.erase(SUBJECT, by="user:mei", at=NOW)
    assert export_job.load(resource_names(), SUBJECT, NOW) is None
    listed = clients.s3().list_objects_v2(Bucket=resource_names().bucket, Prefix=exports.subject_prefix(SUBJECT))
    assert listed.get("KeyCount", 0) == 0


@pytest.mark.parametrize("where", ["a step", "the join"])
def test_two_calls_racing_on_one_export_record_each_step_once(person: Any, monkeypatch: pytest.MonkeyPatch,
                                                              where: str) -> None:
    reference = _document(exports.to_bucket(SUBJECT, at=NOW, by="user:mei", page=PAGE))
    owner, name = (export_job, "advance") if where == "a step" else (ddb, "transact")
    real, raced = getattr(owner, name), []

    def racing(*args: Any, **kwargs: Any) -> Any:
        if not raced:  # the other call finishes the whole export while this one is about to record
            raced.append(None)
            raced.append(exports.to_bucket(SUBJECT, at=NOW + timedelta(minutes=1), by="user:ben", page=PAGE))
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, racing)
    done = exports.to_bucket(SUBJECT, at=NOW, by="user:mei", page=PAGE, fresh=True)
    other = raced[1]
    assert done.export_id == other.export_id and done.counts == other.counts
    assert _document(done) == reference
    assert len(audit.for_scope(exports.AUDIT_SCOPE)) == 2  # the reference's and the raced one's, once
