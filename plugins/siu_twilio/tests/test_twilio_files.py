"""Twilio sends files by ``MediaUrl`` (contract 1.4), the Body as caption, inside WhatsApp's window too."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from siu_twilio import send, standin
from siu_twilio.config import read_settings

from siu_core.errors import WindowClosed
from siu_core.models import ReplyRequest

URL = "https://media.example/uploads/th_1/up_1/menu.pdf"


def request(recipient: str, text: str | None, **kw: Any) -> ReplyRequest:
    file = {"kind": "document", "url": URL, "content_type": "application/pdf", "size": 10, "filename": "menu.pdf"}
    return ReplyRequest.model_validate({"channel": "twilio", "account_id": "14155238886",
                                        "recipient": {"id": recipient}, "idempotency_key": "k", "text": text,
                                        "attachments": [file], **kw})


@pytest.mark.parametrize(("text", "expected"), [
    (None, [("To", "+14155550123"), ("From", "+14155238886"), ("MediaUrl", URL)]),
    ("Menu", [("To", "+14155550123"), ("From", "+14155238886"), ("MediaUrl", URL), ("Body", "Menu")]),
])
def test_a_file_goes_as_media_url_with_the_body(text: str | None, expected: list[tuple[str, str]]) -> None:
    assert send.build_params(request("14155550123", text), read_settings({})) == expected


def test_a_file_to_whatsapp_waits_for_the_window_like_text() -> None:
    late = request("whatsapp:5511987654321", None, last_inbound_at="2026-02-08T09:00:00Z",
                   requested_at="2026-02-10T09:00:00Z")
    with pytest.raises(WindowClosed):
        send.build_params(late, read_settings({}))


def test_the_stand_in_counts_the_media_and_refuses_a_bad_url() -> None:
    form = standin._form(urlencode([("To", "+1"), ("From", "+2"), ("MediaUrl", URL)]).encode())
    assert form is not None
    created = standin.create_message("AC1", form)
    assert created.status == 201 and isinstance(created.body, dict) and created.body["num_media"] == "1"
    bad = standin._form(urlencode([("To", "+1"), ("From", "+2"), ("MediaUrl", "file:///etc/passwd")]).encode())
    assert bad is not None and standin.create_message("AC1", bad).status == 400
