"""Write the Telegram plugin's contract fixtures from the hand-written samples below.

    .venv/bin/python plugins/siu_telegram/tools/build_fixtures.py            # bodies, cassettes, manifest
    .venv/bin/python plugins/siu_telegram/tools/build_fixtures.py --approve  # also (re)write expected/

The samples follow the Bot API's documented ``Update`` objects, with made-up ids and the fake
secrets in :data:`SECRETS`. The cassettes are written in vcrpy's format from the documented
request and answer shapes, as :func:`siu_core.cassettes.recorder` leaves them: the bot token in
each URL replaced by the ``<bot_token>`` placeholder (vcrpy's ``filter_sensitive_data``, which puts
the replaying secret back on load), no token anywhere else. Expected events are only rewritten with
``--approve``: review the diff of ``expected/`` before committing it, it is the golden contract.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from siu_telegram.normalize import normalize_body
from vcr.serializers import yamlserializer

from siu_core.models import dump_event

ROOT = Path(__file__).resolve().parent.parent / "siu_telegram" / "contract"

BOT_ID = "7000000001"
SECRETS = {
    "bot_token": f"{BOT_ID}:AAFakeTokenForSiuContractTests01234",
    "secret_token": "siu-fake-telegram-secret_token-0123456789",
    "bot_id": BOT_ID,
}
API = "https://api.telegram.org"
TOKEN_PLACEHOLDER = "<bot_token>"  # noqa: S105 - the placeholder vcrpy writes, not a token
HEADER = "X-Telegram-Bot-Api-Secret-Token"

BASE = int(datetime(2026, 2, 10, 9, 0, tzinfo=UTC).timestamp())
MIRA = {"id": 523041977, "is_bot": False, "first_name": "Mira", "last_name": "Okafor", "username": "mira_okafor",
        "language_code": "en"}
TOMAS = {"id": 688201345, "is_bot": False, "first_name": "Tomás", "language_code": "es"}
BOT = {"id": int(BOT_ID), "is_bot": True, "first_name": "Lagos Fabrics", "username": "lagos_fabrics_bot"}


def chat_of(user: dict[str, Any]) -> dict[str, Any]:
    """The private chat with a user: same id, the user's names, type private."""
    chat = {"id": user["id"], "first_name": user["first_name"]}
    for key in ("last_name", "username"):
        if key in user:
            chat[key] = user[key]
    chat["type"] = "private"
    return chat


def message(number: int, minute: int, user: dict[str, Any] = MIRA, **content: Any) -> dict[str, Any]:
    """A private-chat message from ``user``, ``minute`` minutes after 09:00, in Telegram's key order."""
    return {"message_id": number, "from": user, "chat": chat_of(user), "date": BASE + 60 * minute, **content}


def update(update_id: int, **parts: Any) -> dict[str, Any]:
    """An Update with its id first, as Telegram orders it."""
    return {"update_id": update_id, **parts}


def photo_sizes(stem: str) -> list[dict[str, Any]]:
    """A photo as Telegram sends it: several sizes, smallest first."""
    sizes = [(90, 67, 1228), (320, 240, 15320), (800, 600, 66421), (1280, 960, 128374)]
    return [
        {"file_id": f"AgACAgQAAxkBAAIB{stem}{i}AAFakePhotoSize", "file_unique_id": f"AQADu{stem}{i}",
         "file_size": size, "width": w, "height": h}
        for i, (w, h, size) in enumerate(sizes)
    ]


REACTION_THUMBS = {"type": "emoji", "emoji": "👍"}
REACTION_HEART = {"type": "emoji", "emoji": "❤"}
REACTION_CUSTOM = {"type": "custom_emoji", "custom_emoji_id": "5368324170671202286"}

# --- normalize cases: (id, update, why) ---------------------------------------------------------

