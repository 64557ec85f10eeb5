"""Write the WhatsApp plugin's contract fixtures from the hand-written samples below.

    .venv/bin/python plugins/siu_whatsapp/tools/build_fixtures.py            # bodies, cassettes, manifest
    .venv/bin/python plugins/siu_whatsapp/tools/build_fixtures.py --approve  # also (re)write expected/

The samples follow Meta's documented payloads (``shared/reference/meta-platforms.md`` §2.3 and §3.3),
with Meta's dummy ids and the fake secrets in :data:`SECRETS`. Bodies are serialized the way Meta
sends them (compact, ASCII-escaped, ``\\/``) and signed with the fake app secret, so the signature
golden vectors always match their bodies. The cassettes are written by hand in vcrpy's format from
the documented request and answer shapes, as they would look after scrubbing: no Authorization
header and no token anywhere. Expected events are only rewritten with ``--approve``: review the
diff of ``expected/`` before committing it, since those files are the golden contract.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sys
from pathlib import Path
from typing import Any

from siu_meta.graph import sign_body
from siu_whatsapp.normalize import normalize_body
from siu_whatsapp.simulate import meta_json
from vcr.serializers import yamlserializer

from siu_core.models import Unreadable, dump_event

ROOT = Path(__file__).resolve().parent.parent / "siu_whatsapp" / "contract"

SECRETS = {
    "app_secret": "wa-fake-app-secret-0123456789abcdef",
    "verify_token": "wa-fake-verify-token",
    "access_token": "EAAfakeWhatsAppAccessTokenForContractTests",
    "phone_number_id": "106540352242922",
    "business_account_id": "102290129340398",
}
WABA = SECRETS["business_account_id"]
PNID = SECRETS["phone_number_id"]
DISPLAY = "15550783881"
GRAPH = "https://graph.facebook.com/v25.0"
SETTINGS = {"templates": [{"name": "order_update", "language": "en_US", "param_count": 1}]}

SHEENA = "16505551234"
OMAR = "971501234567"
BSUID_SHEENA = "US.13491208655302741918"
BSUID_ANA = "BR.27361508290011234567"


# --- payload helpers -----------------------------------------------------------------------------


def value(**parts: Any) -> dict[str, Any]:
    """A ``messages`` change value with Meta's metadata first, as Meta orders it."""
    return {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": DISPLAY, "phone_number_id": PNID},
        **parts,
    }


def change(val: dict[str, Any], field: str = "messages") -> dict[str, Any]:
    """One element of ``entry[].changes``."""
    return {"value": val, "field": field}


