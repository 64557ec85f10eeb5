"""Write the Twilio plugin's contract fixtures from the hand-written samples below.

    .venv/bin/python plugins/siu_twilio/tools/build_fixtures.py            # bodies, cassettes, manifest
    .venv/bin/python plugins/siu_twilio/tools/build_fixtures.py --approve  # also (re)write expected/

The samples follow Twilio's documented messaging webhook parameters (incoming message and status
callback, SMS, MMS and WhatsApp) with made-up SIDs and numbers, form-encoded as Twilio sends them
and signed with the fake auth token over the manifest's ``webhook_url``. The cassettes are written in
vcrpy's format from the documented Messages API answers and error envelopes, as
:func:`siu_core.cassettes.recorder` leaves them: no Authorization header, the account SID in each URL
as the ``<account_sid>`` placeholder (put back on replay), the business number in answers as
``<phone_number>``. The core counts every secret field not ending in ``_id`` as confidential, the
account SID included, so the sample webhooks name another (made-up) account SID than the manifest's:
no check depends on it. Expected events are only rewritten with ``--approve``: review the diff of
``expected/`` before committing it, it is the golden contract.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from siu_twilio.normalize import normalize_body
from siu_twilio.signature import compute
from vcr.serializers import yamlserializer

from siu_core.models import dump_event

ROOT = Path(__file__).resolve().parent.parent / "siu_twilio" / "contract"

SECRETS = {
    "account_sid": "AC5f1ca7c0ffee5e1a2b3c4d5e6f708192",
    "auth_token": "siu-fake-twilio-auth-token-0123456789",
    "phone_number": "+14155238886",
}
#: The account SID the sample webhooks carry (not the manifest's: see the module docstring).
SAMPLE_ACCOUNT = "AC0a1b2c3d4e5f60718293a4b5c6d7e8f9"
BUSINESS = "+14155238886"
ACCOUNT_ID = "14155238886"
WEBHOOK_URL = "https://contract.siu.test/webhooks/twilio"
API = "https://api.twilio.com/2010-04-01/Accounts/<account_sid>"
FORM = "application/x-www-form-urlencoded"
DATE = "Tue, 10 Feb 2026 09:{minute:02d}:00 GMT"
AMARA = "+14155550123"
AMARA_WA = "whatsapp:+5511987654321"
#: Never used when a sample has its Date header (all have): normalize reads the time from it.
NOW = datetime(2026, 2, 10, 12, 0, tzinfo=UTC)


def sid(kind: str, n: int) -> str:
    """A made-up SID of a kind (SM, MM, ME, HX...): the kind and 32 hex digits."""
    return kind + hashlib.sha256(f"{kind}{n}".encode()).hexdigest()[:32]


def media_url(message: str, n: int) -> str:
    """Where Twilio keeps an inbound media file: a Media resource of the message."""
    return f"https://api.twilio.com/2010-04-01/Accounts/{SAMPLE_ACCOUNT}/Messages/{message}/Media/{sid('ME', n)}"


def inbound(n: int, sender: str = AMARA, to: str = BUSINESS, body: str = "", *, media: list[str] | None = None,
            whatsapp: dict[str, str] | None = None, extra: list[tuple[str, str]] | None = None,
            kind: str = "SM") -> list[tuple[str, str]]:
    """An incoming-message webhook's parameters, in the order Twilio sends them."""
    message = sid(kind, n)
    form: list[tuple[str, str]] = []
    if sender == AMARA:
        form += [("ToCountry", "US"), ("ToState", "CA"), ("SmsMessageSid", message),
                 ("NumMedia", str(len(media or [])))]
        form += [("ToCity", "SAN FRANCISCO"), ("FromZip", "94105"), ("SmsSid", message), ("FromState", "CA"),
                 ("SmsStatus", "received"), ("FromCity", "SAN FRANCISCO"), ("Body", body), ("FromCountry", "US"),
                 ("To", to), ("ToZip", "94110"), ("NumSegments", "1")]
    else:
        form += [("SmsMessageSid", message), ("NumMedia", str(len(media or [])))]
        form += list((whatsapp or {}).items())
        form += [("SmsSid", message), ("SmsStatus", "received"), ("Body", body), ("To", f"whatsapp:{to}"),
                 ("NumSegments", "1")]
    for index, mime in enumerate(media or []):
        form += [(f"MediaContentType{index}", mime), (f"MediaUrl{index}", media_url(message, n * 10 + index))]
    form += extra or []
    if sender != AMARA:
        form.append(("ReferralNumMedia", "0"))
    form += [("MessageSid", message), ("AccountSid", SAMPLE_ACCOUNT), ("From", sender),
             ("ApiVersion", "2010-04-01")]
    return form