CASES: list[tuple[str, dict[str, Any], str]] = [
    ("text", update(871200001, message=message(1201, 0, text="Hi! Do you ship fabric to Abuja?")),
     "a plain text message in a private chat: customer id = chat id, message id = chat:number"),
    ("photo", update(871200002, message=message(
        1202, 2, photo=photo_sizes("Ph"), caption="Is this the indigo adire, in 6 yards?")),
     "a photo arrives as sizes smallest first: the largest is the attachment, the caption is the text"),
    ("voice", update(871200003, message=message(1203, 3, voice={
        "duration": 7, "mime_type": "audio/ogg", "file_id": "AwACAgQAAxkBAAIBFakeVoiceNote", "file_unique_id":
        "AgADvoice1", "file_size": 21452})),
     "a voice note: audio with voice true and its mime type"),
    ("audio", update(871200004, message=message(1204, 4, audio={
        "duration": 184, "file_name": "jingle.mp3", "mime_type": "audio/mpeg", "title": "Shop Jingle",
        "performer": "Lagos Fabrics", "file_id": "CQACAgQAAxkBAAIBFakeAudio", "file_unique_id": "AgADaudio1",
        "file_size": 2941022})),
     "a music file: audio with its file name and performer - title"),
    ("video", update(871200005, message=message(1205, 5, video={
        "duration": 12, "width": 1280, "height": 720, "file_name": "stain.mp4", "mime_type": "video/mp4",
        "file_id": "BAACAgQAAxkBAAIBFakeVideo", "file_unique_id": "AgADvideo1", "file_size": 3211456},
        caption="The stain after one wash")),
     "a video with a caption"),
    ("video_note", update(871200006, message=message(1206, 6, video_note={
        "duration": 9, "length": 384, "file_id": "DQACAgQAAxkBAAIBFakeVideoNote", "file_unique_id": "AgADnote1",
        "file_size": 812345})),
     "a round video message: a video attachment without a mime type"),
    ("animation", update(871200007, message=message(1207, 7, animation={
        "file_name": "thanks.gif.mp4", "mime_type": "video/mp4", "duration": 3, "width": 320, "height": 240,
        "file_id": "CgACAgQAAxkBAAIBFakeAnimation", "file_unique_id": "AgADanim1", "file_size": 94512},
        document={"file_name": "thanks.gif.mp4", "mime_type": "video/mp4", "file_id":
                  "CgACAgQAAxkBAAIBFakeAnimation", "file_unique_id": "AgADanim1", "file_size": 94512})),
     "a GIF: Telegram also sends it as a document; one video attachment comes out, not two"),
    ("document", update(871200008, message=message(1208, 8, document={
        "file_name": "invoice-1042.pdf", "mime_type": "application/pdf", "file_id": "BQACAgQAAxkBAAIBFakeDoc",
        "file_unique_id": "AgADdoc1", "file_size": 48213}, caption="Invoice attached")),
     "a PDF document: kind file, file name and mime type kept"),
    ("sticker", update(871200009, message=message(1209, 9, sticker={
        "width": 512, "height": 512, "emoji": "😍", "set_name": "HappyCustomers", "is_animated": False,
        "is_video": False, "type": "regular", "file_id": "CAACAgIAAxkBAAIBFakeSticker", "file_unique_id":
        "AgADsticker1", "file_size": 23124})),
     "a sticker: its stable id (file_unique_id), WEBP, and its emoji as the title"),
    ("location", update(871200010, message=message(1210, 10, location={"latitude": 6.524379,
                                                                       "longitude": 3.379206})),
     "a shared location"),
    ("venue", update(871200011, message=message(1211, 11, location={"latitude": 6.4281, "longitude": 3.4219},
                                                 venue={"location": {"latitude": 6.4281, "longitude": 3.4219},
                                                        "title": "Balogun Market",
                                                        "address": "Balogun St, Lagos Island"})),
     "a venue carries a location too: one location with name and address"),
    ("contact", update(871200012, message=message(1212, 12, contact={
        "phone_number": "+2348031234567", "first_name": "Ada", "last_name": "Eze", "user_id": 712345001})),
     "a shared contact card"),
    ("reply", update(871200013, message=message(
        1214, 14, text="Yes please, the blue one",
        reply_to_message={"message_id": 1213, "from": BOT, "chat": chat_of(MIRA), "date": BASE + 60 * 13,
                          "text": "We have it in blue and green. Which one?"})),
     "a reply to the business's message: reply_to is that message's id in the same chat"),
    ("forwarded", update(871200014, message=message(
        1215, 15, user=TOMAS, text="My sister says you have this in stock?",
        forward_origin={"type": "user", "sender_user": {"id": 612000111, "is_bot": False, "first_name": "Lucía"},
                        "date": BASE - 3600},
        forward_date=BASE - 3600)),
     "a forwarded message (forward_origin, Bot API 7.0+)"),
    ("edited", update(871200015, edited_message={**message(1201, 0, text="Hi! Do you ship fabric to Abuja and Kano?"),
                                                 "edit_date": BASE + 60 * 16}),
     "an edited text points at the original message; its time is the edit's"),
    ("reaction_added", update(871200016, message_reaction={
        "chat": chat_of(MIRA), "message_id": 1213, "user": MIRA, "date": BASE + 60 * 17,
        "old_reaction": [], "new_reaction": [REACTION_THUMBS]}),
     "a reaction on the business's message"),
    ("reaction_changed", update(871200017, message_reaction={
        "chat": chat_of(MIRA), "message_id": 1213, "user": MIRA, "date": BASE + 60 * 18,
        "old_reaction": [REACTION_THUMBS], "new_reaction": [REACTION_HEART, REACTION_CUSTOM]}),
     "one update, several events: the removed reaction is unreacted, each new one reacted (no first-only bug)"),
    ("reaction_removed", update(871200018, message_reaction={
        "chat": chat_of(MIRA), "message_id": 1213, "user": MIRA, "date": BASE + 60 * 19,
        "old_reaction": [REACTION_HEART, REACTION_CUSTOM], "new_reaction": []}),
     "every reaction taken back"),
    ("unsupported_dice", update(871200019, message=message(1216, 20, dice={"emoji": "🎲", "value": 4})),
     "a message kind siu cannot show (a dice roll) is still a message: kind unsupported"),
    ("text_unicode", update(871200020, message=message(
        1217, 21, user=TOMAS, text="¿Tienen envío a Madrid? Quiero 3 metros 🧵 \"azul\" \\ gracias")),
     "non-ASCII text written as \\u escapes, quotes and a backslash"),
]

