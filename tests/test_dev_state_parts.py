"""The pieces that keep siu dev's state, without a running stack: journal, lock, write marks, session files."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from siu_core.dev.changes import ALL, Changes, is_read, recording
from siu_core.dev.emulation import written_tables
from siu_core.dev.journal import Journal
from siu_core.dev.lock import StateDirBusy, StateLock
from siu_core.dev.session import read_dev_secrets, read_session, state_dir, write_dev_secrets, write_session


def _event(n: int) -> dict[str, Any]:
    return {"rawPath": "/webhooks/demo", "body": f'{{"n": {n}}}', "headers": {"x-sig": "s"},
            "requestContext": {"http": {"method": "POST"}}}


def test_the_journal_survives_reopening_ignores_a_torn_line_and_trims(tmp_path: Path) -> None:
    path = tmp_path / "webhooks.journal"
    journal = Journal(path)
    assert [journal.append("demo", _event(n)) for n in range(3)] == [1, 2, 3]
    journal.close()
    with path.open("ab") as fh:
        fh.write(b'{"seq": 4, "channel": "demo", "ev')  # died inside a write: never answered 200
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = Journal(path)
    assert [e.seq for e in again.after(1)] == [2, 3]
    assert again.after(0)[0].event == _event(0)
    assert again.trim(2) == 1
    assert again.append("demo", _event(9)) == 4
    again.close()
    assert [e.seq for e in Journal(path).after(0)] == [3, 4]


def test_the_journal_never_reuses_a_number_a_snapshot_already_covers(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j")
    journal.bump(41)
    assert journal.append("demo", _event(1)) == 42


def test_a_second_holder_of_the_state_dir_is_refused_naming_the_first(tmp_path: Path) -> None:
    first = StateLock(tmp_path).acquire()
    first.describe(base_url="http://127.0.0.1:8123")
    with pytest.raises(StateDirBusy, match=rf"pid {os.getpid()} at http://127.0.0.1:8123"):
        StateLock(tmp_path).acquire()
    first.release()
    StateLock(tmp_path).acquire().release()


def test_the_lock_dies_with_its_process(tmp_path: Path) -> None:
    code = ("import sys, os, signal; from pathlib import Path; from siu_core.dev.lock import StateLock; "
            f"StateLock(Path({str(tmp_path)!r})).acquire(); print('held', flush=True); "
            "os.kill(os.getpid(), signal.SIGKILL)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "held" in done.stdout and done.returncode == -9
    StateLock(tmp_path).acquire().release()


@pytest.mark.parametrize(("action", "read"), [("GetItem", True), ("Query", True), ("Scan", True),
                                              ("ReceiveMessage", True), ("ListSecrets", True),
                                              ("BatchGetItem", True), ("PutItem", False), ("TransactWriteItems", False),
                                              ("DeleteMessageBatch", False), ("PutSecretValue", False),
                                              ("SendMessage", False), ("PutParameter", False)])
def test_reads_are_told_from_writes(action: str, read: bool) -> None:
    assert is_read(action) is read


def test_the_tables_a_dynamodb_write_names() -> None:
    assert written_tables("put_item", {"TableName": "t1"}) == {"t1"}
    assert written_tables("batch_write_item", {"RequestItems": {"a": [], "b": []}}) == {"a", "b"}
    body = {"TransactItems": [{"Put": {"TableName": "a"}}, {"Update": {"TableName": "b"}}]}
    assert written_tables("transact_write_items", body) == {"a", "b"}
    assert written_tables("put_item", "garbage") == {ALL}


def test_dynamodb_item_writes_are_marked_inside_the_emulator_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from siu_core.dev import emulation
    from siu_core.dev.emulation import atomic_dynamodb_actions

    lock = threading.RLock()
    held: list[bool] = []

    class Handler:
        body = {"TableName": "t"}

    monkeypatch.setattr(emulation, "write_listeners", [lambda tables: held.append(lock._is_owned())])  # type: ignore[attr-defined]
    from moto.dynamodb.responses import DynamoHandler

    monkeypatch.setattr(DynamoHandler, "put_item", lambda self: "ok")
    monkeypatch.setattr(DynamoHandler, "get_item", lambda self: "ok")
    wrapped = atomic_dynamodb_actions(lock)
    assert wrapped["get_item"](Handler()) == "ok" and held == []
    assert wrapped["put_item"](Handler()) == "ok" and held == [True]


def _environ(service: str, target: str = "", method: str = "POST", body: bytes = b"") -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential=AKID/20260101/ap-southeast-1/{service}/aws4_request, "
                                  "SignedHeaders=host, Signature=x",
            "HTTP_X_AMZ_TARGET": target, "REQUEST_METHOD": method, "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body)}


def test_the_middleware_marks_writes_after_serving_them_and_keeps_the_body() -> None:
    changes = Changes()
    seen: list[bytes] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["REQUEST_METHOD"] != "PUT":
            assert not changes.pending()  # marked only once the write was served
        seen.append(environ["wsgi.input"].read())
        return [b"ok"]

    wrapped = recording(app, changes)
    wrapped(_environ("dynamodb", "DynamoDB_20120810.GetItem", body=b'{"TableName": "t"}'), None)
    wrapped(_environ("sqs", "AmazonSQS.ReceiveMessage"), None)
    wrapped(_environ("s3", method="GET"), None)
    wrapped(_environ("monitoring", "GraniteServiceVersion20100801.PutMetricData"), None)
    assert not changes.pending()
    wrapped(_environ("dynamodb", "DynamoDB_20120810.PutItem", body=b'{"TableName": "t"}'), None)
    assert seen[-1] == b'{"TableName": "t"}' and not changes.pending()  # item writes: marked under the lock
    wrapped(_environ("dynamodb", "DynamoDB_20120810.UpdateTimeToLive"), None)
    wrapped(_environ("s3", method="PUT"), None)
    assert changes.take() == {"dynamodb": {ALL}, "s3": {ALL}}
    assert not changes.pending()


def test_session_and_dev_secrets_are_private_and_per_state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    monkeypatch.setenv("SIU_STATE_DIR", str(one))
    write_session({"base_url": "http://a"})
    write_session({"base_url": "http://b"}, two)
    assert read_session() == {"base_url": "http://a"} and read_session(two) == {"base_url": "http://b"}
    write_dev_secrets(state_dir(two), {"dev_token": "t"})
    assert read_dev_secrets(two) == {"dev_token": "t"} and read_dev_secrets(one) == {}
    for path in (one / "dev-session.json", two / "dev-session.json", two / "dev-secrets.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(one.stat().st_mode) == 0o700


def test_an_older_snapshots_secrets_manager_secrets_become_their_securestrings() -> None:
    from siu_core.dev.persist import legacy_secrets

    old = [{"name": "siu/inbox", "string": '{"signing_key": "k"}'}, {"name": "siu/whatsapp", "string": "{}"},
           {"name": "siu/slack", "binary": "e30="}, {"name": "unprefixed", "string": "{}"}]
    assert legacy_secrets(old, {"/siu/secrets/whatsapp"}) == [  # what the SSM snapshot already has wins
        {"name": "/siu/secrets/inbox", "value": '{"signing_key": "k"}', "type": "SecureString"}]
