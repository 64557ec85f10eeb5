"""Write the LINE plugin's contract fixtures from the hand-written samples below.

    .venv/bin/python plugins/siu_line/tools/build_fixtures.py            # bodies, cassettes, manifest
    .venv/bin/python plugins/siu_line/tools/build_fixtures.py --approve  # also (re)write expected/

The samples follow the Messaging API reference's documented webhook event objects and API
responses, with made-up ids and the fake secrets in :data:`SECRETS`; each body is signed here the
way LINE signs it. The cassettes are written in vcrpy's format as :func:`siu_core.cassettes.recorder`
leaves them: no ``Authorization`` header (the token travels nowhere else). Expected events are only
rewritten with ``--approve``: review the diff of ``expected/`` before committing it, it is the
golden contract.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from siu_line.normalize import normalize_body
from siu_line.send import RETRY_KEY_NAMESPACE
from vcr.serializers import yamlserializer

from siu_core.models import Unreadable, dump_event

ROOT = Path(__file__).resolve().parent.parent / "siu_line" / "contract"


def _user(seed: str) -> str:
    return "U" + hashlib.sha256(seed.encode()).hexdigest()[:32]


BOT = _user("siu line contract bot")
SECRETS = {
    "channel_secret": "siu-fake-line-channel_secret-8c1f0e2d",
    "channel_access_token": "siuFakeLineChannelAccessToken+Contract/0123456789=",
    "bot_user_id": BOT,
}
API = "https://api.line.me"
DATA_API = "https://api-data.line.me"
HEADER = "x-line-signature"
MIRA = _user("mira")
KENJI = _user("kenji")
GROUP = "C" + hashlib.sha256(b"group").hexdigest()[:32]
ROOM = "R" + hashlib.sha256(b"room").hexdigest()[:32]
BASE = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)
BASE_MS = int(BASE.timestamp() * 1000)


def ulid(n: int) -> str:
    """A webhook event id (a ULID) made up for sample ``n``."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    digest = hashlib.sha256(f"event{n}".encode()).digest()
    return "01JKQ" + "".join(alphabet[b % 32] for b in digest[:21])


def token(n: int) -> str:
    """A reply token made up for sample ``n`` (32 hex, as LINE issues them)."""
    return hashlib.sha256(f"reply{n}".encode()).hexdigest()[:32]


def source(user: str = MIRA, kind: str = "user") -> dict[str, Any]:
    """Where an event happened."""
    if kind == "group":
        return {"type": "group", "groupId": GROUP, "userId": user}
    if kind == "room":
        return {"type": "room", "roomId": ROOM, "userId": user}
    return {"type": "user", "userId": user}


def event(n: int, kind: str, minute: float, *, user: str = MIRA, where: str = "user", reply: bool = True,
          redelivery: bool = False, mode: str = "active", **parts: Any) -> dict[str, Any]:
    """A webhook event in LINE's key order: type, its part, ids, delivery context, time, source, token, mode."""
    out: dict[str, Any] = {"type": kind, **parts, "webhookEventId": ulid(n),
                           "deliveryContext": {"isRedelivery": redelivery},
                           "timestamp": BASE_MS + int(minute * 60_000), "source": source(user, where)}
    if reply and mode == "active":
        out["replyToken"] = token(n)
    out["mode"] = mode
    return out


def msg_id(n: int) -> str:
    """A LINE message id (an 18-digit string)."""
    return str(590_000_000_000_000_000 + n * 7919)


def text(n: int, body: str, **extra: Any) -> dict[str, Any]:
    """A text message's content."""
    return {"type": "text", "id": msg_id(n), "quoteToken": f"q{token(n)}", "text": body, **extra}


def media(n: int, kind: str, **extra: Any) -> dict[str, Any]:
    """An image, video or audio held by LINE."""
    return {"type": kind, "id": msg_id(n), "quoteToken": f"q{token(n)}", "contentProvider": {"type": "line"},
            **extra}


