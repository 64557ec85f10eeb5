"""Telegram sends a file by URL with the method of its kind (contract 1.4), the text as its caption."""

from __future__ import annotations

import json
from typing import Any

import pytest
from siu_telegram import send, standin

from siu_core.errors import InvalidReply
from siu_core.models import ReplyRequest

URL = "https://media.example/uploads/th_1/up_1/f"


def request(kind: str, content_type: str, text: str | None = None) -> ReplyRequest:
    file = {"kind": kind, "url": URL, "content_type": content_type, "size": 10, "filename": "f"}
    return ReplyRequest.model_validate({"channel": "telegram", "account_id": "7", "recipient": {"id": "42"},
                                        "idempotency_key": "k", "text": text, "attachments": [file]})


@pytest.mark.parametrize(("kind", "content_type", "method", "field"), [
    ("image", "image/png", "sendPhoto", "photo"), ("document", "application/pdf", "sendDocument", "document"),
    ("video", "video/mp4", "sendVideo", "video"), ("audio", "audio/mpeg", "sendAudio", "audio"),
])
def test_each_kind_has_its_method(kind: str, content_type: str, method: str, field: str) -> None:
    assert send.build_call(request(kind, content_type, "hi")) == (method, {"chat_id": 42, field: URL,
                                                                           "caption": "hi"})


def test_a_caption_over_1024_characters_is_refused_before_http() -> None:
    with pytest.raises(InvalidReply):
        send.build_call(request("image", "image/png", "x" * 1025))


def test_the_stand_in_answers_a_photo_by_url_and_refuses_one_without() -> None:
    def call(params: dict[str, Any]) -> Any:
        return standin.stand_in_response("POST", "/bot123:abc/sendPhoto", {}, json.dumps(params).encode())

    ok = call({"chat_id": 42, "photo": URL})
    assert ok is not None and ok.status == 200 and isinstance(ok.body, dict) and ok.body["result"]["photo"]
    refused = call({"chat_id": 42})
    assert refused is not None and refused.status == 400
