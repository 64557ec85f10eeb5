"""The test tiers (root conftest.py): who gets which marker, and the guard that keeps the unit tier pure."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

# In-process pytester runs of the repository's conftest: functional by its own rule (they start moto
# and subprocesses on purpose, to watch the guard refuse them).
pytestmark = pytest.mark.functional

ROOT = Path(__file__).resolve().parent.parent

SAMPLE = '''
import subprocess
import sys

import pytest


@pytest.fixture
def aws():
    yield "stands in for the moto fixture"


def helper():
    from moto import mock_aws
    return mock_aws


def test_pure():
    assert sum([1, 2]) == 3


def test_on_the_aws_fixture(aws):
    assert aws


def test_through_a_helper():
    assert helper()


@pytest.mark.unit
def test_starts_moto_though_marked_unit():
    from moto import mock_aws
    with mock_aws():
        pass


@pytest.mark.unit
def test_runs_a_subprocess_though_marked_unit():
    subprocess.run([sys.executable, "-c", "pass"], check=True)


@pytest.mark.unit
def test_opens_a_socket_though_marked_unit():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))


@pytest.mark.unit
def test_swallows_the_refusal_though_marked_unit():
    try:
        subprocess.run([sys.executable, "-c", "pass"], check=True)
    except Exception:
        pass


@pytest.mark.functional
def test_marked_functional_may_start_moto():
    from moto import mock_aws
    with mock_aws():
        pass
'''


@pytest.fixture
def sample(pytester: pytest.Pytester) -> pytest.Pytester:
    shutil.copy(ROOT / "conftest.py", pytester.path / "conftest.py")
    pytester.makeini("[pytest]\nmarkers =\n    unit\n    functional\n    e2e\n")
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "test_sample.py").write_text(SAMPLE)
    return pytester


def test_every_test_gets_one_tier_by_the_rule(sample: pytest.Pytester) -> None:
    unit = sample.runpytest("-m", "unit", "--collect-only", "-q")
    assert {line.split("::")[-1] for line in unit.outlines if "::" in line} == {
        "test_pure", "test_starts_moto_though_marked_unit", "test_runs_a_subprocess_though_marked_unit",
        "test_opens_a_socket_though_marked_unit", "test_swallows_the_refusal_though_marked_unit"}
    functional = sample.runpytest("-m", "functional", "--collect-only", "-q")
    assert {line.split("::")[-1] for line in functional.outlines if "::" in line} == {
        "test_on_the_aws_fixture", "test_through_a_helper", "test_marked_functional_may_start_moto"}


def test_the_guard_fails_unit_tests_that_reach_for_moto_a_subprocess_or_a_socket(sample: pytest.Pytester) -> None:
    result = sample.runpytest("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed") == 5 and outcomes.get("failed") == 3 and outcomes.get("errors") == 1, outcomes
    text = result.stdout.str()
    for what in ("started moto (mock_aws)", "started a subprocess", "bound a network socket"):
        assert f"is in the unit tier but {what}: mark it @pytest.mark.functional" in text, what
    assert "ERROR tests/test_sample.py::test_swallows_the_refusal_though_marked_unit" in text
