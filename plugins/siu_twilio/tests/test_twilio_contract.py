"""What the contract suite does not check on Twilio's manifest: exactly which checks it skips, and which
webhook kinds and send outcomes its fixtures must cover.

The suite itself runs on these fixtures in ``make test`` (``--siu-channel all``) and in
``siu contract-test twilio``.
"""

from __future__ import annotations

from tw_testkit import CONTRACT, manifest  # type: ignore[import-not-found, unused-ignore]


def test_only_the_checks_twilio_cannot_have_are_skipped() -> None:
    assert set(manifest().skip) == {"signature.escaped_unicode", "normalize.batch", "normalize.partial_batch"}
    assert manifest().handshake.unsupported


def test_shapes_say_twilio_has_no_edits_or_deletions_and_keeps_unknown_kinds() -> None:
    shapes = manifest().shapes
    assert shapes is not None
    assert (shapes.edit.handling, shapes.deletion.handling) == ("not_on_platform", "not_on_platform")
    assert shapes.unknown_kind.handling == "unsupported"
    assert shapes.unknown_kind.webhook == "webhooks/whatsapp_unsupported.form"


def test_every_outcome_and_kind_is_covered_by_a_fixture() -> None:
    m = manifest()
    assert {c.outcome for c in m.send} == {"success", "window_closed", "permanent", "rate_limited", "transient",
                                           "invalid"}
    assert {c.id for c in m.normalize} >= {
        "sms_text", "sms_unicode", "mms_two_media", "whatsapp_text", "whatsapp_location", "whatsapp_button",
        "whatsapp_reply", "status_sent", "status_delivered", "status_read", "status_undelivered",
        "status_failed_window",
    }
    assert m.media and m.webhook_url.endswith("/webhooks/twilio")


def test_every_sample_is_a_form_and_every_normalize_case_says_so() -> None:
    m = manifest()
    assert all(case.headers.get("content-type") == "application/x-www-form-urlencoded" for case in m.normalize)
    assert all(case.headers.get("Date") for case in m.normalize)
    assert all(path.name.endswith(".form") for path in (CONTRACT / "webhooks").iterdir())


def test_no_cassette_holds_an_account_sid_or_a_basic_auth_header() -> None:
    import re

    sid = re.compile(r"AC[0-9a-f]{32}")
    for path in sorted((CONTRACT / "cassettes").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert not sid.search(text) and "Basic " not in text, path.name
