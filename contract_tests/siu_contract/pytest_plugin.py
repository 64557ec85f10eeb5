"""pytest entry point of the contract suite (inactive unless asked).

Asked means ``--siu-channel NAME`` (repeatable, comma lists and ``all`` allowed) or a test module
holding ``contract_suite("name")``. Everything heavy is imported only then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

# Before any of them is imported: failures inside the checks read like test assertions.
pytest.register_assert_rewrite(
    "siu_contract.checks",
    "siu_contract.plan",
    "siu_contract.replay",
    "siu_contract.nodes",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """The suite's options; none of them does anything until a channel is named."""
    group = parser.getgroup("siu-contract", "siu channel contract suite")
    group.addoption(
        "--siu-channel",
        action="append",
        default=[],
        metavar="NAME",
        dest="siu_channel",
        help="run the channel contract suite for NAME (repeatable, comma-separated, or 'all' installed)",
    )
    group.addoption(
        "--siu-labeler",
        action="store_true",
        default=False,
        dest="siu_labeler",
        help="run the Bedrock labeler contract (recorded Converse answers); implied by --siu-channel all",
    )
    group.addoption(
        "--siu-examples",
        type=int,
        default=100,
        metavar="N",
        dest="siu_examples",
        help="hypothesis examples per normalize property check (default 100)",
    )
    group.addoption(
        "--siu-report",
        default=None,
        metavar="PATH",
        dest="siu_report",
        help="write per-channel pass/fail/skip counts as JSON to PATH",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker so ``-m siu_contract`` selects (or deselects) every contract check."""
    config.addinivalue_line("markers", "siu_contract: a check of the siu channel contract suite")
    report = config.getoption("siu_report", None)
    if report:
        from siu_contract.report import ReportPlugin

        config.pluginmanager.register(ReportPlugin(Path(report)), "siu-contract-report")


def selected_channels(config: pytest.Config) -> list[str]:
    """The channels named with ``--siu-channel``, ``all`` expanded to every installed one, in order."""
    names: list[str] = []
    for value in config.getoption("siu_channel", []) or []:
        for part in str(value).split(","):
            part = part.strip()
            if part == "all":
                from siu_contract.fixtures import installed_channels

                names += installed_channels()
            elif part:
                names.append(part)
    return list(dict.fromkeys(names))


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    """Attach one collector per ``--siu-channel`` to the session, after whatever else it collected."""
    report = yield
    if isinstance(collector, pytest.Session) and report.passed:
        channels = selected_channels(collector.config)
        if channels:
            from siu_contract.nodes import ChannelCollector

            report.result.extend(
                ChannelCollector.from_parent(collector, name=name, nodeid=name, channel=name) for name in channels
            )
        if labeler_selected(collector.config):
            from siu_contract.labeler import LabelerCollector

            report.result.append(LabelerCollector.from_parent(collector, name="labeler", nodeid="labeler"))
    return report


def labeler_selected(config: pytest.Config) -> bool:
    """``--siu-labeler``, or ``--siu-channel all`` (the deploy gate's whole suite)."""
    if config.getoption("siu_labeler", False):
        return True
    values = [p.strip() for v in config.getoption("siu_channel", []) or [] for p in str(v).split(",")]
    return "all" in values


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> Any:
    """``TestContract = contract_suite("mychannel")`` in a test module becomes that channel's checks."""
    from siu_contract import ContractSuite

    if isinstance(obj, ContractSuite):
        from siu_contract.nodes import ChannelCollector

        manifest = Path(obj.manifest).resolve() if obj.manifest is not None else None
        return ChannelCollector.from_parent(collector, name=obj.channel, channel=obj.channel, manifest=manifest)
    return None
