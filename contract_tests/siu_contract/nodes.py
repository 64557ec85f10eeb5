"""pytest nodes of the suite: one collector per channel, one item per check (``whatsapp::normalize[text]``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from siu_contract.checks import ContractViolation
from siu_contract.checks.load import check_load
from siu_contract.fixtures import (
    Fixtures,
    ManifestError,
    channel_entry_points,
    installed_channels,
    load_fixtures,
    manifest_path_for,
)
from siu_contract.plan import PlannedCheck, plan_checks
from siu_contract.target import ChannelUnderTest, load_registry

_MACHINERY = (f"{os.sep}_pytest{os.sep}", f"{os.sep}pluggy{os.sep}")


def _is_machinery(path: str) -> bool:
    return any(part in path for part in _MACHINERY)


class ContractItem(pytest.Item):
    """One contract check of one channel."""

    def __init__(self, *, check: PlannedCheck, channel: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.channel = channel
        self.add_marker(pytest.mark.siu_contract)

    def runtest(self) -> None:
        """Run the check (a skip carries the manifest's written reason)."""
        if self.check.skip is not None:
            pytest.skip(self.check.skip)
        assert self.check.run is not None
        self.check.run()

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """A contract violation reads as its reason; a plugin crash keeps its traceback."""
        if isinstance(excinfo.value, ContractViolation):
            return f"[{self.channel}] {self.name}: {excinfo.value}"
        # Show the plugin's frames, not pytest's and pluggy's machinery around them.
        own = excinfo.traceback.filter(lambda entry: not _is_machinery(str(entry.path)))
        if len(own):
            excinfo.traceback = own
        if style is None and self.config.getoption("tbstyle", "auto") == "auto":
            style = "short"
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[os.PathLike[str] | str, int | None, str]:
        """No Python location: reports show the node id (``channel::check[case]``) as it is."""
        return self.path, None, ""


class ChannelCollector(pytest.Collector):
    """Loads one channel and its manifest, then yields its checks; failures to load are checks too."""

    def __init__(self, *, channel: str, manifest: Path | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.channel = channel
        self.manifest_override = manifest

    def _item(self, check: PlannedCheck) -> ContractItem:
        return ContractItem.from_parent(self, name=check.name, check=check, channel=self.channel)

    def _locate(self) -> Path:
        if self.manifest_override is not None:
            return self.manifest_override
        eps = channel_entry_points().get(self.channel)
        if not eps:
            known = ", ".join(installed_channels()) or "none"
            raise ManifestError(f"no channel plugin named {self.channel!r} is installed (installed: {known})")
        return manifest_path_for(eps[0])

    def collect(self) -> Iterator[ContractItem]:
        """manifest, load, then every planned check; stop early when the channel cannot be tested."""
        fixtures: Fixtures | None = None
        manifest_error: str | None = None
        try:
            fixtures = load_fixtures(self._locate(), self.channel)
        except ManifestError as exc:
            manifest_error = str(exc)

        def manifest_ok() -> None:
            if manifest_error is not None:
                raise ContractViolation(manifest_error)

        yield self._item(PlannedCheck("manifest", manifest_ok))
        registry = load_registry(self.channel)
        yield self._item(PlannedCheck("load", lambda: check_load(self.channel, registry)))
        if fixtures is None or self.channel not in registry.channels:
            return
        examples = int(self.config.getoption("siu_examples", 100) or 100)
        target = ChannelUnderTest(
            name=self.channel,
            fixtures=fixtures,
            registry=registry,
            channel=registry.channels[self.channel],
            examples=examples,
        )
        for check in plan_checks(target):
            yield self._item(check)