def envelope(*entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The webhook: one entry per list of changes, all for the same WABA."""
    return {"object": "whatsapp_business_account", "entry": [{"id": WABA, "changes": list(c)} for c in entries]}


def contact(
    wa_id: str | None, name: str | None, *, user_id: str | None = None, username: str | None = None
) -> dict[str, Any]:
    """A ``contacts[]`` item, with the 2026 BSUID fields when given."""
    profile: dict[str, Any] = {}
    if name:
        profile["name"] = name
    if username:
        profile["username"] = username
    out: dict[str, Any] = {"profile": profile}
    if wa_id:
        out["wa_id"] = wa_id
    if user_id:
        out["user_id"] = user_id
    return out


def inbound(msg: dict[str, Any], who: str = SHEENA, name: str = "Sheena Nelson") -> dict[str, Any]:
    """A one-message webhook from one customer."""
    return envelope([change(value(contacts=[contact(who, name)], messages=[{"from": who, **msg}]))])


def msg(mid: str, ts: str, kind: str, **body: Any) -> dict[str, Any]:
    """A ``messages[]`` item without its sender."""
    return {"id": mid, "timestamp": ts, "type": kind, **body}


# --- normalize samples ---------------------------------------------------------------------------

W = "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="
OUT1 = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA"
OUT2 = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJEQzE4QTc0RDg5QTkzMDQyRkQA"

NORMALIZE: dict[str, tuple[str, dict[str, Any]]] = {
    "text": (
        "Meta's text example (2.3.1)",
        envelope(
            [
                change(
                    value(
                        contacts=[contact(SHEENA, "Sheena Nelson")],
                        messages=[
                            {
                                "from": SHEENA,
                                **msg(W, "1749416383", "text", text={"body": "Does it come in another color?"}),
                            }
                        ],
                    )
                )
            ]
        ),
    ),
    "text_unicode": (
        "non-ASCII text arrives \\u-escaped; the signature covers the escaped bytes",
        inbound(
            msg(
                "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUI1QkE3RTU5NkYxNzhFMDU4RgA=",
                "1749416500",
                "text",
                text={
                    "body": "Gr\u00fc\u00dfe! Gibt es die Tasche in Gr\u00fcn? \u00e4\u00f6\u00e5 \U0001f62e "
                    "<b>50%</b> off @ https://shop.example/bag"
                },
            ),
            name="J\u00fcrgen M\u00fcller",
        ),
    ),
    "image": (
        "media arrives as an id, caption carried as text too",
        inbound(
            msg(
                "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ3QjE5QzBFRjFBNjBBMDE4MjVBRgA=",
                "1749416600",
                "image",
                image={
                    "caption": "Is this the one?",
                    "mime_type": "image/jpeg",
                    "sha256": "u9NZb4Y1MZpShOm3d1dNAf6Rj/Z7A2tvPQzMrcpWgdQ=",
                    "id": "1013859600285441",
                },
            )
        ),
    ),
    "audio_voice": (
        "a voice note (audio with voice: true)",
        inbound(
            msg(
                "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ1NjA2RTgzN0M0MEUyODJEQzBBQgA=",
                "1749416700",
                "audio",
                audio={
                    "mime_type": "audio/ogg; codecs=opus",
                    "sha256": "Gx2y3ZzjS1H2CZQ4kCRl6lWyq3J5ubnk7CAj0w3xw1o=",
                    "id": "1234567890987654321",
                    "voice": True,
                },
            )
        ),
    ),
    "video": (
        "a video with a caption",
        inbound(
            msg(
                "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ0QTNGRDk2NkE4NTNGQzg4RkE1RgA=",
                "1749416800",
                "video",
                video={
                    "caption": "It arrived like this",
                    "mime_type": "video/mp4",
                    "sha256": "YzZkMjRjYzQ0YjA5N2E1ZmFmYjM3ZTI1YjkxNzg4ZWY=",
                    "id": "765756756",
                },
            )
        ),
    ),
    "document_forwarded": (
        "a forwarded PDF: document -> kind file, filename kept",
        inbound(
            {
                "context": {"forwarded": True},
                **msg(
                    "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ4RjU3MUIzQjVDMUE2NUYwMDFCNAA=",
                    "1749416900",
                    "document",
                    document={
                        "caption": "my invoice",
                        "filename": "invoice-1042.pdf",
                        "mime_type": "application/pdf",
                        "sha256": "Yb2cFs0+AkP1KxqSwbwz4xT3Fq3kKXnU9sh7NBxNmv8=",
                        "id": "1234567890987654322",
                    },
                ),
            }
        ),
    ),
    "sticker": (
        "a sticker",
        inbound(
            msg(
                "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ2RkI2MzlGNjNCQUQyMkI3QzFEQQA=",
                "1749417000",
                "sticker",
                sticker={
                    "mime_type": "image/webp",
                    "sha256": "K2t6bJ8tG0a1mZ1yVQ9l0pYb9m9m7Q3bq2s5h2p0wzE=",
                    "id": "1133446688",
                    "animated": False,
                },
            )
        ),
    ),
    "location": (
        "a named place and a bare current-location share",
        envelope(
            [
                change(
                    value(
                        contacts=[contact(SHEENA, "Sheena Nelson")],
                        messages=[
                            {
                                "from": SHEENA,
                                **msg(
                                    "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ5QjRDNjBBRDI3OEM1QjlDQzY0OAA=",
                                    "1749417100",
                                    "location",
                                    location={
                                        "latitude": 37.4611978,
                                        "longitude": -122.2164385,
                                        "name": "Facebook HQ",
                                        "address": "1 Hacker Way, Menlo Park, CA 94025",
                                        "url": "https://maps.google.com/?cid=2000000000000000000",
                                    },
                                ),
                            },
                            {
                                "from": SHEENA,
                                **msg(
                                    "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQxRDM3QkE5RkZCNDZCMjk4RjY2QwA=",
                                    "1749417110",
                                    "location",
                                    location={"latitude": 52.520008, "longitude": 13.404954},
                                ),
                            },
                        ],
                    )
                )
            ]
        ),
    ),
    "contacts": (
        "a shared contact card with two phones and an email",
        inbound(
            msg(
                "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ3RTZGNTJFNjRDQzBCODFGQUQ1RQA=",
                "1749417200",
                "contacts",
                contacts=[
                    {
                        "name": {"first_name": "Chandler", "last_name": "Bing", "formatted_name": "Chandler Bing"},
                        "phones": [
                            {"phone": "+1 555-555-5555", "wa_id": "15555555555", "type": "CELL"},
                            {"phone": "+1 555-555-0000", "type": "WORK"},
                        ],
                        "emails": [{"email": "chandler@example.com", "type": "WORK"}],
                    }
                ],
            )
        ),
    ),
    "reaction": (
        "a reaction points at an earlier message: an annotation, not a message",
        inbound(
            msg(
                "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQwQUE3RjQ0MkE3NjNEM0Y0NjE3OAA=",
                "1749417300",
                "reaction",
                reaction={"message_id": OUT1, "emoji": "\U0001f62e"},
            )
        ),
    ),
    "reaction_removed": (
        "removal arrives without emoji (or with an empty one): unreact",
        envelope(
            [
                change(
                    value(
                        contacts=[contact(SHEENA, "Sheena Nelson")],
                        messages=[
                            {
                                "from": SHEENA,
                                **msg(
                                    "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQyQzFCRTdGRDE2NDhGMTQ3MzNBOQA=",
                                    "1749417400",
                                    "reaction",
                                    reaction={"message_id": OUT1},
                                ),
                            },
                            {
                                "from": SHEENA,
                                **msg(
                                    "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ0QkFDRDZENDE0RUExRTgwOUY3NgA=",
                                    "1749417410",
                                    "reaction",
                                    reaction={"message_id": OUT2, "emoji": ""},
                                ),
                            },
                        ],
                    )
                )
            ]
        ),
    ),
    "interactive_button_reply": (
        "a reply button tap, replying to the business's interactive message",
        inbound(
            {
                "context": {"from": DISPLAY, "id": OUT1},
                **msg(
                    "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ3QjRERjNCMTY1QzFBMzlFNjNGNgA=",
                    "1749417500",
                    "interactive",
                    interactive={
                        "type": "button_reply",
                        "button_reply": {"id": "track_order", "title": "Track my order"},
                    },
                ),
            }
        ),
    ),
    "interactive_list_reply": (
        "a list row pick",
        inbound(
            {
                "context": {"from": DISPLAY, "id": OUT2},
                **msg(
                    "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ2MDg0NkE1N0JCODQ2MjY0NUEwMwA=",
                    "1749417600",
                    "interactive",
                    interactive={
                        "type": "list_reply",
                        "list_reply": {"id": "size_m", "title": "Size M", "description": "Fits 38-40"},
                    },
                ),
            }
        ),
    ),
    "template_button": (
        "a template quick-reply button (type button)",
        inbound(
            {
                "context": {"from": DISPLAY, "id": OUT1},
                **msg(
                    "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ1RTQ2QjUxMTk2MDVBQ0RBNUI2OAA=",
                    "1749417700",
                    "button",
                    button={"payload": "STOP_PROMOS", "text": "Stop promotions"},
                ),
            }
        ),
    ),
    "order": (
        "an order from the catalog",
        inbound(
            msg(
                "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ5RjBBNjNFMEI2MTA4NjY5N0YzNQA=",
                "1749417800",
                "order",
                order={
                    "catalog_id": "354160437058781",
                    "text": "",
                    "product_items": [
                        {"product_retailer_id": "BAG-GREEN", "quantity": 1, "item_price": 89.5, "currency": "EUR"},
                        {"product_retailer_id": "STRAP-M", "quantity": 2, "item_price": 12, "currency": "EUR"},
                    ],
                },
            )
        ),
    ),
    "unsupported": (
        "an unsupported message with Meta's error",
        inbound(
            {
                **msg("wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzRjE4QjI3OUQ2NjA3RjYwQjM0NgA=", "1749417900", "unsupported"),
                "errors": [
                    {
                        "code": 131051,
                        "title": "Message type unknown",
                        "message": "Message type unknown",
                        "error_data": {"details": "Message type is currently not supported."},
                    }
                ],
            }
        ),
    ),
    "unknown_type": (
        "the older type unknown with an inline error: shown as unsupported, code and title kept",
        inbound(
            {
                **msg("wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ0QjI5QzM4QUU3NzE4MDcxQzQ1NwA=", "1749417910", "unknown"),
                "errors": [
                    {
                        "code": 131051,
                        "details": "Message type is not currently supported",
                        "title": "Unsupported message type",
                    }
                ],
            }
        ),
    ),
    "edit": (
        "the customer edited a text: an edit event of the original message, with the new text",
        inbound(
            msg(
                "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ1QzNBRDQ5QkY4ODI5MTgyRDU2OAA=",
                "1749416500",
                "edit",
                edit={
                    "original_message_id": W,
                    "message": {"type": "text", "text": {"body": "Does it come in green?"}},
                },
            )
        ),
    ),
    "edit_caption": (
        "the customer edited an image's caption: the edit carries the new caption",
        inbound(
            msg(
                "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ2RDRCRTVBQzk5OTNBMjkzRTY3OQA=",
                "1749416600",
                "edit",
                edit={
                    "original_message_id": "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzRTE1QjI0QUQ3NTMwNjUwQjE3MwA=",
                    "message": {
                        "type": "image",
                        "image": {
                            "caption": "The strap is torn here",
                            "mime_type": "image/jpeg",
                            "id": "1479537139650973",
                        },
                    },
                },
            )
        ),
    ),
    "revoke": (
        "the customer deleted a message for everyone: an unsend of the original message",
        inbound(
            msg(
                "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ3RTVDRjZCRDBBQTRCM0E0Rjc4QQA=",
                "1749416700",
                "revoke",
                revoke={"original_message_id": W},
            )
        ),
    ),
    "flow_reply": (
        "a WhatsApp Flow answer (interactive nfm_reply): the response_json answers kept, the flow token not",
        inbound(
            {
                "context": {"from": DISPLAY, "id": OUT1},
                **msg(
                    "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ4RjZEMDdDRTFCQjVDNEI1MDg5QgA=",
                    "1749418000",
                    "interactive",
                    interactive={
                        "type": "nfm_reply",
                        "nfm_reply": {
                            "name": "flow",
                            "body": "Sent",
                            "response_json": json.dumps(
                                {
                                    "flow_token": "AQAAAAACS5FpgQ_cAAAAAD0QI3s.",
                                    "delivery_rating": "4",
                                    "comment_text": "Arrived a day late but well packed",
                                    "recommend": True,
                                },
                                separators=(",", ":"),
                            ),
                        },
                    },
                ),
            }
        ),
    ),
    "partial_batch": (
        "a batch with two unreadable items (not an object; a text without an id) between good ones: "
        "the good ones are kept, the bad ones set aside",
        envelope(
            [
                change(
                    value(
                        contacts=[contact(SHEENA, "Sheena Nelson")],
                        messages=[
                            {"from": SHEENA, **msg(OUT2.replace("ARGBJ", "ASGBQ"), "1749418100", "text",
                                                   text={"body": "Is the shop open on Sunday?"})},
                            "wamid.not-an-object",
                            {"from": SHEENA, "timestamp": "1749418101", "type": "text", "text": {"body": "no id"}},
                            {"from": SHEENA, **msg(OUT1.replace("ARGBI", "ASGBQ"), "1749418102", "text",
                                                   text={"body": "And on holidays?"})},
                        ],
                    )
                )
            ]
        ),
    ),
    "referral": (
        "a Click-to-WhatsApp ad referral on a text message",
        inbound(
            {
                "referral": {
                    "source_url": "https://fb.me/3cr4Wqqkv",
                    "source_id": "120214123456780123",
                    "source_type": "ad",
                    "headline": "Summer bags -20%",
                    "body": "Tap to chat with us",
                    "media_type": "image",
                    "image_url": "https://scontent.xx.fbcdn.net/v/t45.1600-4/ad.jpg",
                    "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-RM",
                },
                **msg(
                    "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQxNjNBQjI1NzJDQ0MxQUU1MEMwQwA=",
                    "1749418000",
                    "text",
                    text={"body": "Hi! I saw your ad, is the green bag in stock?"},
                ),
            },
            who=OMAR,
            name="Omar",
        ),
    ),
    "reply_context": (
        "a text replying to an earlier message: reply_to",
        inbound(
            {
                "context": {"from": DISPLAY, "id": OUT1},
                **msg(
                    "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ0RDZCMDVCNUJGNkYwNkUwRUI5MgA=",
                    "1749418100",
                    "text",
                    text={"body": "Perfect, thanks!"},
                ),
            }
        ),
    ),
    "statuses": (
        "sent (with conversation and pricing), delivered, read, played",
        envelope(
            [
                change(
                    value(
                        statuses=[
                            {
                                "id": OUT1,
                                "status": "sent",
                                "timestamp": "1750030073",
                                "recipient_id": SHEENA,
                                "conversation": {
                                    "id": "72b14d6bd5407799e66f64d1b338e567",
                                    "expiration_timestamp": "1750116480",
                                    "origin": {"type": "service"},
                                },
                                "pricing": {
                                    "billable": False,
                                    "pricing_model": "PMP",
                                    "type": "free_customer_service",
                                    "category": "service",
                                },
                            },
                            {"id": OUT1, "status": "delivered", "timestamp": "1750030075", "recipient_id": SHEENA},
                            {"id": OUT1, "status": "read", "timestamp": "1750030190", "recipient_id": SHEENA},
                            {"id": OUT2, "status": "played", "timestamp": "1750030400", "recipient_id": SHEENA},
                        ],
                    )
                )
            ]
        ),
    ),
    "status_failed": (
        "Meta's failed-status example: the error travels with the status",
        envelope(
            [
                change(
                    value(
                        statuses=[
                            {
                                "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA",
                                "status": "failed",
                                "timestamp": "1751142888",
                                "recipient_id": SHEENA,
                                "errors": [
                                    {
                                        "code": 131049,
                                        "title": "This message was not delivered to maintain healthy "
                                        "ecosystem engagement.",
                                        "message": "This message was not delivered to maintain healthy "
                                        "ecosystem engagement.",
                                        "error_data": {
                                            "details": "In order to maintain a healthy ecosystem engagement, the "
                                            "message failed to be delivered."
                                        },
                                        "href": "/documentation/business-messaging/whatsapp/support/error-codes",
                                    }
                                ],
                            }
                        ],
                    )
                )
            ]
        ),
    ),
    "platform_errors": (
        "value.errors beside a bodiless message: an account-level error and an unsupported "
        "message, stamped with the payload's time",
        envelope(
            [
                change(
                    value(
                        contacts=[contact(SHEENA, "Sheena Nelson")],
                        messages=[
                            {
                                "from": SHEENA,
                                **msg(
                                    "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ3QTNBNzNDRUQ0OThBRjBDRDY5OQA=",
                                    "1749418200",
                                    "interactive",
                                ),
                            }
                        ],
                        errors=[
                            {
                                "code": 131000,
                                "title": "Something went wrong",
                                "message": "Something went wrong",
                                "error_data": {"details": "Unsupported webhook payload"},
                                "href": "/documentation/business-messaging/whatsapp/support/error-codes",
                            }
                        ],
                    )
                )
            ]
        ),
    ),
    "echo": (
        "smb_message_echoes: what the business sent from the WhatsApp Business app",
        envelope(
            [
                change(
                    value(
                        message_echoes=[
                            {
                                "from": DISPLAY,
                                "to": SHEENA,
                                "id": "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJBRjM3RjEyRTg0QjhGMjM3QkEA",
                                "timestamp": "1749418300",
                                "type": "text",
                                "text": {"body": "We open at 9 tomorrow."},
                            },
                            {
                                "from": DISPLAY,
                                "to": SHEENA,
                                "id": "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJDMzE3RjA5MzE1QkI0NDhBMjgA",
                                "timestamp": "1749418310",
                                "type": "image",
                                "image": {
                                    "mime_type": "image/jpeg",
                                    "sha256": "dGhpcyBpcyBub3QgYSByZWFsIGhhc2ggYXQgYWxsIQ==",
                                    "id": "2233445566",
                                },
                            },
                        ],
                    ),
                    field="smb_message_echoes",
                )
            ]
        ),
    ),
    "bsuid_users": (
        "username users without from/wa_id are keyed on the BSUID; a phone user who also has a "
        "BSUID gets the BSUID on every event, statuses included",
        envelope(
            [
                change(
                    value(
                        contacts=[
                            contact(None, "Ana", user_id=BSUID_ANA, username="ana.costa"),
                            contact(SHEENA, "Sheena Nelson", user_id=BSUID_SHEENA),
                        ],
                        messages=[
                            {
                                "from_user_id": BSUID_ANA,
                                **msg(
                                    "wamid.HBgMVVNFUk5BTUVfQU5BFQIAEhgUM0ZCMDU2QTQ1N0Q3QTNFMTdCNzQA",
                                    "1749418400",
                                    "text",
                                    text={"body": "Oi! Do you ship to Brazil?"},
                                ),
                            },
                            {
                                "from": SHEENA,
                                "from_user_id": BSUID_SHEENA,
                                **msg(
                                    "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQyRUY3QzhFRjk0QjY0QTM4RjM0NAA=",
                                    "1749418410",
                                    "text",
                                    text={"body": "And in blue?"},
                                ),
                            },
                        ],
                    )
                ),
                change(
                    value(
                        statuses=[
                            {
                                "id": OUT2,
                                "status": "delivered",
                                "timestamp": "1749418420",
                                "recipient_user_id": BSUID_ANA,
                            },
                            {
                                "id": OUT1,
                                "status": "failed",
                                "timestamp": "1749418430",
                                "recipient_id": SHEENA,
                                "errors": [
                                    {
                                        "code": 131026,
                                        "title": "Message undeliverable",
                                        "message": "Message undeliverable",
                                        "error_data": {"details": "Message Undeliverable."},
                                    }
                                ],
                            },
                        ],
                    )
                ),
            ]
        ),
    ),
    "batch": (
        "several entries, changes, messages and statuses in one POST, and an ignored field among them",
        envelope(
            [
                change(
                    value(
                        contacts=[contact(SHEENA, "Sheena Nelson"), contact(OMAR, "Omar")],
                        messages=[
                            {
                                "from": SHEENA,
                                **msg(
                                    "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQxMUExQjFDMUQxRTFGMTExMjEzMQA=",
                                    "1749419000",
                                    "text",
                                    text={"body": "First question"},
                                ),
                            },
                            {
                                "from": OMAR,
                                **msg(
                                    "wamid.HBgMOTcxNTAxMjM0NTY3FQIAEhgUMjJBMkIyQzJEMkUyRjIyMjIzMgA=",
                                    "1749419001",
                                    "text",
                                    text={"body": "Hello from Dubai"},
                                ),
                            },
                            {
                                "from": SHEENA,
                                **msg(
                                    "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzM0EzQjNDM0QzRTNGMzMzMjMzMwA=",
                                    "1749419002",
                                    "reaction",
                                    reaction={"message_id": OUT1, "emoji": "\u2764\ufe0f"},
                                ),
                            },
                        ],
                    )
                ),
                change(
                    value(
                        statuses=[
                            {"id": OUT1, "status": "delivered", "timestamp": "1749419003", "recipient_id": SHEENA},
                            {"id": OUT2, "status": "read", "timestamp": "1749419004", "recipient_id": OMAR},
                        ],
                    )
                ),
            ],
            [
                change({"phone_number": DISPLAY, "event": "VERIFIED_ACCOUNT"}, field="account_update"),
                change(
                    value(
                        contacts=[contact(SHEENA, "Sheena Nelson")],
                        messages=[
                            {
                                "from": SHEENA,
                                **msg(
                                    "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ0NEE0QjRDNEQ0RTRGNDQ0MjQ0NAA=",
                                    "1749419005",
                                    "text",
                                    text={"body": "Second entry"},
                                ),
                            }
                        ],
                    )
                ),
                change(
                    value(
                        message_echoes=[
                            {
                                "from": DISPLAY,
                                "to": OMAR,
                                "id": "wamid.HBgMOTcxNTAxMjM0NTY3FQIAERgSNTVBNUI1QzVENUU1RjU1NTUA",
                                "timestamp": "1749419006",
                                "type": "text",
                                "text": {"body": "Answered from the phone app"},
                            }
                        ],
                    ),
                    field="smb_message_echoes",
                ),
            ],
        ),
    ),
}

UNKNOWN: dict[str, dict[str, Any]] = {
    "field_account_update": {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": WABA,
                "time": 1749419100,
                "changes": [change({"phone_number": DISPLAY, "event": "VERIFIED_ACCOUNT"}, field="account_update")],
            }
        ],
    },
    "field_template_status": envelope(
        [
            change(
                {
                    "event": "APPROVED",
                    "message_template_id": 123456789,
                    "message_template_name": "order_update",
                    "message_template_language": "en_US",
                    "reason": "NONE",
                },
                field="message_template_status_update",
            )
        ]
    ),
    "field_history": envelope(
        [
            change(
                {
                    "messaging_product": "whatsapp",
                    "metadata": {"phone_number_id": PNID},
                    "history": [{"metadata": {"phase": 0, "chunk_order": 1, "progress": 10}, "threads": []}],
                },
                field="history",
            )
        ]
    ),
    "message_types_unknown": envelope(
        [
            change(
                value(
                    contacts=[contact(SHEENA, "Sheena Nelson")],
                    messages=[
                        {
                            "from": SHEENA,
                            **msg(
                                "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ1NUE1QjVDNUQ1RTVGNTU1MjU1NQA=",
                                "1749419200",
                                "typing",
                                typing={"state": "composing"},
                            ),
                        },
                        {
                            "from": SHEENA,
                            **msg(
                                "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ2NkE2QjZDNkQ2RTZGNjY2MjY2NgA=",
                                "1749419201",
                                "system",
                                system={"body": "User changed number", "type": "user_changed_number"},
                            ),
                        },
                        {
                            "from": SHEENA,
                            **msg(
                                "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQ3N0E3QjdDN0Q3RTdGNzc3Mjc3NwA=",
                                "1749419202",
                                "request_welcome",
                            ),
                        },
                    ],
                )
            )
        ]
    ),
    "status_unknown": envelope(
        [change(value(statuses=[{"id": OUT1, "status": "deleted", "timestamp": "1749419300", "recipient_id": SHEENA}]))]
    ),
    "entry_empty": {"object": "whatsapp_business_account", "entry": []},
    "changes_empty": envelope([]),
}

MALFORMED: dict[str, bytes] = {
    "empty.txt": b"",
    "not_json.txt": b"hub.mode=subscribe&this=is+not+json",
    "json_array.json": b'[{"object":"whatsapp_business_account"}]',
    "wrong_object.json": meta_json({"object": "page", "entry": []}),
    "entry_not_list.json": meta_json({"object": "whatsapp_business_account", "entry": {"id": WABA}}),
    "value_null.json": meta_json(envelope([{"value": None, "field": "messages"}])),
    "messages_not_list.json": meta_json(envelope([change(value(messages={"id": W}))])),
    "metadata_missing.json": meta_json(envelope([change({"messaging_product": "whatsapp", "messages": []})])),
    "entry_item_string.json": meta_json({"object": "whatsapp_business_account", "entry": ["102290129340398"]}),
    "nested_too_deep.json": b"[" * 5_000 + b"]" * 5_000,
    "invalid_utf8.json": b'{"object":"whatsapp_business_account","entry":[],"x":"\xff\xfe"}',
}


# --- send cassettes ------------------------------------------------------------------------------


def post(body: dict[str, Any], status: int, answer: Any, reason: str = "OK") -> dict[str, Any]:
    """One recorded POST to the messages endpoint, as vcrpy stores it (scrubbed)."""
    raw = json.dumps(body)  # exactly what requests sends for json=...
    return {
        "request": {
            "body": raw,
            "headers": {
                "Accept": ["*/*"],
                "Content-Length": [str(len(raw.encode()))],
                "Content-Type": ["application/json"],
            },
            "method": "POST",
            "uri": f"{GRAPH}/{PNID}/messages",
        },
        "response": _response(
            status, reason, json.dumps(answer, separators=(",", ":")), "application/json; charset=UTF-8"
        ),
    }


def get(uri: str, status: int, body: str | bytes, content_type: str) -> dict[str, Any]:
    """One recorded GET (media lookup or download), scrubbed."""
    return {
        "request": {"body": None, "headers": {"Accept": ["*/*"]}, "method": "GET", "uri": uri},
        "response": _response(status, "OK", body, content_type),
    }


def _response(status: int, reason: str, body: str | bytes, content_type: str) -> dict[str, Any]:
    """Text bodies stay readable text (so hygiene scans see them); only real binary is base64."""
    size = len(body.encode("utf-8")) if isinstance(body, str) else len(body)
    return {
        "body": {"string": body},
        "headers": {
            "Content-Type": [content_type],
            "facebook-api-version": ["v25.0"],
            "x-fb-trace-id": ["AbCdEfGhIjK"],
            "Content-Length": [str(size)],
        },
        "status": {"code": status, "message": reason},
    }


def graph_error(code: int, message: str, details: str, subcode: int | None = None) -> dict[str, Any]:
    """Meta's Cloud API error envelope."""
    err: dict[str, Any] = {
        "message": f"(#{code}) {message}",
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details},
    }
    if subcode is not None:
        err["error_subcode"] = subcode
    err["fbtrace_id"] = "A1B2C3D4E5F6G7H8"
    return {"error": err}


