"""LINE sends images by URL (contract 1.4): the same file as its preview, then the text, in one request."""

from __future__ import annotations

from typing import Any

import pytest
from siu_line import send, standin

from siu_core.errors import InvalidReply
from siu_core.models import ReplyRequest

URL = "https://media.example/uploads/th_1/up_1/tote.jpg"


def request(text: str | None, **item: Any) -> ReplyRequest:
    file = {"kind": "image", "url": URL, "content_type": "image/jpeg", "size": 10, "filename": "tote.jpg", **item}
    return ReplyRequest.model_validate({"channel": "line", "account_id": "Ubot", "recipient": {"id": "Ucustomer"},
                                        "idempotency_key": "k", "text": text, "attachments": [file]})


@pytest.mark.parametrize(("text", "expected"), [
    (None, [{"type": "image", "originalContentUrl": URL, "previewImageUrl": URL}]),
    ("Side view", [{"type": "image", "originalContentUrl": URL, "previewImageUrl": URL},
                   {"type": "text", "text": "Side view"}]),
])
def test_an_image_goes_first_and_the_text_after(text: str | None, expected: list[dict[str, Any]]) -> None:
    assert send.reply_messages(request(text)) == expected


def test_a_file_that_is_not_an_image_is_refused() -> None:
    with pytest.raises(InvalidReply):
        send.reply_messages(request(None, kind="document", content_type="application/pdf"))


def test_the_retry_key_names_the_file_not_its_url() -> None:
    first, again = request("x"), request("x", url=URL + "?X-Amz-Signature=other")
    assert send.retry_key(first, "Ucustomer") == send.retry_key(again, "Ucustomer")
    assert send.retry_key(first, "Ucustomer") != send.retry_key(request("x", size=11), "Ucustomer")


def test_the_stand_in_takes_an_image_message_and_refuses_one_without_a_url() -> None:
    assert standin._check_messages([{"type": "image", "originalContentUrl": URL, "previewImageUrl": URL}]) == []
    assert standin._check_messages([{"type": "image", "originalContentUrl": URL}]) != []
