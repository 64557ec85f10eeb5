"""What the contract suite does not check on Telegram's manifest: exactly which checks it skips, and
which update kinds and send outcomes its fixtures must cover.

The suite itself runs on these fixtures in ``make test`` (``--siu-channel all``) and in
``siu contract-test telegram``. The ``contract_suite(...)`` one-liner a plugin repository adds is
tested in ``contract_tests/tests``; here it would only run the whole suite a second time.
"""

from __future__ import annotations

from tg_testkit import manifest  # type: ignore[import-not-found, unused-ignore]  # tests/ is on sys.path


def test_only_the_checks_telegram_cannot_have_are_skipped() -> None:
    skipped = manifest().skip
    assert set(skipped) == {"signature.tampered_byte", "signature.escaped_unicode", "send.window_closed",
                            "normalize.partial_batch"}
    assert manifest().handshake.unsupported


def test_edits_deletions_and_unknown_kinds_are_declared() -> None:
    shapes = manifest().shapes
    assert shapes is not None
    assert (shapes.edit.handling, shapes.deletion.handling, shapes.unknown_kind.handling) == (
        "event", "not_on_platform", "unsupported")


def test_every_outcome_and_kind_is_covered_by_a_fixture() -> None:
    m = manifest()
    assert {c.outcome for c in m.send} == {"success", "permanent", "rate_limited", "transient", "invalid"}
    assert {c.id for c in m.normalize} >= {
        "text", "photo", "voice", "audio", "video", "document", "sticker", "location", "venue", "contact",
        "reply", "forwarded", "edited", "reaction_added", "reaction_changed", "reaction_removed",
    }
    assert m.media and m.account_id == m.secrets["bot_id"]