def envelope(*events: dict[str, Any]) -> dict[str, Any]:
    """One webhook POST."""
    return {"destination": BOT, "events": list(events)}


TEXT = event(1, "message", 1, message=text(1, "Hi! Do you still have the indigo tote in stock?"))
CASES: list[tuple[str, dict[str, Any], str]] = [
    ("text", envelope(TEXT), "a text message in a one-to-one chat: the customer is source.userId, the account "
                             "is destination"),
    ("text_unicode", envelope(event(2, "message", 2, message=text(2, "こんにちは、配送は何日かかりますか？😊"))),
     "Japanese text and an emoji, sent with \\u escapes: the signature is over those exact bytes"),
    ("batch", envelope(
        event(3, "message", 3, message=text(3, "One more question")),
        event(4, "follow", 3.5, follow={"isUnblocked": False}),
        event(5, "message", 4, user=KENJI, message=media(5, "image")),
        event(6, "postback", 5, user=KENJI, postback={"data": "action=track&order=1042"}),
    ), "LINE batches events: every one comes out in order (the follow yields nothing)"),
    ("image", envelope(event(7, "message", 6, message=media(7, "image"))),
     "an image LINE holds: media_id is the message id (downloaded from the content API)"),
    ("image_external", envelope(event(8, "message", 7, message={
        "type": "image", "id": msg_id(8), "quoteToken": f"q{token(8)}",
        "contentProvider": {"type": "external", "originalContentUrl": "https://cdn.example.com/photos/tote.jpg",
                            "previewImageUrl": "https://cdn.example.com/photos/tote-s.jpg"}})),
     "an image an external provider holds: its URL, not a media id"),
    ("video", envelope(event(9, "message", 8, message=media(9, "video", duration=12030))),
     "a video"),
    ("audio", envelope(event(10, "message", 9, message={"type": "audio", "id": msg_id(10), "duration": 60000,
                                                        "contentProvider": {"type": "line"}})),
     "a voice message (LINE's audio)"),
    ("file", envelope(event(11, "message", 10, message={"type": "file", "id": msg_id(11),
                                                         "fileName": "invoice-1042.pdf", "fileSize": 48213})),
     "a file keeps its name"),
    ("location", envelope(event(12, "message", 11, message={
        "type": "location", "id": msg_id(12), "title": "Shibuya Store",
        "address": "1-2-3 Jinnan, Shibuya-ku, Tokyo", "latitude": 35.6619, "longitude": 139.7004})),
     "a shared location with its title and address"),
    ("sticker", envelope(event(13, "message", 12, message={
        "type": "sticker", "id": msg_id(13), "quoteToken": f"q{token(13)}", "stickerId": "52002734",
        "packageId": "11537", "stickerResourceType": "ANIMATION", "keywords": ["Thanks", "Bow"]})),
     "a sticker: package and sticker id"),
    ("sticker_message", envelope(event(14, "message", 13, message={
        "type": "sticker", "id": msg_id(14), "quoteToken": f"q{token(14)}", "stickerId": "738839",
        "packageId": "12287", "stickerResourceType": "MESSAGE", "keywords": ["Thanks"],
        "text": "Thank you!"})),
     "a message sticker: the text the customer typed on it is the text"),
    ("quoted", envelope(event(15, "message", 14, message=text(15, "Yes, this one please",
                                                              quotedMessageId=msg_id(1)))),
     "a reply quoting an earlier message: reply_to is its id"),
    ("postback", envelope(event(16, "postback", 15, postback={"data": "action=track&order=1042"})),
     "a postback tap: an interactive message with the data as payload, id from the webhook event id"),
    ("postback_datetime", envelope(event(17, "postback", 16, postback={
        "data": "action=book", "params": {"datetime": "2026-02-14T15:30"}})),
     "a date/time picker: the pick is the text"),
    ("unsend", envelope(event(18, "unsend", 17, reply=False, unsend={"messageId": msg_id(1)})),
     "the customer unsent a message"),
    ("redelivered", envelope(event(1, "message", 1, redelivery=True,
                                   message=text(1, "Hi! Do you still have the indigo tote in stock?"))),
     "LINE delivers the text event again (isRedelivery): the same events, so the core keeps one copy"),
    ("standby", envelope(event(19, "message", 18, mode="standby", message=text(19, "Hello?"))),
     "a message while another module holds the chat: standby, no reply token"),
    ("unsupported_type", envelope(event(20, "message", 19, message={"type": "coupon", "id": msg_id(20)})),
     "a message type siu does not know is kept as unsupported, never dropped"),
    ("partial", envelope(
        event(21, "message", 20, message=text(21, "first")) | {"timestamp": "yesterday"},
        event(22, "message", 21, message=text(22, "second")),
        "not an event",
        event(23, "message", 22, user=KENJI, message=media(23, "image")),
    ), "two unreadable events (a string timestamp, a bare string) are set aside as Unreadable, each in its "
       "place; the readable ones around them still come out"),
]