def text_body(to: str, body: str, reply_to: str | None = None) -> dict[str, Any]:
    """The request body send.build_payload must produce for a text reply (written out independently)."""
    out: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"body": body},
    }
    if reply_to:
        out["context"] = {"message_id": reply_to}
    return out


def sent(to: str, wamid: str, **extra: str) -> dict[str, Any]:
    """A successful send answer."""
    return {
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": to}],
        "messages": [{"id": wamid, **extra}],
    }


RECIPIENT = {"id": SHEENA, "name": "Sheena Nelson", "phone": SHEENA}
BASE_REQUEST = {"channel": "whatsapp", "account_id": PNID, "recipient": RECIPIENT}
REPLY = "Yes! It also comes in green and navy."
SEND_TEXT = text_body(SHEENA, REPLY)

SEND: list[dict[str, Any]] = [
    {
        "id": "success_text",
        "why": "a text reply inside the window, threaded on the customer's message",
        "request": {
            **BASE_REQUEST,
            "text": REPLY,
            "reply_to": W,
            "idempotency_key": "reply-0001",
            "last_inbound_at": "2025-06-08T20:59:43Z",
            "requested_at": "2025-06-08T21:10:00Z",
        },
        "interactions": [post(text_body(SHEENA, REPLY, W), 200, sent(SHEENA, OUT1))],
        "outcome": "success",
        "result": {"message_id": OUT1, "recipient_id": SHEENA, "status": "accepted"},
    },
    {
        "id": "success_text_bsuid",
        "why": "a username user without a phone number is addressed by BSUID",
        "request": {
            **BASE_REQUEST,
            "recipient": {"id": BSUID_ANA, "name": "Ana", "username": "ana.costa"},
            "text": "Yes, we ship to Brazil.",
            "idempotency_key": "reply-0002",
        },
        "interactions": [
            post(
                {
                    "messaging_product": "whatsapp",
                    "recipient_type": "individual",
                    "recipient": BSUID_ANA,
                    "type": "text",
                    "text": {"body": "Yes, we ship to Brazil."},
                },
                200,
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": BSUID_ANA, "user_id": BSUID_ANA}],
                    "messages": [{"id": OUT2}],
                },
            )
        ],
        "outcome": "success",
        "result": {"message_id": OUT2, "recipient_id": BSUID_ANA, "status": "accepted"},
    },
    {
        "id": "success_template",
        "why": "outside the window an approved template goes out, params as body text",
        "request": {
            **BASE_REQUEST,
            "template": {"name": "order_update", "language": "en_US", "params": ["#1042"]},
            "idempotency_key": "reply-0003",
            "last_inbound_at": "2025-06-01T10:00:00Z",
            "requested_at": "2025-06-08T21:10:00Z",
        },
        "interactions": [
            post(
                {
                    "messaging_product": "whatsapp",
                    "recipient_type": "individual",
                    "to": SHEENA,
                    "type": "template",
                    "template": {
                        "name": "order_update",
                        "language": {"code": "en_US"},
                        "components": [{"type": "body", "parameters": [{"type": "text", "text": "#1042"}]}],
                    },
                },
                200,
                sent(SHEENA, OUT2, message_status="accepted"),
            )
        ],
        "outcome": "success",
        "result": {"message_id": OUT2, "recipient_id": SHEENA, "status": "accepted"},
    },
    {
        "id": "window_closed_131047",
        "why": "Meta's re-engagement error: only a template can be sent",
        "request": {**BASE_REQUEST, "text": REPLY, "idempotency_key": "reply-0004"},
        "interactions": [
            post(
                SEND_TEXT,
                400,
                graph_error(
                    131047,
                    "Re-engagement message",
                    "Message failed to send because more than 24 hours have passed since the customer last replied to "
                    "this number.",
                ),
                "Bad Request",
            )
        ],
        "outcome": "window_closed",
    },
    {
        "id": "window_closed_local",
        "why": "the plugin refuses text 24h after the last inbound, before any HTTP call",
        "request": {
            **BASE_REQUEST,
            "text": REPLY,
            "idempotency_key": "reply-0005",
            "last_inbound_at": "2025-06-07T20:00:00Z",
            "requested_at": "2025-06-08T20:00:00Z",
        },
        "interactions": [],
        "outcome": "window_closed",
    },
    {
        "id": "rate_limited_130429",
        "why": "throughput limit of the number: retry after the default hint",
        "request": {**BASE_REQUEST, "text": REPLY, "idempotency_key": "reply-0006"},
        "interactions": [
            post(
                SEND_TEXT,
                400,
                graph_error(
                    130429,
                    "Rate limit hit",
                    "Message failed to send because there were too many messages sent from this phone "
                    "number in a short "
                    "period of time",
                    2494055,
                ),
                "Bad Request",
            )
        ],
        "outcome": "rate_limited",
        "retry_after": 60.0,
    },
    {
        "id": "rate_limited_131056",
        "why": "(business, consumer) pair limit: about one message per 6 seconds",
        "request": {**BASE_REQUEST, "text": REPLY, "idempotency_key": "reply-0007"},
        "interactions": [
            post(
                SEND_TEXT,
                400,
                graph_error(
                    131056,
                    "(Business Account, Consumer Account) pair rate limit hit",
                    "Message failed to send because there were too many messages sent from this phone "
                    "number to the same "
                    "phone number in a short period of time.",
                ),
                "Bad Request",
            )
        ],
        "outcome": "rate_limited",
        "retry_after": 6.0,
    },
    {
        "id": "permanent_131026",
        "why": "the recipient cannot receive this message: do not retry",
        "request": {**BASE_REQUEST, "text": REPLY, "idempotency_key": "reply-0008"},
        "interactions": [
            post(SEND_TEXT, 400, graph_error(131026, "Message Undeliverable", "Message Undeliverable."), "Bad Request")
        ],
        "outcome": "permanent",
    },
    {
        "id": "transient_500",
        "why": "a 5xx is worth retrying",
        "request": {**BASE_REQUEST, "text": REPLY, "idempotency_key": "reply-0009"},
        "interactions": [
            post(
                SEND_TEXT,
                500,
                graph_error(131000, "Something went wrong", "An unknown error occurred."),
                "Internal Server Error",
            )
        ],
        "outcome": "transient",
    },
    {
        "id": "invalid_too_long",
        "why": "4097 characters: refused before any HTTP call",
        "request": {**BASE_REQUEST, "text": "a" * 4097, "idempotency_key": "reply-0010"},
        "interactions": [],
        "outcome": "invalid",
    },
]

