"""``siu customer export|erase`` on moto: the document on disk with its files, one-line errors, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from privacy_support import NAME, SUBJECT, WORDS, seed_person

from siu_core.cli import cli
from siu_core.privacy import document


@pytest.fixture
def person(aws: Any) -> Any:
    """The person of privacy_support, stored through the pipeline."""
    return seed_person(aws)


@pytest.fixture
def here(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands act on the ``aws`` fixture's moto instead of looking for a running `siu dev`."""
    monkeypatch.setattr("siu_core.cli.target.resolve", lambda url: None)


def test_export_writes_the_document_and_its_files(person: Any, here: None, tmp_path: Path) -> None:
    out = tmp_path / "rosalind.json"
    result = CliRunner().invoke(cli, ["customer", "export", SUBJECT, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["counts"]["messages"] == 3 and summary["counts"]["files"] == 6  # snapshots: 5 events; a photo
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["format"] == document.FORMAT and doc["version"] == document.VERSION
    texts = [m.get("text") for m in doc["messages"]]
    assert any(WORDS in (t or "") for t in texts) and {m["direction"] for m in doc["messages"]} == {"in", "out"}
    assert doc["threads"][0]["notes"][0]["text"] == f"{NAME} is a regular"
    assert doc["conversations"][0]["aliases"]  # the phone's alias
    for entry in doc["files"]:
        assert (tmp_path / "rosalind_files" / entry["path"].removeprefix("files/")).is_file()
    photo = next(f for f in doc["files"] if f["kind"] == "media")
    assert (tmp_path / "rosalind_files" / photo["path"].removeprefix("files/")).read_bytes() == b"jpeg again"


def test_erase_asks_for_the_id_and_refuses_a_mismatch(person: Any, here: None) -> None:
    result = CliRunner().invoke(cli, ["customer", "erase", SUBJECT], input="someone-else\n")
    assert result.exit_code == 2 and "nothing was erased" in result.output
    result = CliRunner().invoke(cli, ["customer", "erase", SUBJECT, "--json"], input=f"{SUBJECT}\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout[result.stdout.index("{"):])["counts"]["messages"] == 3
    again = CliRunner().invoke(cli, ["customer", "erase", SUBJECT, "--yes"])
    assert again.exit_code == 0 and "nothing held" in again.output


def test_a_malformed_id_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["customer", "erase", "just-a-name", "--yes"])
    assert result.exit_code == 2 and "channel#account#customer" in result.output
