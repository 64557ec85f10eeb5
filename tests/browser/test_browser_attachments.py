"""Attachments in a real browser against ``siu dev``: the paperclip checks a file, uploads it to the emulated
S3 through the dev server (the same presigned POST as on AWS) and the photo goes out and shows in the thread."""

from __future__ import annotations

import uuid

import pytest
from browser_support import Inbox

pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package (pip install -e '.[dev]')")
from playwright.sync_api import Page, expect

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf000000030101009a6f2f6d0000000049454e44ae426082")


def test_a_teammate_sends_a_photo_and_sees_it_in_the_thread(page: Page, inbox: Inbox) -> None:
    wa = "65" + str(uuid.uuid4().int)[:9]
    inbox.customer_writes("whatsapp", "Can I see the blue one?", sender=wa, name="Ama Owusu")
    inbox.drained()
    page.goto(inbox.login_url(inbox.token("mei", "admin")))
    expect(page.locator("#list .queue-section").first).to_be_visible()
    page.goto(f"{inbox.base_url}/inbox/#/queue/{inbox.thread_of(wa)['thread_id']}")

    picker = page.locator("#reply-file")
    picker.set_input_files({"name": "page.html", "mimeType": "text/html", "buffer": b"<p>hi</p>"})
    expect(page.locator(".composer-error")).to_contain_text("does not take text/html")  # refused before upload

    picker.set_input_files({"name": "blue.png", "mimeType": "image/png", "buffer": PNG})
    expect(page.locator("#attach-status")).to_contain_text("blue.png")
    expect(page.locator("#attach-status")).to_contain_text("ready to send")
    page.get_by_label("Your reply").fill("The blue one")
    page.locator("#send-reply").click()

    shown = page.locator(".msg-out", has_text="The blue one")
    expect(shown).to_be_visible()
    expect(shown.locator("img")).to_be_visible()
    expect(page.locator("#attach-status")).to_be_empty()
    sent = [c for c in inbox.outbox() if (c.get("body") or {}).get("to") == wa]
    assert len(sent) == 1 and sent[0]["body"]["type"] == "image"
    image = sent[0]["body"]["image"]
    assert image["caption"] == "The blue one" and "/uploads/" in image["link"] and "blue.png" in image["link"]


def test_messenger_gets_the_photo_then_the_text_as_two_messages(page: Page, inbox: Inbox) -> None:
    psid = str(uuid.uuid4().int)[:16]
    inbox.customer_writes("facebook", "Do you have it in green?", sender=psid, name="Lena Vogel")
    inbox.drained()
    page.goto(inbox.login_url(inbox.token("mei", "admin")))
    expect(page.locator("#list .queue-section").first).to_be_visible()
    page.goto(f"{inbox.base_url}/inbox/#/queue/{inbox.thread_of(psid)['thread_id']}")

    page.locator("#reply-file").set_input_files({"name": "green.png", "mimeType": "image/png", "buffer": PNG})
    expect(page.locator("#attach-status")).to_contain_text("ready to send")
    page.get_by_label("Your reply").fill("Here it is in green")
    page.locator("#send-reply").click()

    expect(page.locator(".msg-out", has_text="Here it is in green")).to_be_visible()
    expect(page.get_by_label("Your reply")).to_have_value("")
    sent = [c["body"]["message"] for c in inbox.outbox()
            if c["channel"] == "facebook" and (c.get("body") or {}).get("recipient", {}).get("id") == psid]
    assert [("attachment" in m, m.get("text")) for m in sent] == [(True, None), (False, "Here it is in green")]
    assert "green.png" in sent[0]["attachment"]["payload"]["url"]
