"""The optional fetch_profile hook (contract 1.4): checked through the stand-in when implemented, None when down."""

from __future__ import annotations

import pytest
from contract_testkit import FakeSite, failed, outcomes, run_suite


def test_a_profile_hook_answering_none_when_the_platform_fails_passes(pytester: pytest.Pytester,
                                                                       fake_site: FakeSite) -> None:
    fake_site.install("ProfileChannel")
    result = outcomes(run_suite(pytester, "-k", "profile"))
    assert result == {"fakechat::profile[text]": "passed"}


def test_a_profile_hook_that_raises_fails(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    fake_site.install("RaisingProfileChannel")
    assert "fakechat::profile[text]" in failed(run_suite(pytester, "-k", "profile"))


def test_a_plugin_without_the_profile_hook_gets_no_profile_check(pytester: pytest.Pytester,
                                                                 fake_site: FakeSite) -> None:
    fake_site.install()
    assert outcomes(run_suite(pytester, "-k", "profile")) == {}
