"""The optional acknowledge hook (contract 1.3): skipped with a reason without it, checked on every sample with it."""

from __future__ import annotations

import pytest
from contract_testkit import FakeSite, failed, outcomes, run_suite


def test_a_plugin_without_the_hook_is_skipped_with_the_reason(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    fake_site.install()
    reprec = run_suite(pytester, "-k", "acknowledge")
    assert outcomes(reprec) == {"fakechat::acknowledge": "skipped"}
    (skip,) = [r for r in reprec.getreports("pytest_runtest_logreport") if r.skipped]
    assert "implements no acknowledge hook" in str(skip.longrepr)


def test_a_plugin_with_the_hook_is_checked_on_every_normalize_sample(pytester: pytest.Pytester,
                                                                      fake_site: FakeSite) -> None:
    fake_site.install("AcknowledgingChannel")
    result = outcomes(run_suite(pytester, "-k", "acknowledge"))
    assert result and set(result.values()) == {"passed"}
    assert "fakechat::acknowledge[text]" in result


def test_an_answer_repeating_the_customer_fails(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    fake_site.install("EchoingAckChannel")
    assert "fakechat::acknowledge[text]" in failed(run_suite(pytester, "-k", "acknowledge"))