MEDIA_ID = "1013859600285441"
MEDIA_URL = (
    "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1013859600285441&ext=1749416700"
    "&hash=ATuZXJm8aQ6LYQx0OHfKbCq4DZ6Q3y1oNaLzu0zJ8Rqg4w"
)
MEDIA_BYTES = bytes.fromhex("ffd8ffe000104a46494600010100000100010000") + b"siu whatsapp sample media" + b"\xff\xd9"


def media_interactions() -> list[dict[str, Any]]:
    """Lookup of the media id, then the download from the short-lived URL."""
    info = {
        "url": MEDIA_URL,
        "mime_type": "image/jpeg",
        "sha256": hashlib.sha256(MEDIA_BYTES).hexdigest(),
        "file_size": len(MEDIA_BYTES),
        "id": MEDIA_ID,
        "messaging_product": "whatsapp",
    }
    return [
        get(f"{GRAPH}/{MEDIA_ID}", 200, meta_json(info).decode("ascii"), "application/json; charset=UTF-8"),
        get(MEDIA_URL, 200, MEDIA_BYTES, "image/jpeg"),
    ]


# --- the template list (GET /{WABA-ID}/message_templates, two pages) -------------------------------

TEMPLATE_FIELDS = "name,language,status,category,parameter_format,components"
TEMPLATES_URL = f"{GRAPH}/{WABA}/message_templates?fields={TEMPLATE_FIELDS}&limit=100"
TEMPLATES_PAGE_2 = f"{TEMPLATES_URL}&after=MjQZD"