#: The events each normalize case sets aside as Unreadable (paths, in the order normalize returns them).
UNREADABLE: dict[str, list[str]] = {"partial": ["events[0]", "events[2]"]}

#: What the plugin does with the shapes every channel meets (the contract suite checks each sample).
SHAPES: dict[str, dict[str, str]] = {
    "edit": {"handling": "not_on_platform",
             "why": "the Messaging API has no webhook event for an edited message: an edit in a one-to-one chat "
                    "never reaches the bot (an unknown event type such as messageEdited would yield nothing, "
                    "see unknown/message_edited.json)"},
    "deletion": {"handling": "event", "webhook": "webhooks/unsend.json",
                 "why": "an unsend event becomes an UnsendEvent for unsend.messageId"},
    "unknown_kind": {"handling": "unsupported", "webhook": "webhooks/unsupported_type.json",
                     "why": "a message type siu does not read (a coupon) is a message of kind unsupported, so "
                            "the thread shows that something came"},
}

UNKNOWN: list[tuple[str, dict[str, Any]]] = [
    ("verify", {"destination": BOT, "events": []}),
    ("follow", envelope(event(30, "follow", 30, follow={"isUnblocked": True}))),
    ("unfollow", envelope(event(31, "unfollow", 31, reply=False))),
    ("group_message", envelope(event(32, "message", 32, where="group", message=text(32, "hi all")))),
    ("room_message", envelope(event(33, "message", 33, where="room", message=text(33, "hi room")))),
    ("join", envelope(event(34, "join", 34, where="group") | {"source": {"type": "group", "groupId": GROUP}})),
    ("member_joined", envelope(event(35, "memberJoined", 35, where="group", joined={
        "members": [{"type": "user", "userId": KENJI}]}))),
    ("beacon", envelope(event(36, "beacon", 36, beacon={"hwid": "d41d8cd98f", "type": "enter"}))),
    ("account_link", envelope(event(37, "accountLink", 37, link={"result": "ok", "nonce": "Vb771wDYtXuammLszK6h9A"}))),
    ("video_play_complete", envelope(event(38, "videoPlayComplete", 38, videoPlayComplete={"trackingId": "t1"}))),
    ("message_edited_group", envelope(event(39, "messageEdited", 39, where="group", message=text(39, "edited")))),
    ("message_edited", envelope(event(42, "messageEdited", 42, message=text(42, "edited")))),
    ("future_event", envelope(event(40, "somethingNew", 40, somethingNew={"a": 1}))),
    ("user_without_id", envelope(event(41, "message", 41, message=text(41, "x")) | {"source": {"type": "user"}})),
]

MALFORMED_JSON: list[tuple[str, Any]] = [
    ("json_array", [envelope(TEXT)]),
    ("destination_missing", {"events": [TEXT]}),
    ("destination_number", {"destination": 12345, "events": [TEXT]}),
    ("destination_empty", {"destination": "", "events": [TEXT]}),
    ("events_missing", {"destination": BOT}),
    ("events_not_list", {"destination": BOT, "events": {"0": TEXT}}),
]


