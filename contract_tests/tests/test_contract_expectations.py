"""When the shipped expectation and the channel disagree, the matching check fails and says how."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from contract_testkit import FakeSite, failed, run_suite


def _edit_manifest(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def apply(contract: Path) -> None:
        manifest = json.loads((contract / "manifest.json").read_text())
        change(manifest)
        (contract / "manifest.json").write_text(json.dumps(manifest))

    return apply


def _golden_text_changed(contract: Path) -> None:
    expected = json.loads((contract / "expected" / "text.json").read_text())
    expected[0]["text"] = "Hi, where is my order?"
    (contract / "expected" / "text.json").write_text(json.dumps(expected))


def _extra_interaction(contract: Path) -> None:
    cassette = contract / "cassettes" / "send_success.yaml"
    text = cassette.read_text()
    first = text[len("interactions:\n"): text.index("version: 1")]
    cassette.write_text("interactions:\n" + first + first.replace("m.out.1", "m.out.2") + "version: 1\n")


def _case(kind: str, case_id: str, **changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(manifest: dict[str, Any]) -> None:
        for case in manifest[kind]:
            if case["id"] == case_id:
                case.update(changes)

    return change


@pytest.mark.parametrize(
    ("change", "selection", "test", "says"),
    [
        pytest.param(_golden_text_changed, "normalize", "normalize[text]",
                     '-    "text": "Hi, where is my order?",\n+    "text": "Hi, is my order on its way?"',
                     id="golden-event-differs"),
        pytest.param(_edit_manifest(lambda m: m["malformed"].append("webhooks/text.json")), "malformed",
                     "normalize.malformed[text]", "expected MalformedPayload, got 1 event(s)", id="not-malformed"),
        pytest.param(_edit_manifest(_case("send", "rate_limited", retry_after=31)), "send", "send[rate_limited]",
                     "expected RateLimited.retry_after == 31.0, got 30.0", id="retry-after-differs"),
        pytest.param(_edit_manifest(_case("send", "text", result={"message_id": "m.out.9"})), "send", "send[text]",
                     '"message_id": "m.out.9"', id="send-result-differs"),
        pytest.param(_extra_interaction, "send", "send[text]", "only 1 of 2 recorded interaction(s) were played",
                     id="interaction-not-played"),
        pytest.param(_edit_manifest(_case("media", "image", sha256="0" * 64)), "media", "media[image]",
                     "expected " + "0" * 64, id="media-bytes-differ"),
        pytest.param(_edit_manifest(_case("media", "image", mime_type="image/jpeg")), "media", "media[image]",
                     "mime type is 'image/png', expected 'image/jpeg'", id="media-type-differs"),
    ],
)
def test_a_disagreeing_expectation_fails_its_check(
    pytester: pytest.Pytester,
    fake_site: FakeSite,
    change: Callable[[Path], None],
    selection: str,
    test: str,
    says: str,
) -> None:
    change(fake_site.install())
    reprec = run_suite(pytester, "-k", selection)
    assert failed(reprec) == {f"fakechat::{test}"}
    (report,) = [r for r in reprec.getreports("pytest_runtest_logreport") if r.failed]
    assert says in str(report.longrepr)
