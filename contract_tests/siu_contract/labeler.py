"""The Bedrock labeler's contract: recorded Converse answers (good, malformed, throttled, refusal,
filtered, max_tokens) drive the labeler, and every label it returns must honour the labels schema.

One item per recorded case: ``labeler::bedrock[good]``. The cases ship inside siu-core
(``siu_core/data/bedrock_contract``), so a deployment's gate and a plugin's repository run the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from siu_contract.checks import ContractViolation


class LabelerItem(pytest.Item):
    """Replay one recorded case through a strict Bedrock labeler."""

    def __init__(self, *, case: Any, suite: Any, cassette_dir: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.suite = suite
        self.cassette_dir = cassette_dir
        self.channel = "labeler"  # tallied like a channel by --siu-report and `siu contract-test`
        self.add_marker(pytest.mark.siu_contract)

    def runtest(self) -> None:
        """Fail with every way the labels break the contract."""
        from siu_core.labeling.contract import case_problems, replay_case

        problems = case_problems(self.suite, self.case, replay_case(self.suite, self.case, self.cassette_dir))
        if problems:
            raise ContractViolation("; ".join(problems))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """A violation reads as its reasons."""
        if isinstance(excinfo.value, ContractViolation):
            return f"[labeler] {self.name}: {excinfo.value}"
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path | str, int | None, str]:
        """Reports show the node id as it is."""
        return self.path, None, ""


class LabelerCollector(pytest.Collector):
    """Yields one item per recorded Converse case."""

    def collect(self) -> Iterator[pytest.Item]:
        """Load the shipped cases; an unreadable case file is itself a failing check."""
        from siu_core.labeling.contract import load_suite, shipped_cassette_dir

        cassette_dir = shipped_cassette_dir()
        suite = load_suite(cassette_dir)
        for case in suite.cases:
            yield LabelerItem.from_parent(self, name=f"bedrock[{case.name}]", case=case, suite=suite,
                                          cassette_dir=cassette_dir)