def _body(text: str) -> dict[str, str]:
    return {"type": "BODY", "text": text}


TEMPLATE_PAGES: list[dict[str, Any]] = [
    {
        "data": [
            {"name": "order_update", "parameter_format": "POSITIONAL", "language": "en_US", "status": "APPROVED",
             "category": "UTILITY", "id": "1234567890123451",
             "components": [_body("Your order {{1}} has an update. Reply to this message to continue.")]},
            {"name": "reservation_confirmation", "parameter_format": "NAMED", "language": "en_US",
             "status": "APPROVED", "category": "UTILITY", "id": "1234567890123452",
             "components": [{"type": "HEADER", "format": "IMAGE"},
                            _body("*You're all set!*\n\nYour reservation for {{number_of_guests}} at Lucky Shrub "
                                  "Eatery on {{day}}, {{date}}, at {{time}}, is confirmed. See you then!"),
                            {"type": "FOOTER", "text": "Lucky Shrub Eatery"}]},
            {"name": "hello_world", "parameter_format": "POSITIONAL", "language": "en_US", "status": "APPROVED",
             "category": "UTILITY", "id": "1234567890123453",
             "components": [{"type": "HEADER", "format": "TEXT", "text": "Hello World"},
                            _body("Welcome and congratulations!! This message demonstrates your ability to send "
                                  "a WhatsApp message notification from the Cloud API.")]},
        ],
        "paging": {"cursors": {"before": "MAZDZD", "after": "MjQZD"}, "next": TEMPLATES_PAGE_2},
    },
    {
        "data": [
            {"name": "summer_sale", "parameter_format": "POSITIONAL", "language": "en_US", "status": "REJECTED",
             "category": "MARKETING", "id": "1234567890123454",
             "components": [_body("Our summer sale starts {{1}} and ends {{2}}.")]},
            {"name": "order_update", "parameter_format": "POSITIONAL", "language": "es", "status": "PENDING",
             "category": "UTILITY", "id": "1234567890123455",
             "components": [_body("Tu pedido {{1}} tiene novedades. Escr\u00edbenos si necesitas algo.")]},
        ],
        "paging": {"cursors": {"before": "MjQZD", "after": "NDgZD"}},
    },
]
TEMPLATES_EXPECTED = [
    {"name": "order_update", "language": "en_US", "status": "APPROVED", "category": "UTILITY", "param_count": 1},
    {"name": "reservation_confirmation", "language": "en_US", "status": "APPROVED", "category": "UTILITY",
     "param_count": 4},
    {"name": "hello_world", "language": "en_US", "status": "APPROVED", "category": "UTILITY", "param_count": 0},
    {"name": "summer_sale", "language": "en_US", "status": "REJECTED", "category": "MARKETING", "param_count": 2},
    {"name": "order_update", "language": "es", "status": "PENDING", "category": "UTILITY", "param_count": 1},
]


