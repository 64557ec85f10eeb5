"""The well-behaved fake channel passes every check, and every check shows up under its own id."""

from __future__ import annotations

import pytest
from contract_testkit import FakeSite, outcomes, run_suite


def test_good_channel_passes_every_check(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    fake_site.install()
    result = outcomes(run_suite(pytester))
    assert result.pop("fakechat::templates") == "skipped"  # the optional hook (contract 1.2) is not implemented
    assert result.pop("fakechat::acknowledge") == "skipped"  # the optional hook (contract 1.3) is not implemented
    for shape in ("edit", "deletion"):  # fakechat declares it has no edits or deletions: shown skipped, with why
        assert result.pop(f"fakechat::normalize.shape[{shape}]") == "skipped"
    assert result and set(result.values()) == {"passed"}, {k: v for k, v in result.items() if v != "passed"}
    assert sorted(result) == sorted(
        f"fakechat::{name}"
        for name in [
            "manifest", "load", "load.secrets", "load.display", "attachments.never_given",
            "handshake[valid]", "handshake[refused-1]", "handshake[refused-2]", "handshake[refused-3]",
            "handshake[wrong-secret]", "handshake[empty]",
            "signature[text]", "signature[batch]", "signature[unicode]",
            "signature.tampered_byte[text]", "signature.tampered_byte[batch]", "signature.tampered_byte[unicode]",
            "signature.wrong_secret[text]", "signature.wrong_secret[batch]", "signature.wrong_secret[unicode]",
            "signature.missing_header[text]", "signature.missing_header[batch]",
            "signature.missing_header[unicode]",
            "signature.invalid[text]", "signature.invalid[text-2]", "signature.escaped_unicode",
            "normalize[text]", "normalize[batch]", "normalize[unicode]", "normalize[partial_batch]",
            "normalize.batch", "normalize.partial_batch", "normalize.shape[unknown_kind]",
            "normalize.unknown[unknown_typing]", "normalize.unknown[unknown_incomplete_message]",
            "normalize.malformed[malformed_not_json]", "normalize.malformed[malformed_wrong_object]",
            "normalize.no_secrets", "normalize.simulate_roundtrip",
            "normalize.property[json]", "normalize.property[mutated]", "normalize.property[bytes]",
            "send[text]", "send[window_closed_local]", "send[window_closed_platform]", "send[rate_limited]",
            "send[permanent]", "send[transient]", "send[invalid_blank]",
            "media[image]",
            "hygiene[cassettes/send_success.yaml]", "hygiene[cassettes/send_no_call.yaml]",
            "hygiene[cassettes/send_window_closed.yaml]", "hygiene[cassettes/send_rate_limited.yaml]",
            "hygiene[cassettes/send_permanent.yaml]", "hygiene[cassettes/send_transient.yaml]",
            "hygiene[cassettes/media_image.yaml]", "hygiene[fixtures]",
        ]
    )
