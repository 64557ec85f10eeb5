"""Helpers for the contract suite's own tests: fake channel plugins installed as real distributions.

Each fake is a package plus a ``*.dist-info`` with a ``siu.channels`` entry point, written into a
temporary folder on ``sys.path``: the suite finds it exactly as it finds a pip-installed plugin.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

FAKES = Path(__file__).parent / "fakes"
CHANNEL_PLACEHOLDER = "__CHANNEL__"


@dataclass
class FakeSite:
    """A folder on sys.path where fake channel distributions are installed."""

    root: Path

    def install(
        self,
        cls: str = "GoodChannel",
        *,
        name: str = "fakechat",
        version: str = "0.1.0",
        edit: Callable[[dict[str, Any]], None] | None = None,
        files: dict[str, str | bytes] | None = None,
    ) -> Path:
        """Install fake channel ``name`` implemented by ``fakechannels.<cls>``; return its fixture folder."""
        package = self.root / name
        contract = package / "contract"
        shutil.copytree(FAKES / "fixtures", contract)
        for path in [contract / "manifest.json", *sorted((contract / "expected").glob("*.json"))]:
            path.write_text(path.read_text(encoding="utf-8").replace(CHANNEL_PLACEHOLDER, name), encoding="utf-8")
        if edit is not None:
            manifest = json.loads((contract / "manifest.json").read_text(encoding="utf-8"))
            edit(manifest)
            (contract / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        for relative, content in (files or {}).items():
            target = contract / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        (package / "__init__.py").write_text("", encoding="utf-8")
        (package / "plugin.py").write_text(f"from fakechannels import {cls}\n\nplugin = {cls}({name!r})\n")
        dist = self.root / f"{name}-{version}.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        (dist / "entry_points.txt").write_text(f"[siu.channels]\n{name} = {name}.plugin:plugin\n")
        return contract


def outcomes(reprec: pytest.HookRecorder) -> dict[str, str]:
    """Each test's final outcome by node id (a failure in any phase wins, then a skip)."""
    rank = {"passed": 0, "skipped": 1, "failed": 2}
    out: dict[str, str] = {}
    for report in reprec.getreports("pytest_runtest_logreport"):
        if report.when != "call" and report.outcome == "passed":
            continue
        current = out.get(report.nodeid)
        if current is None or rank[report.outcome] > rank[current]:
            out[report.nodeid] = report.outcome
    return out


def failed(reprec: pytest.HookRecorder) -> set[str]:
    """Node ids of the tests that failed."""
    return {nodeid for nodeid, outcome in outcomes(reprec).items() if outcome == "failed"}


def run_suite(pytester: pytest.Pytester, *args: str, channel: str = "fakechat") -> pytest.HookRecorder:
    """Run the contract suite in-process for one fake channel, with few hypothesis examples."""
    return pytester.inline_run("-p", "siu_contract", "--siu-channel", channel, "--siu-examples", "15", *args)
