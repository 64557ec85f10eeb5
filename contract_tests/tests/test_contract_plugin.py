"""How the suite is switched on: inactive by default, ``--siu-channel``, the one-line class, the JSON report."""

from __future__ import annotations

import json

import pytest
from contract_testkit import FakeSite, outcomes, run_suite
from siu_contract import contract_suite


def test_the_suite_does_nothing_unless_asked(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    fake_site.install()
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    reprec = pytester.inline_run("-p", "siu_contract")
    assert outcomes(reprec) == {"test_plain.py::test_plain": "passed"}


def test_one_line_in_a_plugin_repository_runs_every_check(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    fake_site.install()
    pytester.makepyfile(
        test_fakechat_contract='from siu_contract import contract_suite\n\nTestContract = contract_suite("fakechat")\n'
    )
    result = outcomes(pytester.inline_run("--siu-examples", "5"))
    assert result.pop("test_fakechat_contract.py::fakechat::templates") == "skipped"  # optional hook (1.2)
    assert result.pop("test_fakechat_contract.py::fakechat::acknowledge") == "skipped"  # optional hook (1.3)
    for shape in ("edit", "deletion"):  # not on the fake platform: skipped with the manifest's reason
        assert result.pop(f"test_fakechat_contract.py::fakechat::normalize.shape[{shape}]") == "skipped"
    assert len(result) == 58 and set(result.values()) == {"passed"}  # 1.4 added attachments.never_given, load.display
    assert "test_fakechat_contract.py::fakechat::normalize[batch]" in result


def test_the_one_liner_can_point_at_fixtures_outside_the_package(
    pytester: pytest.Pytester, fake_site: FakeSite
) -> None:
    contract = fake_site.install()
    moved = pytester.path / "fixtures"
    contract.rename(moved)
    pytester.makepyfile(
        test_moved="from siu_contract import contract_suite\n\n"
        f"TestContract = contract_suite('fakechat', manifest={str(moved / 'manifest.json')!r})\n"
    )
    result = outcomes(pytester.inline_run("-k", "manifest or normalize and text"))
    assert result == {
        "test_moved.py::fakechat::manifest": "passed",
        "test_moved.py::fakechat::normalize[text]": "passed",
    }


def test_contract_suite_rejects_a_name_that_cannot_be_a_channel() -> None:
    with pytest.raises(ValueError, match="not a channel name"):
        contract_suite("Not-A-Channel")


def test_channels_can_be_repeated_or_comma_separated(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    fake_site.install(name="fakechat")
    fake_site.install(name="otherchat")
    reprec = pytester.inline_run(
        "-p", "siu_contract", "--siu-channel", "fakechat,otherchat", "--siu-channel", "fakechat", "-k", "load"
    )
    assert sorted(outcomes(reprec)) == [
        "fakechat::load", "fakechat::load.display", "fakechat::load.secrets",
        "otherchat::load", "otherchat::load.display", "otherchat::load.secrets",
    ]


def test_all_means_every_installed_channel_narrowed_by_siu_channels(
    pytester: pytest.Pytester, fake_site: FakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_site.install(name="fakechat")
    fake_site.install(name="otherchat")
    monkeypatch.setenv("SIU_CHANNELS", "otherchat,fakechat")
    reprec = pytester.inline_run("-p", "siu_contract", "--siu-channel", "all", "-k", "manifest")
    assert sorted(outcomes(reprec)) == ["fakechat::manifest", "otherchat::manifest"]


def test_the_json_report_counts_each_channel(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    fake_site.install(name="fakechat")
    fake_site.install("AcceptsTamperedChannel", name="tampered")
    report = pytester.path / "report.json"
    pytester.inline_run(
        "-p", "siu_contract", "--siu-channel", "fakechat,tampered", "--siu-report", str(report),
        "-k", "signature and not escaped",
    )
    data = json.loads(report.read_text())
    counts = {c["name"]: (c["passed"], c["failed"], c["skipped"]) for c in data["channels"]}
    assert counts == {"fakechat": (14, 0, 0), "tampered": (7, 7, 0)}
    assert data["exit_status"] == 1
    failures = {f["test"]: f["message"] for f in data["channels"][1]["failures"]}
    assert failures["tampered::signature.tampered_byte[text]"] == (
        "[tampered] signature.tampered_byte[text]: webhooks/text.json with byte 0 flipped was accepted"
    )


def test_skipped_checks_are_reported_with_the_manifests_reason(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    reason = "this platform has no media download at all"
    fake_site.install(edit=lambda m: m.update(media=[], skip={"media": reason}))
    reprec = run_suite(pytester, "-k", "media")
    assert outcomes(reprec) == {
        "fakechat::media": "skipped",
        "fakechat::hygiene[cassettes/media_image.yaml]": "passed",  # no longer named, still scanned
    }
    (skip,) = [r for r in reprec.getreports("pytest_runtest_logreport") if r.skipped]
    assert reason in str(skip.longrepr)
