"""The file rules (siu_core/attachments.py) as tables: the channel's declared capability decides, before any upload."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from siu_core.attachments import (
    AttachmentRefused,
    capability_view,
    check_file,
    check_reply,
    check_request,
    safe_filename,
)
from siu_core.models import (
    AttachmentRule,
    AttachmentSupport,
    ChannelInfo,
    OutboundAttachment,
    Participant,
    ReplyRequest,
)

MB = 1024 * 1024
SUPPORT = AttachmentSupport(kinds={
    "image": AttachmentRule(content_types=["image/jpeg", "image/png"], max_bytes=5 * MB),
    "document": AttachmentRule(content_types=["application/pdf"], max_bytes=100 * MB),
}, caption=True)


def info(support: AttachmentSupport | None = SUPPORT) -> ChannelInfo:
    return ChannelInfo(name="chat", display_name="Chat", version="1", contract_version="1.4", secret_fields=[],
                       attachments=support)


@pytest.mark.parametrize(("content_type", "size", "outcome"), [
    ("image/jpeg", 1, "image"),
    ("image/png", 5 * MB, "image"),
    ("IMAGE/PNG; charset=binary", 10, "image"),
    ("application/pdf", 100 * MB, "document"),
    ("image/png", 5 * MB + 1, "too_large"),
    ("application/pdf", 100 * MB + 1, "too_large"),
    ("image/gif", 10, "unsupported_type"),
    ("text/html", 10, "unsupported_type"),
    ("image/png", 0, "empty_file"),
])
def test_a_file_is_checked_against_the_declared_rules(content_type: str, size: int, outcome: str) -> None:
    try:
        assert check_file(info(), content_type, size) == outcome
    except AttachmentRefused as exc:
        assert exc.reason == outcome


def test_a_channel_without_the_capability_takes_no_file() -> None:
    with pytest.raises(AttachmentRefused) as refused:
        check_file(info(None), "image/png", 10)
    assert refused.value.reason == "channel_cannot_attach"
    assert capability_view(None) is None


@pytest.mark.parametrize(("support", "count", "text", "outcome"), [
    (SUPPORT, 0, True, None),
    (SUPPORT, 1, True, None),
    (SUPPORT, 2, False, "too_many"),
    (SUPPORT.model_copy(update={"caption": False}), 1, True, "caption_unsupported"),
    (SUPPORT.model_copy(update={"caption": False}), 1, False, None),
    (None, 1, False, "channel_cannot_attach"),
    (None, 0, True, None),
    (SUPPORT.model_copy(update={"max_caption_length": 3}), 1, True, "caption_too_long"),
])
def test_a_reply_carries_what_the_channel_takes_at_once(support: AttachmentSupport | None, count: int, text: bool,
                                                          outcome: str | None) -> None:
    try:
        check_reply(info(support), count, text, 4 if text else 0)
        assert outcome is None
    except AttachmentRefused as exc:
        assert exc.reason == outcome


def _request(kind: str = "image", content_type: str = "image/png", text: str | None = None) -> ReplyRequest:
    item = OutboundAttachment(kind=kind, url="https://s3.example/x", content_type=content_type, size=10,  # type: ignore[arg-type]
                              filename="x.png")
    return ReplyRequest(channel="chat", account_id="a", recipient=Participant(id="c"), text=text,
                        idempotency_key="k", attachments=[item])


def test_the_last_guard_refuses_a_file_of_the_wrong_kind_and_a_plugin_without_the_capability() -> None:
    check_request(info(), _request())
    with pytest.raises(AttachmentRefused):
        check_request(info(), _request(kind="document"))
    with pytest.raises(AttachmentRefused):
        check_request(info(None), _request())


def test_a_reply_is_text_and_or_files_or_a_template() -> None:
    assert _request().text is None
    with pytest.raises(ValidationError):
        ReplyRequest(channel="chat", account_id="a", recipient=Participant(id="c"), idempotency_key="k")


def test_a_content_type_belongs_to_one_kind() -> None:
    with pytest.raises(ValidationError, match="both"):
        AttachmentSupport(kinds={"image": AttachmentRule(content_types=["image/png"], max_bytes=1),
                                 "document": AttachmentRule(content_types=["image/png"], max_bytes=1)})
    with pytest.raises(ValidationError):
        AttachmentRule(content_types=["not a type"], max_bytes=1)


def test_the_api_view_lists_kinds_limits_and_caption() -> None:
    view = capability_view(SUPPORT)
    assert view == {"kinds": {"image": {"content_types": ["image/jpeg", "image/png"], "max_bytes": 5 * MB},
                              "document": {"content_types": ["application/pdf"], "max_bytes": 100 * MB}},
                    "max_per_reply": 1, "caption": True, "max_caption_length": None}


@pytest.mark.parametrize(("given", "kept"), [
    ("photo.png", "photo.png"),
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\me\\menu.pdf", "menu.pdf"),
    ("a\u0000b\u202e.png", "ab.png"),
    (".hidden", "hidden"),
    ("", "file"),
    ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
])
def test_file_names_are_made_safe(given: str, kept: str) -> None:
    assert safe_filename(given) == kept
