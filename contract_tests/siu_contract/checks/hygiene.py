"""Hygiene checks: committed fixtures hold no credential (the scan is siu_core.cassettes')."""

from __future__ import annotations

from pathlib import Path

from siu_contract.checks import ContractViolation
from siu_contract.manifest import MANIFEST_FILE
from siu_contract.target import ChannelUnderTest
from siu_core.cassettes import cassette_leaks, find_leaks

CASSETTE_SUFFIXES = (".yaml", ".yml")


def cassette_files(t: ChannelUnderTest) -> list[str]:
    """Every cassette the manifest names, then any other YAML file in the fixture folder (orphans leak too)."""
    named = ([c.cassette for c in t.manifest.send] + [c.cassette for c in t.manifest.media]
             + [c.cassette for c in t.manifest.templates])
    root = t.fixtures.root
    orphans = sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.suffix in CASSETTE_SUFFIXES
    )
    return list(dict.fromkeys([*named, *orphans]))


def check_cassette(t: ChannelUnderTest, relative: str) -> None:
    """No Authorization header, token-shaped string or confidential secret value in a cassette."""
    leaks = cassette_leaks(t.fixtures.path(relative), t.secrets, patterns=t.channel.info.secret_patterns)
    if leaks:
        raise ContractViolation(
            f"{relative} is not safe to commit (re-record it with siu_core.cassettes.recorder):\n  "
            + "\n  ".join(str(leak) for leak in leaks)
        )


def check_fixture_files(t: ChannelUnderTest) -> None:
    """Sample webhooks and expectations carry no token either (the manifest's fake secrets excepted)."""
    cassettes = set(cassette_files(t))
    problems: list[str] = []
    for path in sorted(p for p in t.fixtures.root.rglob("*") if p.is_file()):
        relative = path.relative_to(t.fixtures.root).as_posix()
        if relative == MANIFEST_FILE or relative in cassettes or "__pycache__" in Path(relative).parts:
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        found = find_leaks(text, t.secrets, patterns=t.channel.info.secret_patterns)
        problems += [f"{relative}: {leak}" for leak in found]
    if problems:
        raise ContractViolation("fixture files contain credentials:\n  " + "\n  ".join(problems))