UNKNOWN: list[tuple[str, dict[str, Any]]] = [
    ("channel_post", update(871200101, channel_post={
        "message_id": 55, "sender_chat": {"id": -1001234567890, "title": "Lagos Fabrics News", "type": "channel"},
        "chat": {"id": -1001234567890, "title": "Lagos Fabrics News", "type": "channel"}, "date": BASE,
        "text": "New indigo prints are in!"})),
    ("edited_channel_post", update(871200102, edited_channel_post={
        "message_id": 55, "chat": {"id": -1001234567890, "title": "Lagos Fabrics News", "type": "channel"},
        "date": BASE, "edit_date": BASE + 60, "text": "New indigo prints are in! 20% off"})),
    ("group_message", update(871200103, message={
        "message_id": 88, "from": MIRA, "chat": {"id": -1009876543210, "title": "Sewing circle", "type":
                                                 "supergroup"},
        "date": BASE, "text": "@lagos_fabrics_bot price list?"})),
    ("callback_query", update(871200104, callback_query={
        "id": "2251799813685249", "from": MIRA, "chat_instance": "-2871041052019310", "data": "size:L",
        "message": {"message_id": 1213, "from": BOT, "chat": chat_of(MIRA), "date": BASE, "text": "Pick a size"}})),
    ("my_chat_member_blocked", update(871200105, my_chat_member={
        "chat": chat_of(MIRA), "from": MIRA, "date": BASE,
        "old_chat_member": {"user": BOT, "status": "member"},
        "new_chat_member": {"user": BOT, "status": "kicked", "until_date": 0}})),
    ("service_pinned", update(871200106, message=message(1220, 30, pinned_message={
        "message_id": 1213, "from": BOT, "chat": chat_of(MIRA), "date": BASE, "text": "Our opening hours"}))),
    ("edited_live_location", update(871200107, edited_message={**message(
        1221, 31, location={"latitude": 6.5, "longitude": 3.38, "live_period": 900}), "edit_date": BASE + 60 * 32})),
    ("inline_query", update(871200108, inline_query={
        "id": "2251799813685250", "from": MIRA, "query": "adire", "offset": ""})),
    ("update_id_only", update(871200109)),
    ("message_reaction_count", update(871200110, message_reaction_count={
        "chat": {"id": -1001234567890, "title": "Lagos Fabrics News", "type": "channel"}, "message_id": 55,
        "date": BASE, "reactions": [{"type": REACTION_HEART, "total_count": 4}]})),
    ("reaction_unknown_kind", update(871200111, message_reaction={
        "chat": chat_of(MIRA), "message_id": 1213, "user": MIRA, "date": BASE,
        "old_reaction": [], "new_reaction": [{"type": "future_kind"}]})),
    ("business_message", update(871200112, business_message={
        **message(9001, 40, text="Hello, is the shop open?"), "business_connection_id": "AbCdEfGh12345"})),
]

