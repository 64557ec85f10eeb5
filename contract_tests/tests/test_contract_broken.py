"""Each broken fake channel fails exactly the check it breaks (and the checks around it still pass)."""

from __future__ import annotations

import pytest
from contract_testkit import FakeSite, failed, outcomes, run_suite

SEND_OVER_HTTP = [
    "send[text]", "send[window_closed_platform]", "send[rate_limited]", "send[permanent]", "send[transient]",
]


def ids(*names: str) -> set[str]:
    return {f"fakechat::{name}" for name in names}


@pytest.mark.parametrize(
    ("cls", "selection", "expected"),
    [
        pytest.param(
            "AcceptsTamperedChannel", "signature",
            ["signature.tampered_byte[text]", "signature.tampered_byte[batch]", "signature.tampered_byte[unicode]",
             "signature.wrong_secret[text]", "signature.wrong_secret[batch]", "signature.wrong_secret[unicode]",
             "signature.invalid[text-2]", "signature.escaped_unicode"],
            id="accepts-tampered-bodies",
        ),
        pytest.param(
            "ReserializingChannel", "signature", ["signature[unicode]", "signature.escaped_unicode"],
            id="verifies-reserialized-json",
        ),
        pytest.param(
            "NonSchemaEventsChannel", "normalize and not property",
            ["normalize[text]", "normalize[batch]", "normalize[unicode]", "normalize[partial_batch]",
             "normalize.shape[unknown_kind]", "normalize.simulate_roundtrip"],
            id="non-schema-events",
        ),
        pytest.param(
            # A mapping is refused where it is read, before any comparison: every check that reads a message fails.
            "NonSchemaMappingsChannel", "normalize and not property",
            ["normalize[text]", "normalize[batch]", "normalize[unicode]", "normalize[partial_batch]",
             "normalize.batch", "normalize.partial_batch", "normalize.shape[unknown_kind]", "normalize.no_secrets",
             "normalize.simulate_roundtrip"],
            id="non-schema-event-mappings",
        ),
        pytest.param("MappingEventsChannel", "normalize and not property", [], id="event-mappings-pass"),
        pytest.param(
            "DropsUnreadableChannel", "normalize and not property",
            ["normalize[partial_batch]", "normalize.partial_batch"],
            id="drops-an-unreadable-item-without-a-trace",
        ),
        pytest.param(
            "HidesUnknownKindsChannel", "normalize and not property", ["normalize.shape[unknown_kind]"],
            id="hides-unknown-message-kinds",
        ),
        pytest.param("DifferentBodyChannel", "send", SEND_OVER_HTTP, id="sends-a-different-body"),
        pytest.param("GlobalClientChannel", "send", SEND_OVER_HTTP, id="ignores-the-session"),
        pytest.param("MisclassifiesErrorsChannel", "send", ["send[permanent]"], id="permanent-as-invalid"),
        pytest.param("LeaksSecretChannel", "no_secrets", ["normalize.no_secrets"], id="secret-in-events"),
        pytest.param(
            "EchoesAnyTokenChannel", "handshake",
            ["handshake[refused-1]", "handshake[refused-3]", "handshake[wrong-secret]"],
            id="echoes-any-token",
        ),
        pytest.param("WrongVersionChannel", "load", ["load"], id="version-not-the-distribution's"),
        pytest.param("MisspelledHookChannel", "load or manifest", ["load"], id="misspelled-hook"),
        pytest.param("PaleAccentChannel", "load", ["load.display"], id="accent-colour-too-pale"),
    ],
)
def test_broken_channel_fails_its_check(
    pytester: pytest.Pytester, fake_site: FakeSite, cls: str, selection: str, expected: list[str]
) -> None:
    fake_site.install(cls)
    reprec = run_suite(pytester, "-k", selection)
    assert failed(reprec) == ids(*expected)


def test_a_channel_that_crashes_on_unknown_events_fails_unknown_and_the_property(
    pytester: pytest.Pytester, fake_site: FakeSite
) -> None:
    fake_site.install("CrashesOnUnknownChannel")
    result = outcomes(run_suite(pytester, "-k", "normalize and (text or unknown or malformed or mutated)"))
    assert result["fakechat::normalize.unknown[unknown_typing]"] == "failed"
    assert result["fakechat::normalize.property[mutated]"] == "failed"
    assert result["fakechat::normalize[text]"] == "passed"
    assert result["fakechat::normalize.malformed[malformed_not_json]"] == "passed"