def templates_interactions() -> list[dict[str, Any]]:
    """Both pages of the account's template list; the second is reached through ``paging.next``."""
    return [get(url, 200, json.dumps(page, separators=(",", ":")), "application/json; charset=UTF-8")
            for url, page in zip((TEMPLATES_URL, TEMPLATES_PAGE_2), TEMPLATE_PAGES, strict=True)]


# --- writing -------------------------------------------------------------------------------------


def write(rel: str, data: bytes) -> None:
    """Write one fixture file under contract/."""
    path = ROOT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def cassette(rel: str, interactions: list[dict[str, Any]]) -> None:
    """Write a cassette with vcrpy's own YAML serializer (format version 1)."""
    write(rel, yamlserializer.serialize({"interactions": interactions, "version": 1}).encode("utf-8"))


def signed(body_rel: str, body: bytes, why: str) -> dict[str, Any]:
    """A golden vector: the body file and the headers Meta sends with it."""
    return {
        "body": body_rel,
        "headers": {"Content-Type": "application/json", "X-Hub-Signature-256": sign_body(body, SECRETS["app_secret"])},
        "why": why,
    }


#: The items each normalize case sets aside as unreadable (paths, in the order normalize reports them).
UNREADABLE = {
    "partial_batch": [
        "entry[0].changes[0].value.messages[1]",
        "entry[0].changes[0].value.messages[2]",
    ],
}