MALFORMED_JSON: list[tuple[str, Any]] = [
    ("json_array", [update(871200201, message=message(1, 0, text="hi"))]),
    ("update_id_missing", {"message": message(1, 0, text="hi")}),
    ("update_id_string", {"update_id": "871200202", "message": message(1, 0, text="hi")}),
    ("message_not_object", update(871200203, message="hi")),
    ("message_without_chat", update(871200204, message={"message_id": 1, "from": MIRA, "date": BASE,
                                                        "text": "hi"})),
    ("date_string", update(871200205, message={**message(1, 0, text="hi"), "date": str(BASE)})),
    ("photo_not_list", update(871200206, message=message(1, 0, photo={"file_id": "x"}))),
    ("latitude_out_of_range", update(871200207, message=message(1, 0, location={"latitude": 123.4,
                                                                                "longitude": 3.4}))),
    ("reaction_not_list", update(871200208, message_reaction={
        "chat": chat_of(MIRA), "message_id": 1213, "user": MIRA, "date": BASE, "old_reaction": {},
        "new_reaction": []})),
]


# --- send and media: cassettes -------------------------------------------------------------------

def api_url(method: str) -> str:
    """A Bot API method URL as it is stored: the token replaced by its placeholder."""
    return f"{API}/bot{TOKEN_PLACEHOLDER}/{method}"


def json_request(method: str, params: dict[str, Any]) -> dict[str, Any]:
    """A recorded POST with a JSON body, as requests sends it."""
    body = json.dumps(params)
    return {
        "body": body,
        "headers": {"Accept": ["*/*"], "Content-Length": [str(len(body.encode("utf-8")))],
                    "Content-Type": ["application/json"]},
        "method": "POST",
        "uri": api_url(method),
    }


def json_response(status: int, reason: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A recorded Bot API answer: compact JSON, nginx in front, as api.telegram.org answers."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return {
        "body": {"string": text},
        "headers": {"Content-Length": [str(len(text.encode("utf-8")))], "Content-Type": ["application/json"],
                    "Server": ["nginx/1.18.0"], "Access-Control-Allow-Origin": ["*"]},
        "status": {"code": status, "message": reason},
    }


def sent_message(number: int, chat: dict[str, Any], text: str, **extra: Any) -> dict[str, Any]:
    """sendMessage's ``result``: the Message as it now exists in the chat."""
    return {"ok": True, "result": {"message_id": number, "from": BOT, "chat": chat, "date": BASE + 60 * 45,
                                   "text": text, **extra}}


