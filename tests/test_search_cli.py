"""``siu search reindex``: the index rebuilt from the tables of the running ``siu dev`` (a moto server here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from inbox_support import emulation
from pipeline_support import make_config

from siu_core.cli import cli
from siu_core.search.engine import Index

pytestmark = pytest.mark.functional


@pytest.fixture
def dev(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    yield from emulation(monkeypatch, tmp_path, make_config())


def _store_a_thread_two_messages_and_a_stub() -> None:
    from siu_core.aws import clients
    from siu_core.aws.names import resource_names
    from siu_core.store import ddb

    names = resource_names()
    db = clients.dynamodb()
    db.put_item(TableName=names.threads, Item=ddb.item({
        "thread_id": "t1", "customer_key": "ck1", "channel": "whatsapp", "customer_id": "6591234567",
        "customer_name": "Priya", "status": "open", "team": "care", "opened_at": "2026-01-01T00:00:00.000000Z"}))
    for key, at, text in (("m2", "2026-01-02T00:00:00.000000Z", "second lamp"),
                          ("m1", "2026-01-01T00:00:00.000000Z", "first lamp"),
                          ("stub", None, None)):
        item = {"message_key": key, "timestamp": at, "text": text, "direction": "inbound"}
        if key != "stub":
            item["thread_id"] = "t1"
        db.put_item(TableName=names.messages, Item=ddb.item(item))


def test_reindex_reads_every_thread_and_message_in_time_order(dev: Any, tmp_path: Path) -> None:
    _store_a_thread_two_messages_and_a_stub()
    path = tmp_path / "rebuilt.sqlite3"
    result = CliRunner().invoke(cli, ["search", "reindex", "--index", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) | {"seconds": 0} == {"index": str(path), "threads": 1, "messages": 2,
                                                          "seconds": 0}
    index = Index(path)
    try:
        assert [m.message_key for m in index.search("lamp").messages] == ["m2", "m1"]
        assert [t.thread_id for t in index.search("91234567").threads] == ["t1"]
    finally:
        index.close()
    assert path.stat().st_mode & 0o777 == 0o600


def test_reindex_without_a_known_index_file_says_what_to_pass(dev: Any) -> None:
    result = CliRunner().invoke(cli, ["search", "reindex"])
    assert result.exit_code == 2 and "--index PATH" in result.output


class _IndexerFunction:
    """Stands in for Lambda's Invoke of the deployed Indexer: runs its handler in this process."""

    def __init__(self) -> None:
        self.batches = 0

    def invoke(self, FunctionName: str, InvocationType: str, Payload: bytes) -> dict[str, Any]:
        import io

        from siu_core.handlers import indexer

        assert (FunctionName, InvocationType) == ("siu-indexer", "RequestResponse")
        self.batches += 1
        body = indexer.handler(json.loads(Payload), None)
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(body).encode())}


def test_reindex_seeds_a_deployed_index_through_the_indexer_function(
        dev: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from siu_core.aws import clients
    from siu_core.search import location

    _store_a_thread_two_messages_and_a_stub()
    efs = tmp_path / "efs" / location.FILE_NAME
    monkeypatch.setenv(location.INDEX_ENV, str(efs))
    fake = _IndexerFunction()
    real = clients.client
    monkeypatch.setattr(clients, "client", lambda service: fake if service == "lambda" else real(service))
    try:
        for _run in range(2):  # re-running is safe: upserts
            result = CliRunner().invoke(cli, ["search", "reindex", "--function", "siu-indexer"])
            assert result.exit_code == 0, result.output
            assert json.loads(result.stdout) | {"seconds": 0} == {
                "function": "siu-indexer", "threads": 1, "messages": 3, "invocations": 1, "applied": 3,
                "seconds": 0}
        reader = location.shared(efs, read_only=True)
        assert reader is not None
        assert [m.message_key for m in reader.search("lamp").messages] == ["m2", "m1"]
        assert reader.counts()["messages"] == 2
    finally:
        location.close_all()
    assert fake.batches == 2
    bad = CliRunner().invoke(cli, ["search", "reindex", "--function", "siu-indexer", "--index", str(efs)])
    assert bad.exit_code == 2 and "--function" in bad.output
