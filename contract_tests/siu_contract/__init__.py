"""The siu channel contract suite.

In a channel plugin's own repository, one line in any test module runs every contract check::

    from siu_contract import contract_suite

    TestContract = contract_suite("mychannel")

From anywhere else: ``pytest -p siu_contract --siu-channel mychannel`` (or ``--siu-channel all``),
or ``siu contract-test mychannel``. Importing this package is cheap; the checks load lazily.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from os import PathLike

__all__ = ["ContractSuite", "contract_suite"]


@dataclass(frozen=True)
class ContractSuite:
    """A marker the suite's pytest plugin turns into one channel's contract checks when collected."""

    channel: str
    manifest: str | None = None


def contract_suite(channel: str, *, manifest: str | PathLike[str] | None = None) -> ContractSuite:
    """Give a plugin repository the deploy gate's exact checks for ``channel`` with one assignment.

    ``manifest`` overrides where the fixtures are read from (by default the installed package's
    ``contract/manifest.json``, found through the channel's entry point).
    """
    if not re.fullmatch(r"[a-z][a-z0-9_]*", channel):
        raise ValueError(f"not a channel name: {channel!r} (expected [a-z][a-z0-9_]*)")
    return ContractSuite(channel=channel, manifest=None if manifest is None else str(manifest))