def wa_profile(kind: str = "text") -> dict[str, str]:
    """What WhatsApp adds about the sender."""
    return {"ProfileName": "Amara Souza", "MessageType": kind, "WaId": AMARA_WA.split("+")[1]}


def status(n: int, state: str, to: str = AMARA, *, sender: str = BUSINESS, error: str | None = None,
           extra: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    """A status callback of a message the business sent (From is the business)."""
    message = sid("SM", n)
    form: list[tuple[str, str]] = []
    if error is not None:
        form.append(("ErrorCode", error))
    form += extra or []
    form += [("SmsSid", message), ("SmsStatus", state), ("MessageStatus", state), ("To", to),
             ("MessageSid", message), ("AccountSid", SAMPLE_ACCOUNT), ("From", sender), ("ApiVersion", "2010-04-01")]
    return form


WA_FROM = f"whatsapp:{BUSINESS}"
WEBHOOKS: dict[str, tuple[list[tuple[str, str]], int, str]] = {
    "sms_text": (inbound(1, body="Hi! Is the 250g Guji roast back in stock?"), 0,
                 "an SMS: customer and account are E.164 numbers without the +, the MessageSid is the id"),
    "sms_unicode": (inbound(2, body="Olá! Preço do café 20% + frete? 😀 \"quoted\" a\\b & c=d"), 1,
                    "non-ASCII text, +, &, = and quotes, percent-encoded as Twilio sends them"),
    "mms_two_media": (inbound(3, body="Photo of the damage and the invoice", kind="MM",
                              media=["image/jpeg", "application/pdf"]), 2,
                      "an MMS with two media: both attachments, kind from the first, the body is the text"),
    "mms_media_only": (inbound(4, kind="MM", media=["video/mp4"]), 3,
                       "media without text: Body is sent empty, text is null"),
    "whatsapp_text": (inbound(5, AMARA_WA, body="Oi, meu pedido 1042 chegou quebrado", whatsapp=wa_profile()), 4,
                      "WhatsApp through Twilio: the whatsapp: prefix stays in the customer id, ProfileName names "
                      "them"),
    "whatsapp_voice": (inbound(6, AMARA_WA, whatsapp=wa_profile("audio"), media=["audio/ogg"]), 5,
                       "a WhatsApp voice note: audio"),
    "whatsapp_location": (inbound(7, AMARA_WA, whatsapp=wa_profile("location"),
                                  extra=[("Latitude", "-23.5613"), ("Longitude", "-46.6565"),
                                         ("Address", "Av. Paulista, 1578, São Paulo"), ("Label", "MASP")]), 6,
                          "a shared location with its label and address"),
    "whatsapp_button": (inbound(8, AMARA_WA, body="Yes, reschedule", whatsapp=wa_profile("button"),
                                extra=[("ButtonText", "Yes, reschedule"), ("ButtonPayload", "resched_yes_1042")]), 7,
                        "a tapped quick-reply button of a template: kind interactive"),
    "whatsapp_reply": (inbound(9, AMARA_WA, body="This one, in blue", whatsapp=wa_profile(),
                               extra=[("OriginalRepliedMessageSender", WA_FROM),
                                      ("OriginalRepliedMessageSid", sid("SM", 90))]), 8,
                       "a reply to the business's message: reply_to is that message's SID"),
    "whatsapp_referral": (inbound(10, AMARA_WA, body="I saw your ad, do you ship to Recife?", whatsapp=wa_profile(),
                                  extra=[("ReferralBody", "Fresh roasts, shipped weekly"),
                                         ("ReferralHeadline", "Guji Natural is back"),
                                         ("ReferralSourceId", "120210000000000001"), ("ReferralSourceType", "ad"),
                                         ("ReferralSourceUrl", "https://fb.me/siu-sample-ad")]), 9,
                          "a click-to-WhatsApp ad: the referral is kept"),
    "whatsapp_unsupported": (inbound(11, AMARA_WA, whatsapp=wa_profile("unsupported")), 10,
                             "nothing siu can show (no body, media or location) is still a message: unsupported"),
    "status_sent": (status(101, "sent"), 11, "a reply left Twilio: status sent, pointing at its MessageSid"),
    "status_delivered": (status(101, "delivered", extra=[("RawDlrDoneDate", "2602100911")]), 12,
                         "the carrier confirmed delivery"),
    "status_read": (status(102, "read", AMARA_WA, sender=WA_FROM,
                           extra=[("ChannelPrefix", "whatsapp"), ("EventType", "READ")]), 13,
                    "WhatsApp read receipt: the customer is the To of the business's message"),
    "status_undelivered": (status(103, "undelivered", error="30003"), 14,
                           "undelivered with ErrorCode 30003 (unreachable handset): failed with the error"),
    "status_failed_window": (status(104, "failed", AMARA_WA, sender=WA_FROM, error="63016",
                                    extra=[("ChannelPrefix", "whatsapp")]), 15,
                             "WhatsApp refused free text outside the 24-hour window (63016): failed"),
}

UNKNOWN: dict[str, list[tuple[str, str]]] = {
    "status_queued": status(105, "queued"),
    "status_sending": status(105, "sending"),
    "status_accepted": status(106, "accepted", extra=[("MessagingServiceSid", sid("MG", 1))]),
    "voice_call": [("Called", BUSINESS), ("CallSid", sid("CA", 1)), ("AccountSid", SAMPLE_ACCOUNT),
                   ("From", AMARA), ("CallStatus", "ringing"), ("Direction", "inbound"), ("To", BUSINESS),
                   ("ApiVersion", "2010-04-01")],
    "empty_form": [("ApiVersion", "2010-04-01")],
}


def drop(form: list[tuple[str, str]], name: str) -> list[tuple[str, str]]:
    """The form without one field."""
    return [(k, v) for k, v in form if k != name]


def replace(form: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    """The form with one field's value changed."""
    return [(k, value if k == name else v) for k, v in form]


BASE = inbound(1, body="Hi! Is the 250g Guji roast back in stock?")
MALFORMED: dict[str, bytes] = {
    "empty.txt": b"",
    "json_object.json": b'{"MessageSid": "SM0", "Body": "hi"}',
    "invalid_utf8.form": urlencode(BASE).encode() + b"&Extra=%FF",
    "raw_invalid_utf8.form": urlencode(BASE).encode().replace(b"Guji", b"G\xffji"),
    "field_without_value.form": b"MessageSid&Body",
    "message_sid_not_a_sid.form": urlencode(replace(BASE, "MessageSid", "12345")).encode(),
    "from_missing.form": urlencode(drop(BASE, "From")).encode(),
    "to_not_an_address.form": urlencode(replace(BASE, "To", "not an address")).encode(),
    "num_media_not_a_number.form": urlencode(replace(BASE, "NumMedia", "two")).encode(),
    "num_media_too_many.form": urlencode(replace(BASE, "NumMedia", "11")).encode(),
    "media_url_missing.form": urlencode(replace(BASE, "NumMedia", "1")).encode(),
    "latitude_out_of_range.form": urlencode([*BASE, ("Latitude", "123.4"), ("Longitude", "10")]).encode(),
    "latitude_alone.form": urlencode([*BASE, ("Latitude", "12.3")]).encode(),
    "field_twice_differently.form": urlencode([*BASE, ("From", "+14155550999")]).encode(),
}


def body_of(form: list[tuple[str, str]]) -> bytes:
    """The form as Twilio POSTs it."""
    return urlencode(form).encode("ascii")


def headers_for(form: list[tuple[str, str]], url: str = WEBHOOK_URL, token: str = SECRETS["auth_token"],
                minute: int | None = None) -> dict[str, str]:
    """The headers Twilio sends: form content type, the signature over ``url`` and the form, a Date when given."""
    headers = {"content-type": FORM}
    if minute is not None:
        headers["Date"] = DATE.format(minute=minute)
    headers["X-Twilio-Signature"] = compute(token, url, form)
    return headers


# --- send cases ------------------------------------------------------------------------------------


def created(message: str, to: str, sender: str, body: str, *, status: str = "queued") -> dict[str, Any]:
    """A Message resource as the Messages API answers a create (201)."""
    uri = f"/2010-04-01/Accounts/<account_sid>/Messages/{message}"
    return {
        "account_sid": "<account_sid>", "api_version": "2010-04-01", "body": body,
        "date_created": "Tue, 10 Feb 2026 09:30:00 +0000", "date_sent": None,
        "date_updated": "Tue, 10 Feb 2026 09:30:00 +0000", "direction": "outbound-api", "error_code": None,
        "error_message": None, "from": sender.replace(BUSINESS, "<phone_number>"), "messaging_service_sid": None,
        "num_media": "0", "num_segments": "1", "price": None, "price_unit": "USD", "sid": message,
        "status": status, "subresource_uris": {"media": f"{uri}/Media.json"}, "to": to, "uri": f"{uri}.json",
    }


def twilio_error(code: int, message: str, status: int) -> dict[str, Any]:
    """Twilio's error envelope."""
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}


REASONS = {200: "OK", 201: "CREATED", 400: "BAD REQUEST", 401: "UNAUTHORIZED", 429: "TOO MANY REQUESTS",
           500: "INTERNAL SERVER ERROR", 503: "Service Unavailable", 307: "TEMPORARY REDIRECT"}


def interaction(form: list[tuple[str, str]], status: int, answer: dict[str, Any] | str,
                headers: dict[str, str] | None = None) -> dict[str, Any]:
    """One Messages create call and its answer, in vcrpy's shape (no Authorization header)."""
    body = urlencode(form)
    text = answer if isinstance(answer, str) else json.dumps(answer)
    content_type = "text/html" if isinstance(answer, str) else "application/json"
    return {
        "request": {"body": body, "headers": {"Accept": ["*/*"], "Content-Length": [str(len(body))],
                                              "Content-Type": [FORM]},
                    "method": "POST", "uri": f"{API}/Messages.json"},
        "response": {"body": {"string": text},
                     "headers": {"Content-Type": [content_type], "Content-Length": [str(len(text.encode()))],
                                 "Twilio-Request-Id": ["RQ" + hashlib.sha256(body.encode()).hexdigest()[:32]],
                                 **{k: [v] for k, v in (headers or {}).items()}},
                     "status": {"code": status, "message": REASONS[status]}},
    }


def reply(rid: str, recipient: str, *, text: str | None = None, **extra: Any) -> dict[str, Any]:
    """A ReplyRequest from the thread of account ACCOUNT_ID."""
    request: dict[str, Any] = {"channel": "twilio", "account_id": ACCOUNT_ID, "recipient": {"id": recipient}}
    if text is not None:
        request["text"] = text
    return {**request, "idempotency_key": rid, **extra}


SMS_TEXT = "Yes! The 250g Guji is back: shipping Monday."
WA_TEXT = "Sinto muito! Enviamos outra caneca hoje, sem custo."
SMS_FORM = [("To", AMARA), ("From", BUSINESS), ("Body", SMS_TEXT)]
WA_FORM = [("To", AMARA_WA), ("From", WA_FROM), ("Body", WA_TEXT)]
TEMPLATE = sid("HX", 1)
WA_TEMPLATE_FORM = [("To", AMARA_WA), ("From", WA_FROM), ("ContentSid", TEMPLATE),
                    ("ContentVariables", json.dumps({"1": "#1042"}))]
SMS_ID, WA_ID = "14155550123", "whatsapp:5511987654321"
INSIDE = {"last_inbound_at": "2026-02-10T09:00:00Z", "requested_at": "2026-02-10T09:30:00Z"}
OUTSIDE = {"last_inbound_at": "2026-02-09T08:00:00Z", "requested_at": "2026-02-10T09:30:00Z"}


def send_cases() -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """The manifest's send cases and their cassettes."""
    cases: list[dict[str, Any]] = []
    cassettes: dict[str, list[dict[str, Any]]] = {}

    def case(cid: str, outcome: str, request: dict[str, Any], why: str, calls: list[dict[str, Any]],
             **extra: Any) -> None:
        cassettes[f"cassettes/send_{cid}.yaml"] = calls
        cases.append({"id": cid, "cassette": f"cassettes/send_{cid}.yaml", "request": request,
                      "outcome": outcome, "why": why, **extra})

    sms_sid, wa_sid, tpl_sid = sid("SM", 201), sid("SM", 202), sid("SM", 203)
    case("success_sms", "success", reply("reply-0001", SMS_ID, text=SMS_TEXT),
         "an SMS reply from the number the customer wrote to: the Message SID is what status callbacks name",
         [interaction(SMS_FORM, 201, created(sms_sid, AMARA, BUSINESS, SMS_TEXT))],
         result={"message_id": sms_sid, "recipient_id": SMS_ID, "status": "accepted"})
    case("success_whatsapp", "success", reply("reply-0002", WA_ID, text=WA_TEXT, **INSIDE),
         "WhatsApp inside the 24-hour window: To and From carry the whatsapp: prefix",
         [interaction(WA_FORM, 201, created(wa_sid, AMARA_WA, WA_FROM, WA_TEXT))],
         result={"message_id": wa_sid, "recipient_id": WA_ID, "status": "accepted"})
    case("success_template", "success",
         reply("reply-0003", WA_ID, template={"name": TEMPLATE, "language": "pt_BR", "params": ["#1042"]}, **OUTSIDE),
         "outside the window a template goes out: ContentSid and numbered ContentVariables",
         [interaction(WA_TEMPLATE_FORM, 201, created(tpl_sid, AMARA_WA, WA_FROM, "Seu pedido #1042 foi enviado."))],
         result={"message_id": tpl_sid, "recipient_id": WA_ID, "status": "accepted"})
    case("window_closed_local", "window_closed", reply("reply-0004", WA_ID, text=WA_TEXT, **OUTSIDE),
         "WhatsApp text 25 h after the customer's last message: refused before any HTTP call", [])
    case("window_closed_63016", "window_closed", reply("reply-0005", WA_ID, text=WA_TEXT),
         "the window is unknown to siu (no last_inbound_at): Twilio's 63016 maps to WindowClosed",
         [interaction(WA_FORM, 400, twilio_error(63016, "Failed to send freeform message because you are "
                                                 "outside the allowed window. If you are using WhatsApp, "
                                                 "please use a Message Template.", 400))])
    case("permanent_21211", "permanent", reply("reply-0006", SMS_ID, text=SMS_TEXT),
         "21211: the To number is not valid; the recipient, not the text, is wrong",
         [interaction(SMS_FORM, 400, twilio_error(21211, f"The 'To' number {AMARA} is not a valid phone "
                                                  "number.", 400))])
    case("permanent_21610", "permanent", reply("reply-0007", SMS_ID, text=SMS_TEXT),
         "21610: the customer replied STOP; never retry",
         [interaction(SMS_FORM, 400, twilio_error(21610, "Attempt to send to unsubscribed recipient", 400))])
    case("permanent_20003", "permanent", reply("reply-0008", SMS_ID, text=SMS_TEXT),
         "20003: the account SID or auth token is wrong",
         [interaction(SMS_FORM, 401, twilio_error(20003, "Authenticate", 401))])
    case("rate_limited_20429", "rate_limited", reply("reply-0009", SMS_ID, text=SMS_TEXT),
         "HTTP 429 / 20429: Twilio says no wait, siu waits 10 s",
         [interaction(SMS_FORM, 429, twilio_error(20429, "Too Many Requests", 429))], retry_after=10.0)
    case("transient_500", "transient", reply("reply-0010", SMS_ID, text=SMS_TEXT),
         "a 5xx is worth retrying",
         [interaction(SMS_FORM, 500, twilio_error(20500, "Internal Server Error", 500))])
    case("transient_503_html", "transient", reply("reply-0011", SMS_ID, text=SMS_TEXT),
         "a proxy's HTML page instead of the JSON envelope: still read by its status",
         [interaction(SMS_FORM, 503, "<html><body><h1>503 Service Unavailable</h1></body></html>")])
    case("invalid_too_long", "invalid", reply("reply-0012", SMS_ID, text="x" * 1601),
         "over 1600 characters: refused before any HTTP call", [])
    case("invalid_21617", "invalid", reply("reply-0013", SMS_ID, text=SMS_TEXT),
         "Twilio's own refusal of the body (21617) is InvalidReply too",
         [interaction(SMS_FORM, 400, twilio_error(21617, "The concatenated message body exceeds the 1600 "
                                                  "character limit", 400))])
    case("invalid_template_name", "invalid",
         reply("reply-0014", WA_ID, template={"name": "order_update", "language": "en", "params": ["#1042"]},
               **OUTSIDE),
         "a template is named by its Content SID (HX...): refused before any HTTP call", [])
    return cases, cassettes


CONTENT = "https://content.twilio.com/v1/ContentAndApprovals"


def content(n: int, name: str, language: str, variables: dict[str, str], status: str, category: str,
            body: str) -> dict[str, Any]:
    """A Content resource with its WhatsApp approval request, as ContentAndApprovals lists it."""
    content_sid = TEMPLATE if n == 1 else sid("HX", n)
    return {
        "date_created": "2026-01-15T10:00:00Z", "date_updated": "2026-01-16T08:30:00Z", "sid": content_sid,
        "account_sid": "<account_sid>", "friendly_name": name, "language": language, "variables": variables,
        "types": {"twilio/text": {"body": body}},
        "approval_requests": {"name": name, "category": category, "content_type": "twilio/text",
                              "status": status, "rejection_reason": "", "allow_category_change": False},
    }


def templates_cases() -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """The account's Content templates over two pages, and the entries message_templates must return."""
    first = f"{CONTENT}?PageSize=500"
    second = f"{CONTENT}?PageSize=500&Page=1&PageToken=PASIU0001"
    pages = [
        (first, [content(1, "order_shipped", "pt_BR", {"1": "1042"}, "approved", "UTILITY",
                         "Seu pedido {{1}} foi enviado."),
                 content(2, "spring_sale", "en", {"1": "name", "2": "code"}, "rejected", "MARKETING",
                         "Hi {{1}}, use {{2}} for 10% off")], second),
        (second, [content(3, "opening_hours", "en", {}, "unsubmitted", "",
                          "We are open 9-18, Monday to Saturday.")], None),
    ]
    calls = []
    for index, (url, contents, following) in enumerate(pages):
        meta = {"page": index, "page_size": 500, "first_page_url": first,
                "previous_page_url": first if index else None, "url": url, "next_page_url": following,
                "key": "contents"}
        text = json.dumps({"contents": contents, "meta": meta})
        calls.append({"request": {"body": None, "headers": {"Accept": ["*/*"]}, "method": "GET", "uri": url},
                      "response": {"body": {"string": text},
                                   "headers": {"Content-Type": ["application/json"],
                                               "Content-Length": [str(len(text.encode()))]},
                                   "status": {"code": 200, "message": "OK"}}})
    expected = [
        {"name": TEMPLATE, "language": "pt_BR", "status": "APPROVED", "category": "UTILITY", "param_count": 1},
        {"name": sid("HX", 2), "language": "en", "status": "REJECTED", "category": "MARKETING", "param_count": 2},
        {"name": sid("HX", 3), "language": "en", "status": "UNSUBMITTED", "category": None, "param_count": 0},
    ]
    cases = [{"id": "two_pages", "cassette": "cassettes/templates_two_pages.yaml", "expected": expected,
              "why": "every page is read; the Content SID is the name, WhatsApp's review the status"}]
    return cases, {"cassettes/templates_two_pages.yaml": calls}


MEDIA_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00siu twilio sample\xff\xd9"


def media_cases() -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """A Media resource fetched with basic auth, redirected to Twilio's media CDN."""
    message, media = sid("MM", 301), sid("ME", 301)
    path = f"/Messages/{message}/Media/{media}"
    cdn = f"https://s3-external-1.amazonaws.com/media.twiliocdn.com/<account_sid>/{hashlib.sha256(b'm').hexdigest()}"
    calls = [
        {"request": {"body": None, "headers": {"Accept": ["*/*"]}, "method": "GET", "uri": f"{API}{path}"},
         "response": {"body": {"string": ""}, "headers": {"Location": [cdn], "Content-Length": ["0"]},
                      "status": {"code": 307, "message": REASONS[307]}}},
        {"request": {"body": None, "headers": {"Accept": ["*/*"]}, "method": "GET", "uri": cdn},
         "response": {"body": {"string": MEDIA_BYTES},
                      "headers": {"Content-Type": ["image/jpeg"], "Content-Length": [str(len(MEDIA_BYTES))]},
                      "status": {"code": 200, "message": "OK"}}},
    ]
    account = SECRETS["account_sid"]
    cases = [{
        "id": "image_redirected",
        "cassette": "cassettes/media_image.yaml",
        "attachment": {"type": "image", "mime_type": "image/jpeg",
                       "url": f"https://api.twilio.com/2010-04-01/Accounts/{account}{path}"},
        "sha256": hashlib.sha256(MEDIA_BYTES).hexdigest(),
        "mime_type": "image/jpeg",
    }]
    return cases, {"cassettes/media_image.yaml": calls}


def write(rel: str, data: bytes) -> None:
    """Write one fixture file, creating its folder."""
    path = ROOT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    """Write every fixture and the manifest; expectations too with --approve."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--approve", action="store_true", help="rewrite expected/ from the current normalize")
    args = parser.parse_args(argv)
    normalize_cases = []
    for name, (form, minute, why) in WEBHOOKS.items():
        write(f"webhooks/{name}.form", body_of(form))
        headers = headers_for(form, minute=minute)
        if args.approve:
            events = normalize_body(body_of(form), headers, NOW)
            write(f"expected/{name}.json",
                  (json.dumps([dump_event(e) for e in events], indent=2, ensure_ascii=False) + "\n").encode())
        normalize_cases.append({"id": name, "webhook": f"webhooks/{name}.form", "expected": f"expected/{name}.json",
                                "headers": {"content-type": FORM, "Date": headers["Date"]}, "why": why})
    for name, form in UNKNOWN.items():
        write(f"unknown/{name}.form", body_of(form))
    for name, data in MALFORMED.items():
        write(f"malformed/{name}", data)
    sends, send_cassettes = send_cases()
    medias, media_cassettes = media_cases()
    templates, template_cassettes = templates_cases()
    for rel, calls in {**send_cassettes, **media_cassettes, **template_cassettes}.items():
        write(rel, yamlserializer.serialize({"interactions": calls, "version": 1}).encode("utf-8"))

    def signed(name: str, why: str, **over: Any) -> dict[str, Any]:
        form = WEBHOOKS[name][0]
        return {"body": f"webhooks/{name}.form", "headers": headers_for(form, **over), "why": why}

    other = WEBHOOKS["whatsapp_text"][0]
    manifest = {
        "manifest_version": 1,
        "channel": "twilio",
        "secrets": SECRETS,
        "settings": {},
        "account_id": ACCOUNT_ID,
        "webhook_url": WEBHOOK_URL,
        "handshake": {"unsupported": "Twilio sends no GET verification request: the webhook URL is set on the "
                                     "number or Messaging Service, and every POST carries X-Twilio-Signature"},
        "signature": {
            "header": "X-Twilio-Signature",
            "valid": [
                signed("sms_text", "HMAC-SHA1 of the webhook URL and the sorted form parameters"),
                signed("sms_unicode", "parameters are signed decoded: + as space, %2B as +, UTF-8 text"),
                signed("whatsapp_text", "WhatsApp through Twilio is signed the same way"),
                signed("sms_text", "Twilio's port quirk: signed with the default port written out",
                       url="https://contract.siu.test:443/webhooks/twilio"),
            ],
            "invalid": [
                signed("sms_text", "signed for another URL (http, not https)",
                       url="http://contract.siu.test/webhooks/twilio"),
                signed("sms_text", "signed for another path", url="https://contract.siu.test/webhooks/twilio2"),
                signed("sms_text", "signed for the URL with a query string the request does not have",
                       url="https://contract.siu.test/webhooks/twilio?x=1"),
                {"body": "webhooks/sms_text.form", "headers": {"content-type": FORM,
                                                               "X-Twilio-Signature": compute(
                                                                   SECRETS["auth_token"], WEBHOOK_URL, other)},
                 "why": "another webhook's signature"},
                signed("sms_text", "signed with the account SID instead of the auth token",
                       token=SECRETS["account_sid"]),
                {"body": "webhooks/sms_text.form",
                 "headers": {"content-type": "application/json",
                             "X-Twilio-Signature": headers_for(WEBHOOKS["sms_text"][0])["X-Twilio-Signature"]},
                 "why": "the right signature, but the body is not declared a form (and no bodySHA256)"},
            ],
        },
        "normalize": normalize_cases,
        "unknown": [f"unknown/{name}.form" for name in UNKNOWN],
        "malformed": [f"malformed/{name}" for name in MALFORMED],
        "shapes": {
            "edit": {"handling": "not_on_platform",
                     "why": "an SMS or MMS cannot be edited once sent, and Twilio forwards no WhatsApp message edit "
                            "to the incoming-message or status callbacks"},
            "deletion": {"handling": "not_on_platform",
                         "why": "an SMS or MMS cannot be unsent, and Twilio forwards no WhatsApp deletion (delete "
                                "for everyone) to the incoming-message or status callbacks"},
            "unknown_kind": {"handling": "unsupported", "webhook": "webhooks/whatsapp_unsupported.form",
                             "why": "MessageType=unsupported, or nothing siu can show (no body, media or "
                                    "location), is a message of kind unsupported, so the thread shows it came"},
        },
        "send": sends,
        "media": medias,
        "templates": templates,
        "skip": {
            "signature.escaped_unicode": "Twilio webhooks are forms, not JSON: there are no \\u escapes; "
                                         "sms_unicode is a golden vector with percent-encoded UTF-8 instead",
            "normalize.batch": "Twilio POSTs exactly one message or status callback per request: no webhook "
                               "carries several events",
            "normalize.partial_batch": "Twilio POSTs exactly one message or status callback per request: there is "
                                       "no batch to keep part of (an unreadable form is the whole body, a 400)",
        },
    }
    write("manifest.json", (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    print(f"wrote {len(WEBHOOKS)} webhooks, {len(UNKNOWN)} unknown, {len(MALFORMED)} malformed, "
          f"{len(sends)} send, {len(medias)} media and {len(templates)} templates cases", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