def error(code: int, description: str, **parameters: Any) -> dict[str, Any]:
    """The Bot API error envelope."""
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


def reply_request(rid: str, text: str, *, recipient: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A ReplyRequest as the inbox builds it."""
    who = recipient or {"id": str(MIRA["id"]), "name": "Mira Okafor", "username": "mira_okafor"}
    return {"channel": "telegram", "account_id": BOT_ID, "recipient": who, "text": text, "idempotency_key": rid,
            **extra}


ANSWER = "Yes, we ship to Abuja: 2-3 working days, free above 50,000 NGN."
SEND: list[dict[str, Any]] = []
CASSETTES: dict[str, list[dict[str, Any]]] = {}


def send_case(cid: str, request: dict[str, Any], outcome: str, why: str,
              interactions: list[tuple[dict[str, Any], dict[str, Any]]], **extra: Any) -> None:
    """Register one send case and its cassette."""
    rel = f"cassettes/send_{cid}.yaml"
    CASSETTES[rel] = [{"request": rq, "response": rs} for rq, rs in interactions]
    SEND.append({"id": cid, "cassette": rel, "request": request, "outcome": outcome, "why": why, **extra})


def build_send_cases() -> None:
    """Success, reply, blocked, chat not found, flood control, 5xx, proxy HTML, and two early refusals."""
    mira_chat = chat_of(MIRA)
    plain = {"chat_id": MIRA["id"], "text": ANSWER}
    send_case("success_text", reply_request("reply-0001", ANSWER), "success",
              "a text reply: the sent message's chat:number is the id status and reactions point at",
              [(json_request("sendMessage", plain), json_response(200, "OK", sent_message(1301, mira_chat, ANSWER)))],
              result={"message_id": f"{MIRA['id']}:1301", "recipient_id": str(MIRA["id"]), "status": "sent"})
    threaded = "Blue it is! 6 yards are on their way."
    send_case("success_reply", reply_request("reply-0002", threaded, reply_to=f"{MIRA['id']}:1214"), "success",
              "reply_to becomes reply_parameters (sent even if the customer deleted that message)",
              [(json_request("sendMessage", {"chat_id": MIRA["id"], "text": threaded, "reply_parameters": {
                  "message_id": 1214, "allow_sending_without_reply": True}}),
                json_response(200, "OK", sent_message(1302, mira_chat, threaded, reply_to_message={
                    "message_id": 1214, "from": MIRA, "chat": mira_chat, "date": BASE + 60 * 14,
                    "text": "Yes please, the blue one"})))],
              result={"message_id": f"{MIRA['id']}:1302", "recipient_id": str(MIRA["id"]), "status": "sent"})
    send_case("permanent_blocked_403", reply_request("reply-0003", ANSWER), "permanent",
              "the customer blocked the bot: never retry",
              [(json_request("sendMessage", plain),
                json_response(403, "Forbidden", error(403, "Forbidden: bot was blocked by the user")))])
    send_case("permanent_chat_not_found_400", reply_request("reply-0004", ANSWER), "permanent",
              "a 400 about the recipient (not the text): permanent, not invalid",
              [(json_request("sendMessage", plain),
                json_response(400, "Bad Request", error(400, "Bad Request: chat not found")))])
    send_case("rate_limited_429", reply_request("reply-0005", ANSWER), "rate_limited",
              "flood control: parameters.retry_after says how long to wait",
              [(json_request("sendMessage", plain), json_response(429, "Too Many Requests", error(
                  429, "Too Many Requests: retry after 35", retry_after=35)))], retry_after=35.0)
    send_case("transient_500", reply_request("reply-0006", ANSWER), "transient", "a 5xx is worth retrying",
              [(json_request("sendMessage", plain),
                json_response(500, "Internal Server Error", error(500, "Internal Server Error")))])
    html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>" \
           "</center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
    send_case("transient_502_html", reply_request("reply-0007", ANSWER), "transient",
              "a proxy's HTML page instead of the JSON envelope: still read by its status",
              [(json_request("sendMessage", plain), {
                  "body": {"string": html},
                  "headers": {"Content-Length": [str(len(html))], "Content-Type": ["text/html"],
                              "Server": ["nginx/1.18.0"]},
                  "status": {"code": 502, "message": "Bad Gateway"}})])
    send_case("invalid_too_long", reply_request("reply-0008", "x" * 4097), "invalid",
              "over 4096 characters: refused before any HTTP call", [])
    template = reply_request("reply-0009", ANSWER)
    del template["text"]
    template["template"] = {"name": "order_update", "language": "en", "params": ["#1042"]}
    send_case("invalid_template", template, "invalid",
              "Telegram has no message templates: refused before any HTTP call", [])


#: The bytes the media cassette serves: a minimal JPEG (SOI, a comment, EOI).
MEDIA_BYTES = b"\xff\xd8\xff\xfe\x00\x16siu telegram sample\xff\xd9"
PDF_BYTES = b"%PDF-1.4\n% siu telegram sample\n%%EOF\n"
MEDIA: list[dict[str, Any]] = []


def file_response(content: bytes, mime: str) -> dict[str, Any]:
    """The file server's answer."""
    return {
        "body": {"string": content},
        "headers": {"Content-Length": [str(len(content))], "Content-Type": [mime], "Server": ["nginx/1.18.0"]},
        "status": {"code": 200, "message": "OK"},
    }


def build_media_cases() -> None:
    """A photo (type from the server) and a PDF (type from the update; the server says octet-stream)."""
    largest = photo_sizes("Ph")[-1]
    for cid, attachment, path, content, served, mime in (
        ("photo", {"type": "image", "media_id": largest["file_id"]}, "photos/file_7.jpg", MEDIA_BYTES,
         "image/jpeg", "image/jpeg"),
        ("document", {"type": "file", "media_id": "BQACAgQAAxkBAAIBFakeDoc", "mime_type": "application/pdf",
                      "filename": "invoice-1042.pdf"}, "documents/file_8.pdf", PDF_BYTES,
         "application/octet-stream", "application/pdf"),
    ):
        file_id = attachment["media_id"]
        info = {"ok": True, "result": {"file_id": file_id, "file_unique_id": f"AQAD{cid}", "file_size": len(content),
                                       "file_path": path}}
        rel = f"cassettes/media_{cid}.yaml"
        CASSETTES[rel] = [
            {"request": json_request("getFile", {"file_id": file_id}), "response": json_response(200, "OK", info)},
            {"request": {"body": None, "headers": {"Accept": ["*/*"]}, "method": "GET",
                         "uri": f"{API}/file/bot{TOKEN_PLACEHOLDER}/{path}"},
             "response": file_response(content, served)},
        ]
        MEDIA.append({"id": cid, "cassette": rel, "attachment": attachment,
                      "sha256": hashlib.sha256(content).hexdigest(), "mime_type": mime})


# --- writing -------------------------------------------------------------------------------------

def telegram_json(payload: Any, *, escaped: bool = False) -> bytes:
    """Compact JSON as the Bot API sends it; ``escaped`` writes non-ASCII as \\u escapes."""
    return json.dumps(payload, ensure_ascii=escaped, separators=(",", ":")).encode("utf-8")


def write(rel: str, data: bytes) -> None:
    """Write one fixture file under contract/."""
    path = ROOT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def signed(body_rel: str, token: str, why: str) -> dict[str, Any]:
    """A sample POST: the body file and the headers Telegram sends with it."""
    return {"body": body_rel, "headers": {"Content-Type": "application/json", HEADER: token}, "why": why}


def main(argv: list[str] | None = None) -> int:
    """Write every fixture; with --approve, also the expected events (review their diff)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--approve", action="store_true", help="rewrite expected/ from the current normalize")
    args = parser.parse_args(argv)
    normalize_cases = []
    for cid, payload, why in CASES:
        rel = f"webhooks/{cid}.json"
        body = telegram_json(payload, escaped=cid == "text_unicode")
        write(rel, body)
        if args.approve:
            events = [dump_event(e) for e in normalize_body(body, BOT_ID)]
            write(f"expected/{cid}.json", (json.dumps(events, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        normalize_cases.append({"id": cid, "webhook": rel, "expected": f"expected/{cid}.json", "why": why})
    unknown = []
    for name, payload in UNKNOWN:
        write(f"unknown/{name}.json", telegram_json(payload))
        unknown.append(f"unknown/{name}.json")
    malformed = []
    for name, raw in (("empty", b""), ("not_json", b"update_id=1&message=hi"), ("invalid_utf8",
                      b'{"update_id":1,"message":{"text":"\xff\xfe"}}'),
                      ("nan", b'{"update_id":NaN}'),
                      ("nested_too_deep", b'{"update_id":1,"message":' + b"[" * 100_000 + b"]" * 100_000 + b"}")):
        rel = f"malformed/{name}.{'txt' if name in ('empty', 'not_json') else 'json'}"
        write(rel, raw)
        malformed.append(rel)
    for name, payload in MALFORMED_JSON:
        write(f"malformed/{name}.json", telegram_json(payload))
        malformed.append(f"malformed/{name}.json")
    build_send_cases()
    build_media_cases()
    for rel, interactions in CASSETTES.items():
        write(rel, yamlserializer.serialize({"interactions": interactions, "version": 1}).encode("utf-8"))
    token = SECRETS["secret_token"]
    manifest = {
        "manifest_version": 1,
        "channel": "telegram",
        "secrets": SECRETS,
        "settings": {},
        "account_id": BOT_ID,
        "handshake": {"unsupported": "Telegram sends no GET verification request: the webhook is registered "
                                     "with setWebhook and every POST carries the secret token header"},
        "signature": {
            "header": HEADER,
            "valid": [signed("webhooks/text.json", token, "the secret token given to setWebhook, echoed"),
                      signed("webhooks/text_unicode.json", token, "the token is compared, the body is not hashed")],
            "invalid": [
                signed("webhooks/text.json", token[:-1], "a prefix of the right token"),
                signed("webhooks/text.json", token.upper(), "the right token in another case"),
                signed("webhooks/text.json", token + "0", "the right token with one character more"),
                {"body": "webhooks/text.json", "headers": {"Content-Type": "application/json",
                                                           "X-Telegram-Bot-Api-Secret": token},
                 "why": "the token under another header name"},
            ],
        },
        "normalize": normalize_cases,
        "unknown": unknown,
        "malformed": malformed,
        "shapes": {
            "edit": {"handling": "event", "webhook": "webhooks/edited.json",
                     "why": "edited_message: the new text replaces the old"},
            "deletion": {"handling": "not_on_platform",
                         "why": "the Bot API sends no update when a user deletes a message in a private chat"},
            "unknown_kind": {"handling": "unsupported", "webhook": "webhooks/unsupported_dice.json",
                             "why": "a message kind the plugin does not read (a dice roll) shows as unsupported"},
        },
        "send": SEND,
        "media": MEDIA,
        "skip": {
            "signature.tampered_byte": "Telegram signs nothing: the secret-token header proves the sender, and "
                                       "no byte of the body takes part in the check (TLS protects the body)",
            "signature.escaped_unicode": "no signature is computed over the body, so re-serialized JSON cannot "
                                         "break or fake it",
            "send.window_closed": "Telegram has no reply window: a bot may answer a private chat at any time "
                                  "after the user started it (channel_info says standard_hours=None)",
            "normalize.partial_batch": "Telegram POSTs exactly one Update per webhook: there is no batch to keep "
                                       "part of (an unreadable Update is the whole body, a 400)",
        },
    }
    write("manifest.json", (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    print(f"wrote fixtures under {ROOT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
