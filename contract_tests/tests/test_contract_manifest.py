"""The manifest is validated strictly, and every mandatory check is covered or skipped with a reason."""

from __future__ import annotations

from typing import Any

import pytest
from contract_testkit import FakeSite, failed, outcomes, run_suite


def _longrepr(reprec: pytest.HookRecorder, nodeid: str) -> str:
    for report in reprec.getreports("pytest_runtest_logreport"):
        if report.nodeid == nodeid and report.failed:
            return str(report.longrepr)
    raise AssertionError(f"{nodeid} did not fail")


def test_an_unknown_key_fails_the_manifest_and_nothing_else_runs(
    pytester: pytest.Pytester, fake_site: FakeSite
) -> None:
    def typo(m: dict[str, Any]) -> None:
        m["normalize"][0]["expectd"] = m["normalize"][0].pop("expected")

    fake_site.install(edit=typo)
    reprec = run_suite(pytester)
    assert outcomes(reprec) == {"fakechat::manifest": "failed", "fakechat::load": "passed"}
    message = _longrepr(reprec, "fakechat::manifest")
    assert "normalize.0.expectd: Extra inputs are not permitted" in message
    assert "normalize.0.expected: Field required" in message


def test_a_skip_without_a_written_reason_fails_the_manifest(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    fake_site.install(edit=lambda m: m.update(skip={"send.transient": "n/a"}))
    reprec = run_suite(pytester)
    assert failed(reprec) == {"fakechat::manifest"}
    assert "needs a written reason" in _longrepr(reprec, "fakechat::manifest")


def test_a_missing_fixture_file_fails_the_manifest(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    fake_site.install(edit=lambda m: m["unknown"].append("webhooks/nope.json"))
    reprec = run_suite(pytester)
    assert failed(reprec) == {"fakechat::manifest"}
    assert "missing fixture file 'webhooks/nope.json'" in _longrepr(reprec, "fakechat::manifest")


def test_an_uncovered_mandatory_outcome_fails_and_a_reasoned_skip_skips(
    pytester: pytest.Pytester, fake_site: FakeSite
) -> None:
    def edit(m: dict[str, Any]) -> None:
        m["send"] = [c for c in m["send"] if c["outcome"] not in ("window_closed", "transient")]
        m["skip"] = {"send.transient": "the fake platform never answers 5xx in this test"}

    fake_site.install(edit=edit)
    reprec = run_suite(pytester, "-k", "send")
    result = outcomes(reprec)
    assert result["fakechat::send.window_closed"] == "failed"
    assert result["fakechat::send.transient"] == "skipped"
    assert "send[transient]" not in {k.split("::")[1] for k in result}
    assert failed(reprec) == {"fakechat::send.window_closed"}
    assert "no send case with outcome 'window_closed'" in _longrepr(reprec, "fakechat::send.window_closed")


def test_no_unknown_or_malformed_bodies_fails_those_checks(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    fake_site.install(edit=lambda m: m.update(unknown=[], malformed=[]))
    reprec = run_suite(pytester, "-k", "unknown or malformed")
    assert failed(reprec) == {"fakechat::normalize.unknown", "fakechat::normalize.malformed"}


def test_no_escaped_unicode_vector_fails_unless_skipped(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    def drop_unicode(m: dict[str, Any]) -> None:
        m["signature"]["valid"] = [s for s in m["signature"]["valid"] if "unicode" not in s["body"]]

    fake_site.install(edit=drop_unicode)
    assert failed(run_suite(pytester, "-k", "escaped_unicode")) == {"fakechat::signature.escaped_unicode"}


def test_skipping_escaped_unicode_with_a_reason_skips_it(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    def edit(m: dict[str, Any]) -> None:
        m["signature"]["valid"] = [s for s in m["signature"]["valid"] if "unicode" not in s["body"]]
        m["skip"] = {"signature.escaped_unicode": "this platform only ever sends ASCII bodies"}

    fake_site.install(edit=edit)
    assert outcomes(run_suite(pytester, "-k", "escaped_unicode")) == {
        "fakechat::signature.escaped_unicode": "skipped"
    }


def test_manifest_secrets_must_match_the_declared_fields(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    def edit(m: dict[str, Any]) -> None:
        del m["secrets"]["page_id"]
        m["secrets"]["api_key"] = "not-a-declared-field"

    fake_site.install(edit=edit)
    reprec = run_suite(pytester, "-k", "load")
    assert failed(reprec) == {"fakechat::load.secrets"}
    message = _longrepr(reprec, "fakechat::load.secrets")
    assert "['api_key'] are not declared" in message and "['page_id'] have no fake value" in message


def test_a_declared_unsupported_handshake_must_answer_405(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    unsupported = {"unsupported": "fakechat has no GET verification"}
    fake_site.install("NoHandshakeChannel", edit=lambda m: m.update(handshake=unsupported))
    assert outcomes(run_suite(pytester, "-k", "handshake")) == {"fakechat::handshake.unsupported": "passed"}


def test_a_handshake_declared_unsupported_but_answered_fails(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    fake_site.install(edit=lambda m: m.update(handshake={"unsupported": "claims to have none"}))
    assert failed(run_suite(pytester, "-k", "handshake")) == {"fakechat::handshake.unsupported"}


def test_leaky_cassettes_fail_hygiene(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    contract = fake_site.install()
    success = contract / "cassettes" / "send_success.yaml"
    success.write_text(
        success.read_text().replace(
            "    headers:\n      Content-Type:\n      - application/json\n    method: POST",
            "    headers:\n      Authorization:\n      - Bearer REDACTED\n      Content-Type:\n"
            "      - application/json\n    method: POST",
            1,
        )
    )
    token = "EAAB" + "x1" * 40
    (contract / "cassettes" / "orphan.yaml").write_text(
        f"interactions: []\nversion: 1\n# left over: {token} and fake-app-secret-0123\n"
    )
    reprec = run_suite(pytester, "-k", "hygiene")
    assert failed(reprec) == {
        "fakechat::hygiene[cassettes/send_success.yaml]",
        "fakechat::hygiene[cassettes/orphan.yaml]",
    }
    orphan = _longrepr(reprec, "fakechat::hygiene[cassettes/orphan.yaml]")
    assert "a Meta access token" in orphan and "the value of secret 'app_secret'" in orphan
    assert token not in orphan and "fake-app-secret-0123" not in orphan, "a leak report must not repeat the secret"
    assert "request header 'Authorization'" in _longrepr(reprec, "fakechat::hygiene[cassettes/send_success.yaml]")


def test_an_uninstalled_channel_fails_by_name(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    fake_site.install()
    reprec = run_suite(pytester, channel="nosuch")
    assert outcomes(reprec) == {"nosuch::manifest": "failed", "nosuch::load": "failed"}
    assert "no channel plugin named 'nosuch' is installed (installed:" in _longrepr(reprec, "nosuch::manifest")
