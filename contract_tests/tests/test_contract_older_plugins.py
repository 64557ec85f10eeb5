"""A plugin written against contract 1.2 passes the suite it was written for: the 1.3 checks of shapes and
partial batches are skipped with the reason, unless its manifest opts in."""

from __future__ import annotations

from typing import Any

import pytest
from contract_testkit import FakeSite, outcomes, run_suite

SHAPE_CHECKS = "normalize.shape or normalize.partial_batch"


def as_written_for_1_2(manifest: dict[str, Any]) -> None:
    manifest.pop("shapes", None)
    manifest["normalize"] = [{k: v for k, v in case.items() if k != "unreadable"} for case in manifest["normalize"]]


def test_a_1_2_plugin_without_shapes_is_skipped_with_the_reason(pytester: pytest.Pytester,
                                                               fake_site: FakeSite) -> None:
    fake_site.install("Contract12Channel", edit=as_written_for_1_2)
    reprec = run_suite(pytester, "-k", SHAPE_CHECKS)
    assert outcomes(reprec) == {"fakechat::normalize.partial_batch": "skipped", "fakechat::normalize.shapes": "skipped"}
    reasons = [str(r.longrepr) for r in reprec.getreports("pytest_runtest_logreport") if r.skipped]
    assert all("declares contract 1.2" in reason for reason in reasons)


def test_a_1_3_plugin_without_shapes_fails(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    fake_site.install("GoodChannel", edit=as_written_for_1_2)
    result = outcomes(run_suite(pytester, "-k", SHAPE_CHECKS))
    assert result == {"fakechat::normalize.partial_batch": "failed", "fakechat::normalize.shapes": "failed"}


def test_a_1_2_plugin_that_declares_its_shapes_is_checked_on_them(pytester: pytest.Pytester,
                                                                 fake_site: FakeSite) -> None:
    fake_site.install("Contract12Channel")
    result = outcomes(run_suite(pytester, "-k", SHAPE_CHECKS))
    assert result and "skipped" not in {v for k, v in result.items() if "partial_batch" in k}
    assert any(k.startswith("fakechat::normalize.shape[") for k in result)