#: What the plugin does with the shapes every channel meets (the contract suite checks each sample).
SHAPES = {
    "edit": {"handling": "event", "webhook": "webhooks/edit.json", "why": "type edit: the new text replaces the old"},
    "deletion": {"handling": "event", "webhook": "webhooks/revoke.json", "why": "type revoke: deleted for everyone"},
    "unknown_kind": {
        "handling": "unsupported",
        "webhook": "webhooks/unknown_type.json",
        "why": "type unknown / unsupported: shown as unsupported with Meta's error code and title",
    },
}


def main(argv: list[str] | None = None) -> int:
    """Regenerate the fixtures; with --approve also the expected events (the golden files)."""
    parser = argparse.ArgumentParser(description="Write the WhatsApp plugin's contract fixtures.")
    parser.add_argument("--approve", action="store_true", help="also rewrite the expected events")
    approve: bool = parser.parse_args(argv).approve
    bodies: dict[str, bytes] = {}
    manifest_normalize = []
    for case_id, (why, payload) in NORMALIZE.items():
        body = meta_json(payload)
        bodies[case_id] = body
        write(f"webhooks/{case_id}.json", body)
        expected = f"expected/{case_id}.json"
        if approve or not (ROOT / expected).exists():
            events = [dump_event(e) for e in normalize_body(body) if not isinstance(e, Unreadable)]
            write(expected, (json.dumps(events, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        case: dict[str, Any] = {"id": case_id, "webhook": f"webhooks/{case_id}.json", "expected": expected}
        if case_id in UNREADABLE:
            case["unreadable"] = UNREADABLE[case_id]
        manifest_normalize.append({**case, "why": why})
    for name, payload in UNKNOWN.items():
        write(f"unknown/{name}.json", meta_json(payload))
    for name, raw in MALFORMED.items():
        write(f"malformed/{name}", raw)
    manifest_send = []
    for case in SEND:
        rel = f"cassettes/send_{case['id']}.yaml"
        cassette(rel, case["interactions"])
        entry = {
            "id": case["id"],
            "cassette": rel,
            "request": case["request"],
            "outcome": case["outcome"],
            "why": case["why"],
        }
        for key in ("result", "retry_after"):
            if key in case:
                entry[key] = case[key]
        manifest_send.append(entry)
    cassette("cassettes/media_image.yaml", media_interactions())
    cassette("cassettes/templates_list.yaml", templates_interactions())

    unicode_body = bodies["text_unicode"]
    reserialized = json.dumps(json.loads(unicode_body), ensure_ascii=False).encode("utf-8")
    manifest = {
        "manifest_version": 1,
        "channel": "whatsapp",
        "secrets": SECRETS,
        "settings": SETTINGS,
        "account_id": PNID,
        "handshake": {
            "valid": {
                "query": {
                    "hub.mode": "subscribe",
                    "hub.challenge": "1158201444",
                    "hub.verify_token": SECRETS["verify_token"],
                },
                "why": "Meta's documented GET",
            },
            "challenge": "1158201444",
            "refused": [
                {
                    "query": {
                        "hub.mode": "subscribe",
                        "hub.challenge": "1158201444",
                        "hub.verify_token": "meatyhamhock",
                    },
                    "why": "wrong verify token",
                },
                {
                    "query": {
                        "hub.mode": "unsubscribe",
                        "hub.challenge": "1158201444",
                        "hub.verify_token": SECRETS["verify_token"],
                    },
                    "why": "wrong mode",
                },
                {"query": {"hub.mode": "subscribe", "hub.challenge": "1158201444"}, "why": "no verify token"},
                {
                    "query": {
                        "hub_mode": "subscribe",
                        "hub_challenge": "1158201444",
                        "hub_verify_token": SECRETS["verify_token"],
                    },
                    "why": "PHP-mangled parameter names",
                },
            ],
        },
        "signature": {
            "header": "X-Hub-Signature-256",
            "valid": [
                signed("webhooks/text.json", bodies["text"], "Meta's text example"),
                signed(
                    "webhooks/text_unicode.json",
                    unicode_body,
                    "\\u00e4-style escapes and a surrogate pair: HMAC over the raw bytes",
                ),
                signed("webhooks/batch.json", bodies["batch"], "a batched body"),
            ],
            "invalid": [
                {
                    "body": "webhooks/text.json",
                    "headers": {
                        "Content-Type": "application/json",
                        "X-Hub-Signature": "sha1="
                        + hmac.new(SECRETS["app_secret"].encode(), bodies["text"], hashlib.sha1).hexdigest(),
                    },
                    "why": "only the legacy sha1 header: never accepted",
                },
                {
                    "body": "webhooks/text_unicode.json",
                    "headers": {
                        "Content-Type": "application/json",
                        "X-Hub-Signature-256": sign_body(reserialized, SECRETS["app_secret"]),
                    },
                    "why": "signed over re-serialized (unescaped) JSON, the classic bug: must not verify",
                },
                {
                    "body": "webhooks/text.json",
                    "headers": {"Content-Type": "application/json", "X-Hub-Signature-256": "sha256="},
                    "why": "empty signature",
                },
            ],
        },
        "normalize": manifest_normalize,
        "unknown": [f"unknown/{name}.json" for name in UNKNOWN],
        "malformed": [f"malformed/{name}" for name in MALFORMED],
        "shapes": SHAPES,
        "send": manifest_send,
        "media": [
            {
                "id": "image",
                "cassette": "cassettes/media_image.yaml",
                "attachment": {"type": "image", "media_id": MEDIA_ID, "mime_type": "image/jpeg"},
                "sha256": hashlib.sha256(MEDIA_BYTES).hexdigest(),
                "mime_type": "image/jpeg",
            }
        ],
        "templates": [
            {
                "id": "two_pages",
                "cassette": "cassettes/templates_list.yaml",
                "expected": TEMPLATES_EXPECTED,
                "why": "Meta's documented list: positional and named parameters, a rejected and a pending one, "
                "and a second page reached through paging.next",
            }
        ],
    }
    write("manifest.json", (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