# --- send and media: cassettes -------------------------------------------------------------------

def json_request(path: str, payload: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A recorded POST with a JSON body, as requests sends it (the Authorization header scrubbed)."""
    body = json.dumps(payload)
    recorded = {"Accept": ["*/*"], "Content-Length": [str(len(body.encode("utf-8")))],
                "Content-Type": ["application/json"]}
    for name, value in (headers or {}).items():
        recorded[name] = [value]
    return {"body": body, "headers": recorded, "method": "POST", "uri": f"{API}{path}"}


def json_response(status: int, reason: str, payload: dict[str, Any], request_id: str,
                  **headers: str) -> dict[str, Any]:
    """A recorded Messaging API answer: compact JSON with LINE's request id header."""
    text_ = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    recorded = {"Content-Length": [str(len(text_.encode("utf-8")))], "Content-Type": ["application/json"],
                "x-line-request-id": [request_id]}
    for name, value in headers.items():
        recorded[name.replace("_", "-")] = [value]
    return {"body": {"string": text_}, "headers": recorded, "status": {"code": status, "message": reason}}


def request_id(n: int) -> str:
    """An ``x-line-request-id`` made up for call ``n``."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"line-request-{n}"))


def reply_request(rid: str, body: str, **extra: Any) -> dict[str, Any]:
    """A ReplyRequest as the inbox builds it."""
    return {"channel": "line", "account_id": BOT, "recipient": {"id": MIRA}, "text": body, "idempotency_key": rid,
            **extra}


def retry_key(rid: str, body: str, to: str = MIRA) -> str:
    """The retry key the plugin derives (kept equal to siu_line.send.retry_key; a unit test checks)."""
    text_hash = hashlib.sha256(body.encode("utf-8")).hexdigest()
    return str(uuid.uuid5(RETRY_KEY_NAMESPACE, "\0".join(("siu-line", BOT, to, rid, text_hash))))


ANSWER = "Yes! The indigo tote is in stock; we ship within 2 days."
SEND: list[dict[str, Any]] = []
CASSETTES: dict[str, list[dict[str, Any]]] = {}


def send_case(cid: str, request: dict[str, Any], outcome: str, why: str,
              interactions: list[tuple[dict[str, Any], dict[str, Any]]], **extra: Any) -> None:
    """Register one send case and its cassette."""
    rel = f"cassettes/send_{cid}.yaml"
    CASSETTES[rel] = [{"request": rq, "response": rs} for rq, rs in interactions]
    SEND.append({"id": cid, "cassette": rel, "request": request, "outcome": outcome, "why": why, **extra})


def push(rid: str, body: str = ANSWER) -> dict[str, Any]:
    """The recorded push call for a reply."""
    return json_request("/v2/bot/message/push", {"to": MIRA, "messages": [{"type": "text", "text": body}]},
                        {"X-Line-Retry-Key": retry_key(rid, body)})


def sent(n: int) -> dict[str, Any]:
    """A successful send's body: the sent message's id and quote token."""
    return {"sentMessages": [{"id": msg_id(900 + n), "quoteToken": f"IStG{token(900 + n)}"}]}


def rfc3339(at: datetime) -> str:
    """A time as the core writes it."""
    return at.isoformat().replace("+00:00", "Z")


def build_send_cases() -> None:
    """Push, reply-token paths, the accepted retry, and every error LINE answers with."""
    ok = {"recipient_id": MIRA, "status": "sent"}
    send_case("success_push", reply_request("reply-0001", ANSWER), "success",
              "no reply token: push with the retry key; the sent message's id is the result",
              [(push("reply-0001"), json_response(200, "OK", sent(1), request_id(1)))],
              result={"message_id": msg_id(901), **ok})
    inbound = BASE + timedelta(minutes=30)
    fresh = {"metadata": json.dumps({"reply_token": token(50), "issued_at": rfc3339(inbound)}),
             "last_inbound_at": rfc3339(inbound), "requested_at": rfc3339(inbound + timedelta(seconds=20))}
    reply_call = json_request("/v2/bot/message/reply", {"replyToken": token(50),
                                                        "messages": [{"type": "text", "text": ANSWER}]})
    send_case("success_reply_token", reply_request("reply-0002", ANSWER, **fresh), "success",
              "the customer's reply token is 20 s old: the free reply API, no retry key",
              [(reply_call, json_response(200, "OK", sent(2), request_id(2)))],
              result={"message_id": msg_id(902), **ok})
    send_case("success_reply_token_refused", reply_request("reply-0003", ANSWER, **fresh), "success",
              "LINE no longer takes the token (used or expired, nothing sent): the reply is pushed instead",
              [(reply_call, json_response(400, "Bad Request", {"message": "Invalid reply token"}, request_id(3))),
               (push("reply-0003"), json_response(200, "OK", sent(3), request_id(4)))],
              result={"message_id": msg_id(903), **ok})
    stale = dict(fresh, requested_at=rfc3339(inbound + timedelta(minutes=5)))
    send_case("success_stale_token", reply_request("reply-0004", ANSWER, **stale), "success",
              "a 5-minute-old reply token is not tried: push straight away",
              [(push("reply-0004"), json_response(200, "OK", sent(4), request_id(5)))],
              result={"message_id": msg_id(904), **ok})
    send_case("success_retry_accepted_409", reply_request("reply-0005", ANSWER), "success",
              "a retry of a push LINE had accepted: 409 for the retry key is the earlier success, with its id",
              [(push("reply-0005"), json_response(409, "Conflict", {
                  "message": "The retry key is already accepted", **sent(5)}, request_id(7),
                  x_line_accepted_request_id=request_id(6)))],
              result={"message_id": msg_id(905), **ok})
    send_case("invalid_400", reply_request("reply-0006", ANSWER), "invalid",
              "LINE refuses the body: InvalidReply with LINE's details",
              [(push("reply-0006"), json_response(400, "Bad Request", {
                  "message": "The request body has 1 error(s)",
                  "details": [{"message": "Invalid user ID", "property": "to"}]}, request_id(8)))])
    send_case("permanent_401", reply_request("reply-0007", ANSWER), "permanent",
              "a revoked or wrong channel access token",
              [(push("reply-0007"), json_response(401, "Unauthorized", {
                  "message": "Authentication failed. Confirm that the access token in the authorization header "
                             "is valid."}, request_id(9)))])
    send_case("permanent_monthly_limit_429", reply_request("reply-0008", ANSWER), "permanent",
              "the plan's monthly message quota is used up: no retry helps this month",
              [(push("reply-0008"), json_response(429, "Too Many Requests", {
                  "message": "You have reached your monthly limit."}, request_id(10)))])
    send_case("rate_limited_429", reply_request("reply-0009", ANSWER), "rate_limited",
              "the API rate limit: retry after a while (LINE sends no Retry-After; 60 s)",
              [(push("reply-0009"), json_response(429, "Too Many Requests", {
                  "message": "The API rate limit has been exceeded. Try again later."}, request_id(11)))],
              retry_after=60.0)
    send_case("transient_500", reply_request("reply-0010", ANSWER), "transient",
              "a 5xx: the core retries with the same retry key",
              [(push("reply-0010"), json_response(500, "Internal Server Error", {
                  "message": "An error occurred in the server."}, request_id(12)))])
    html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>" \
           "</center>\r\n</body>\r\n</html>\r\n"
    send_case("transient_502_html", reply_request("reply-0011", ANSWER), "transient",
              "a proxy's HTML page instead of LINE's JSON: still read by its status",
              [(push("reply-0011"), {"body": {"string": html},
                                     "headers": {"Content-Length": [str(len(html))], "Content-Type": ["text/html"]},
                                     "status": {"code": 502, "message": "Bad Gateway"}})])
    send_case("transient_reply_500", reply_request("reply-0012", ANSWER, **fresh), "transient",
              "a 5xx from the reply API (no retry key there): outcome unknown, reported without a status so the "
              "core does not retry it blindly", [(reply_call, json_response(500, "Internal Server Error", {
                  "message": "An error occurred in the server."}, request_id(13)))])
    send_case("invalid_too_long", reply_request("reply-0013", "😀" * 2501), "invalid",
              "5002 UTF-16 units (2501 emoji): over LINE's 5000, refused before any HTTP call", [])
    template = reply_request("reply-0014", ANSWER)
    del template["text"]
    template["template"] = {"name": "order_update", "language": "ja", "params": ["#1042"]}
    send_case("invalid_template", template, "invalid", "no templates on LINE: refused before any HTTP call", [])


#: The bytes the media cassettes serve: a minimal JPEG and a minimal PDF.
JPEG_BYTES = b"\xff\xd8\xff\xfe\x00\x12siu line sample\xff\xd9"
PDF_BYTES = b"%PDF-1.4\n% siu line sample\n%%EOF\n"
MEDIA: list[dict[str, Any]] = []


def build_media_cases() -> None:
    """An image (type from the server) and a file (the server says octet-stream: type from its name)."""
    for cid, attachment, content, served, mime in (
        ("image", {"type": "image", "media_id": msg_id(7)}, JPEG_BYTES, "image/jpeg", "image/jpeg"),
        ("file", {"type": "file", "media_id": msg_id(11), "filename": "invoice-1042.pdf"}, PDF_BYTES,
         "application/octet-stream", "application/pdf"),
    ):
        rel = f"cassettes/media_{cid}.yaml"
        CASSETTES[rel] = [{
            "request": {"body": None, "headers": {"Accept": ["*/*"]}, "method": "GET",
                        "uri": f"{DATA_API}/v2/bot/message/{attachment['media_id']}/content"},
            "response": {"body": {"string": content},
                         "headers": {"Content-Length": [str(len(content))], "Content-Type": [served],
                                     "x-line-request-id": [request_id(100 + len(MEDIA))]},
                         "status": {"code": 200, "message": "OK"}},
        }]
        MEDIA.append({"id": cid, "cassette": rel, "attachment": attachment,
                      "sha256": hashlib.sha256(content).hexdigest(), "mime_type": mime})


# --- writing -------------------------------------------------------------------------------------

def line_json(payload: Any, *, escaped: bool = False) -> bytes:
    """Compact JSON as LINE sends it; ``escaped`` writes non-ASCII as \\u escapes."""
    return json.dumps(payload, ensure_ascii=escaped, separators=(",", ":")).encode("utf-8")


def write(rel: str, data: bytes) -> None:
    """Write one fixture file under contract/."""
    path = ROOT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def signature(body: bytes, secret: str = SECRETS["channel_secret"], algorithm: str = "sha256") -> str:
    """base64(HMAC(secret, body)), as LINE computes it."""
    return base64.b64encode(hmac.new(secret.encode(), body, algorithm).digest()).decode()


def signed(body_rel: str, value: str, why: str) -> dict[str, Any]:
    """A sample POST: the body file and the headers LINE sends with it."""
    return {"body": body_rel, "headers": {"Content-Type": "application/json; charset=utf-8",
                                          "User-Agent": "LineBotWebhook/2.0", HEADER: value}, "why": why}


def main(argv: list[str] | None = None) -> int:
    """Write every fixture; with --approve, also the expected events (review their diff)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--approve", action="store_true", help="rewrite expected/ from the current normalize")
    args = parser.parse_args(argv)
    bodies: dict[str, bytes] = {}
    normalize_cases = []
    for cid, payload, why in CASES:
        rel = f"webhooks/{cid}.json"
        body = line_json(payload, escaped=cid == "text_unicode")
        bodies[cid] = body
        write(rel, body)
        if args.approve:
            events = [dump_event(e) for e in normalize_body(body) if not isinstance(e, Unreadable)]
            write(f"expected/{cid}.json", (json.dumps(events, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        case: dict[str, Any] = {"id": cid, "webhook": rel, "expected": f"expected/{cid}.json"}
        if cid in UNREADABLE:
            case["unreadable"] = UNREADABLE[cid]
        normalize_cases.append({**case, "why": why})
    unknown = []
    for name, payload in UNKNOWN:
        write(f"unknown/{name}.json", line_json(payload))
        unknown.append(f"unknown/{name}.json")
    malformed = []
    for name, raw in (("empty", b""), ("not_json", b"destination=U1&events=[]"),
                      ("invalid_utf8", b'{"destination":"U1","events":[{"type":"message","x":"\xff\xfe"}]}'),
                      ("nan", b'{"destination":"U1","events":[{"timestamp":NaN}]}'),
                      ("nested_too_deep", b'{"destination":"U1","events":' + b"[" * 100_000 + b"]" * 100_000 + b"}")):
        rel = f"malformed/{name}.{'txt' if name in ('empty', 'not_json') else 'json'}"
        write(rel, raw)
        malformed.append(rel)
    for name, payload in MALFORMED_JSON:
        write(f"malformed/{name}.json", line_json(payload))
        malformed.append(f"malformed/{name}.json")
    build_send_cases()
    build_media_cases()
    for rel, interactions in CASSETTES.items():
        write(rel, yamlserializer.serialize({"interactions": interactions, "version": 1}).encode("utf-8"))
    text_sig = signature(bodies["text"])
    manifest = {
        "manifest_version": 1,
        "channel": "line",
        "secrets": SECRETS,
        "settings": {},
        "account_id": BOT,
        "handshake": {"unsupported": "LINE sends no GET verification request: the console's Verify button POSTs a "
                                     "signed body with no events, and every POST carries x-line-signature"},
        "signature": {
            "header": HEADER,
            "valid": [
                signed("webhooks/text.json", text_sig, "base64 HMAC-SHA256 of the raw body with the channel secret"),
                signed("webhooks/text_unicode.json", signature(bodies["text_unicode"]),
                       "over the bytes as sent, \\u escapes and all"),
                signed("webhooks/batch.json", signature(bodies["batch"]), "a batch is signed as one body"),
            ],
            "invalid": [
                signed("webhooks/text.json", signature(bodies["text_unicode"]), "another body's signature"),
                signed("webhooks/text.json", hmac.new(SECRETS["channel_secret"].encode(), bodies["text"],
                                                      "sha256").hexdigest(), "the right HMAC in hex, not base64"),
                signed("webhooks/text.json", signature(bodies["text"], algorithm="sha1"), "HMAC-SHA1, not SHA-256"),
                signed("webhooks/text.json", signature(bodies["text"], SECRETS["channel_access_token"]),
                       "signed with the access token instead of the channel secret"),
                signed("webhooks/text.json", f"sha256={text_sig}", "the right value behind a Meta-style prefix"),
                signed("webhooks/text.json", text_sig[:-4], "a truncated signature"),
                {"body": "webhooks/text.json", "headers": {"Content-Type": "application/json; charset=utf-8",
                                                           "X-Hub-Signature-256": text_sig},
                 "why": "the right value under another header name"},
            ],
        },
        "normalize": normalize_cases,
        "unknown": unknown,
        "malformed": malformed,
        "shapes": SHAPES,
        "send": SEND,
        "media": MEDIA,
        "skip": {
            "send.window_closed": "LINE has no reply window: an account may push to a friend at any time "
                                  "(channel_info says standard_hours=None); the reply token only chooses reply "
                                  "over push",
        },
    }
    write("manifest.json", (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    print(f"wrote fixtures under {ROOT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
