"""Fixtures for the contract suite's own tests (helpers live in ``contract_testkit``)."""

from __future__ import annotations

import shutil

# In-process pytester runs drop every module a run imported; importing the heavy ones here keeps
# them (fast runs), and keeps vcrpy's YAML loader classes identical across runs.
import hypothesis  # noqa: F401
import pytest
import requests  # noqa: F401
import siu_contract.nodes  # noqa: F401
import vcr.serializers.yamlserializer  # noqa: F401
from contract_testkit import FAKES, FakeSite

import siu_core.cli  # noqa: F401

pytest_plugins = ["pytester"]


@pytest.fixture
def fake_site(pytester: pytest.Pytester) -> FakeSite:
    """A fresh site folder on sys.path holding the fake plugin implementations."""
    site = pytester.mkdir("site")
    shutil.copy(FAKES / "fakechannels.py", site / "fakechannels.py")
    pytester.syspathinsert(site)
    return FakeSite(site)
