"""HTTP wiring of the inbox API on Powertools' ``LambdaFunctionUrlResolver`` (Function URL payload 2.0).

Every API answer is JSON; every error is ``{"error": {"code", "message", ...}}`` (a 404 too). Checks
run in this order: token (401), body (422), thread exists (404), caller allowed (403), state (409).
A known path with another method is 405 with ``Allow``; ``OPTIONS`` is 204 with ``Allow``
(:func:`options_answer`, called by the handler); ``/`` redirects to the UI. Security headers and the
request id of 5xx bodies are added to every answer by :func:`siu_core.inbox.errors.finish`.

Powertools keeps the current request in a class attribute shared by every resolver, so a process
must resolve one request at a time: the handler (:mod:`siu_core.handlers.inbox`) holds a lock around
:meth:`resolve`. A Lambda runs one request at a time anyway; ``siu dev`` serves the API on threads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from siu_core import obs
from siu_core.auth import AuthError, bearer_token
from siu_core.inbox import (
    actions,
    admin,
    authz,
    bodies,
    customer_routes,
    eligible,
    identity,
    media,
    notes,
    reads,
    reply,
    reports,
    saved_replies,
    template_catalog,
)
from siu_core.inbox.errors import CURRENT_REQUEST_ID, Answer, ApiError

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response

    Reply = Response[str]
    from siu_core.inbox.authz import Actor
    from siu_core.inbox.services import InboxServices

SERVICE = "inbox"
PREFIX = "/api"
#: Where the inbox web UI (:mod:`siu_core.ui`) is served, by this same function.
UI_PREFIX = "/inbox"
#: Every endpoint (docs/inbox-api.md documents each; a test keeps the two in step).
ENDPOINTS: tuple[tuple[str, str], ...] = (
    ("GET", "/api/me"), ("GET", "/api/queue"), ("GET", "/api/threads/{id}"),
    ("POST", "/api/threads/{id}/reply"), ("POST", "/api/threads/{id}/reassign"),
    ("POST", "/api/threads/{id}/close"), ("POST", "/api/threads/{id}/claim"),
    ("POST", "/api/threads/{id}/labels"), ("POST", "/api/threads/{id}/relabel"),
    ("GET", "/api/roster"), ("PUT", "/api/roster/{id}"),
    ("GET", "/api/audit"), ("GET", "/api/threads/{id}/eligible"), ("GET", "/api/threads/{id}/media"),
    ("POST", "/api/me/sign-out"), ("POST", "/api/roster/{id}/sign-out"),
    ("GET", "/api/channels/{id}/templates"), ("GET", "/api/reports/{name}"),
    ("GET", "/api/saved-replies"), ("POST", "/api/saved-replies"), ("PUT", "/api/saved-replies/{id}"),
    ("DELETE", "/api/saved-replies/{id}"), ("POST", "/api/threads/{id}/notes"), ("GET", "/api/notifications"),
    ("GET", "/api/templates"), ("POST", "/api/uploads"),
    ("POST", "/api/admin/customers/{id}/export"), ("POST", "/api/admin/customers/{id}/erase"),
    ("POST", "/api/notifications/read"), ("GET", "/api/me/preferences"),
    ("PUT", "/api/me/preferences"), ("GET", "/api/queues"), ("POST", "/api/threads/{id}/presence"),
    ("POST", "/api/threads/{id}/snooze"), ("DELETE", "/api/threads/{id}/snooze"), ("GET", "/api/snoozed"),
    ("GET", "/api/search"), *customer_routes.ENDPOINTS,
)


#: Every path this function answers, with its method (the API's, the UI's, the root redirect).
ROUTES: tuple[tuple[str, str], ...] = (
    *ENDPOINTS, ("GET", "/"), ("GET", UI_PREFIX), ("GET", f"{UI_PREFIX}/"), ("GET", f"{UI_PREFIX}/{{file}}"),
)


def _route_pattern(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[a-z]+\\\}", "[^/]+", re.escape(template)) + "$")


_PATTERNS = tuple((method, _route_pattern(path)) for method, path in ROUTES)


def allowed_methods(path: str) -> list[str]:
    """The methods a path answers (HEAD and OPTIONS included), or [] when no route has it: for Allow, 405, OPTIONS."""
    methods = {method for method, pattern in _PATTERNS if pattern.match(path)}
    if "GET" in methods:
        methods.add("HEAD")  # the handler answers HEAD as GET without the body
    return sorted(methods | {"OPTIONS"}) if methods else []


def options_answer(path: str) -> dict[str, Any]:
    """``OPTIONS``: 204 with ``Allow`` for a path the function answers, a JSON 404 otherwise (no CORS: same origin)."""
    allowed = allowed_methods(path)
    if not allowed:
        body = {"error": {"code": "not_found", "message": f"no endpoint OPTIONS {path}"}}
        return {"statusCode": 404, "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
                "body": json.dumps(body, separators=(",", ":")), "isBase64Encoded": False}
    return {"statusCode": 204, "headers": {"Allow": ", ".join(allowed), "Cache-Control": "no-store"}, "body": "",
            "isBase64Encoded": False}


def _json(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Reply:
    from aws_lambda_powertools.event_handler import Response

    return Response(status_code=status, content_type="application/json",
                    body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                    headers={"Cache-Control": "no-store", **dict(headers or {})})


def build_app(services_of: Any) -> LambdaFunctionUrlResolver:
    """A resolver with every route; ``services_of()`` returns the cold-start services."""
    from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver

    app = LambdaFunctionUrlResolver()
    log = obs.get_logger(SERVICE)

    def services() -> InboxServices:
        result: InboxServices = services_of()
        return result

    def headers() -> Mapping[str, str]:
        return app.current_event.headers or {}

    def params() -> Mapping[str, str]:
        return app.current_event.query_string_parameters or {}

    def actor() -> Actor:
        loaded = services()
        session = loaded.keys.verify(bearer_token(headers()), loaded.clock())
        log.append_keys(user=session.user)
        found = identity.current_actor(session)
        log.append_keys(role=found.role)
        return found

    def inbox_url() -> str | None:
        """The web UI's address as the caller reached this function (for links in Slack messages)."""
        sent = {k.lower(): v for k, v in headers().items()}
        host = sent.get("host", "")
        if not re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?", host):
            return None
        scheme = "http" if sent.get("x-forwarded-proto") == "http" else "https"
        return f"{scheme}://{host}{UI_PREFIX}/"

    def event() -> Mapping[str, Any]:
        return app.current_event.raw_event

    @app.get(f"{PREFIX}/me")
    def get_me() -> Reply:
        return _json(200, reads.me(services(), actor()))

    def conditional(what: str, who: Actor, read: Any, version: int | None = None) -> Reply:
        """Answer 304 when the tab's ETag still names the inbox as it is; else read, with the new ETag."""
        from aws_lambda_powertools.event_handler import Response

        from siu_core.inbox import freshness
        from siu_core.store import inbox_version

        count = inbox_version.current() if version is None else version
        tag = freshness.etag(count, who=who.id, role=who.role, teams=sorted(who.teams),
                             what=what, params=params(), now=services().clock())
        if freshness.matches(headers().get("if-none-match"), tag):  # no metric: one would cost $0.30 a month
            return Response(status_code=304, body="", headers={"ETag": tag, "Cache-Control": "no-store"})
        return _json(200, read(), {"ETag": tag})

    @app.get(f"{PREFIX}/queue")
    def get_queue() -> Reply:
        who = actor()
        return conditional("queue", who, lambda: reads.queue(services(), who, params()))

    @app.get(f"{PREFIX}/threads/<thread_id>")
    def get_thread(thread_id: str) -> Reply:
        from siu_core.inbox import awareness, presence

        who = actor()
        version, others = awareness.poll(thread_id, who, services().clock())  # one read: counter and presence
        return conditional(f"thread:{thread_id}:{presence.signature(others)}", who,
                           lambda: {**reads.thread_detail(services(), who, thread_id, params()), "presence": others},
                           version)

    @app.post(f"{PREFIX}/threads/<thread_id>/presence")
    def post_presence(thread_id: str) -> Reply:
        from siu_core.inbox import awareness

        who = actor()
        body = bodies.parse_body(event(), bodies.PresenceBody)
        return _json(200, awareness.heartbeat(services(), who, thread_id, body))

    @app.post(f"{PREFIX}/threads/<thread_id>/reply")
    def post_reply(thread_id: str) -> Reply:
        who = actor()
        body = bodies.parse_body(event(), bodies.ReplyBody)
        key = bodies.idempotency_key(headers())
        answer: Answer = reply.reply(services(), who, thread_id, body, key)
        return _json(answer.status, answer.body, answer.headers)

    @app.post(f"{PREFIX}/threads/<thread_id>/snooze")
    def post_snooze(thread_id: str) -> Reply:
        from siu_core.inbox import snoozing

        who = actor()
        body = bodies.parse_body(event(), bodies.SnoozeBody)
        return _json(200, snoozing.snooze_thread(services(), who, thread_id, body))

    @app.delete(f"{PREFIX}/threads/<thread_id>/snooze")
    def delete_snooze(thread_id: str) -> Reply:
        from siu_core.inbox import snoozing

        return _json(200, snoozing.unsnooze(services(), actor(), thread_id))

    @app.get(f"{PREFIX}/snoozed")
    def get_snoozed() -> Reply:
        from siu_core.inbox import snoozing

        who = actor()  # a snooze or a wake writes the thread, which moves the change counter: 304 until then
        return conditional("snoozed", who, lambda: snoozing.snoozed_view(services(), who))

    @app.post(f"{PREFIX}/threads/<thread_id>/reassign")
    def post_reassign(thread_id: str) -> Reply:
        who = actor()
        return _json(200, actions.reassign(services(), who, thread_id, bodies.parse_body(event(), bodies.ReassignBody)))

    @app.post(f"{PREFIX}/threads/<thread_id>/close")
    def post_close(thread_id: str) -> Reply:
        return _json(200, actions.close(services(), actor(), thread_id))

    @app.post(f"{PREFIX}/threads/<thread_id>/claim")
    def post_claim(thread_id: str) -> Reply:
        return _json(200, actions.claim(services(), actor(), thread_id))

    @app.post(f"{PREFIX}/threads/<thread_id>/labels")
    def post_labels(thread_id: str) -> Reply:
        who = actor()
        body = bodies.parse_body(event(), bodies.LabelsBody)
        return _json(200, actions.correct_labels(services(), who, thread_id, body))

    @app.post(f"{PREFIX}/threads/<thread_id>/relabel")
    def post_relabel(thread_id: str) -> Reply:
        from siu_core.inbox import relabel

        return _json(200, relabel.relabel(services(), actor(), thread_id))

    @app.get(f"{PREFIX}/roster")
    def get_roster() -> Reply:
        return _json(200, admin.list_roster(services(), actor()))

    @app.put(f"{PREFIX}/roster/<teammate>")
    def put_roster(teammate: str) -> Reply:
        who = actor()
        authz.require_admin(who)
        body = bodies.parse_body(event(), bodies.RosterBody)
        return _json(200, admin.put_teammate(services(), who, unquote(teammate), body))

    @app.post(f"{PREFIX}/me/sign-out")
    def post_sign_out() -> Reply:
        who = actor()
        return _json(200, admin.sign_out_everywhere(services(), who, who.id))

    @app.post(f"{PREFIX}/roster/<teammate>/sign-out")
    def post_roster_sign_out(teammate: str) -> Reply:
        return _json(200, admin.sign_out_everywhere(services(), actor(), unquote(teammate)))

    @app.get(f"{PREFIX}/audit")
    def get_audit() -> Reply:
        return _json(200, admin.audit_trail(services(), actor(), params()))

    @app.get(f"{PREFIX}/threads/<thread_id>/eligible")
    def get_eligible(thread_id: str) -> Reply:
        return _json(200, eligible.for_thread(services(), actor(), thread_id))

    @app.get(f"{PREFIX}/threads/<thread_id>/media")
    def get_media(thread_id: str) -> Response[bytes]:
        from aws_lambda_powertools.event_handler import Response

        body, sent = media.attachment(services(), actor(), thread_id, params())
        return Response(status_code=200, content_type=sent["Content-Type"], body=body, headers=sent)

    @app.get(f"{PREFIX}/channels/<channel>/templates")
    def get_templates(channel: str) -> Reply:
        actor()
        query = params()
        return _json(200, reply.templates_view(services(), unquote(channel), account=query.get("account") or None,
                                               refresh=query.get("refresh") == "1"))

    @app.get(f"{PREFIX}/reports/<name>")
    def get_report(name: str) -> Reply:
        from aws_lambda_powertools.event_handler import Response

        fmt, body = reports.report(services(), actor(), unquote(name), params())
        if fmt == "csv":
            disposition = f'attachment; filename="{reports.filename(unquote(name), params())}"'
            return Response(status_code=200, content_type="text/csv; charset=utf-8", body=str(body),
                            headers={"Cache-Control": "no-store", "Content-Disposition": disposition})
        return _json(200, body)

    @app.get(f"{PREFIX}/saved-replies")
    def get_saved_replies() -> Reply:
        return _json(200, saved_replies.list_replies(services(), actor(), params()))

    @app.post(f"{PREFIX}/saved-replies")
    def post_saved_reply() -> Reply:
        who = actor()
        body = bodies.parse_body(event(), bodies.SavedReplyBody)
        return _json(201, saved_replies.create(services(), who, body))

    @app.put(f"{PREFIX}/saved-replies/<reply_id>")
    def put_saved_reply(reply_id: str) -> Reply:
        who = actor()
        body = bodies.parse_body(event(), bodies.SavedReplyBody)
        return _json(200, saved_replies.update(services(), who, unquote(reply_id), body))

    @app.delete(f"{PREFIX}/saved-replies/<reply_id>")
    def delete_saved_reply(reply_id: str) -> Reply:
        return _json(200, saved_replies.delete(services(), actor(), unquote(reply_id), params()))

    @app.post(f"{PREFIX}/threads/<thread_id>/notes")
    def post_note(thread_id: str) -> Reply:
        who = actor()
        body = bodies.parse_body(event(), bodies.NoteBody)
        sent = {k.lower() for k in headers()}
        key = bodies.idempotency_key(headers()) if bodies.IDEMPOTENCY_HEADER in sent else None
        answer: Answer = notes.add(services(), who, thread_id, body, key, inbox_url())
        return _json(answer.status, answer.body, answer.headers)

    @app.get(f"{PREFIX}/templates")
    def get_template_listing() -> Reply:
        actor()
        return _json(200, template_catalog.listing(services(), params()))

    @app.post(f"{PREFIX}/uploads")
    def post_upload() -> Reply:
        from siu_core.inbox import uploads

        who = actor()
        body = bodies.parse_body(event(), bodies.UploadBody)
        return _json(201, uploads.create(services(), who, body))

    @app.get(f"{PREFIX}/notifications")
    def get_notifications() -> Reply:
        from siu_core.inbox import notifications

        who = actor()
        return conditional("notifications", who, lambda: notifications.listing(services(), who, params()))

    @app.post(f"{PREFIX}/notifications/read")
    def post_notifications_read() -> Reply:
        from siu_core.inbox import notifications

        who = actor()
        body = bodies.parse_body(event(), notifications.ReadBody)
        return _json(200, notifications.mark_read(services(), who, body))

    @app.get(f"{PREFIX}/me/preferences")
    def get_preferences() -> Reply:
        from siu_core.inbox import notifications

        return _json(200, notifications.preferences(services(), actor()))

    @app.put(f"{PREFIX}/me/preferences")
    def put_preferences() -> Reply:
        from siu_core.inbox import notifications
        from siu_core.notification_rules import Preferences

        who = actor()
        return _json(200, notifications.put_preferences(services(), who, bodies.parse_body(event(), Preferences)))

    @app.get(f"{PREFIX}/queues")
    def get_queues() -> Reply:
        from siu_core.inbox import overview

        who = actor()
        return conditional("queues", who, lambda: overview.overview(services(), who))

    @app.post(f"{PREFIX}/admin/customers/<customer_id>/export")
    def post_customer_export(customer_id: str) -> Reply:
        from siu_core.inbox import privacy

        answer = privacy.export_customer(services(), actor(), unquote(customer_id), params().get("fresh"))
        return _json(answer.status, answer.body, answer.headers)

    @app.post(f"{PREFIX}/admin/customers/<customer_id>/erase")
    def post_customer_erase(customer_id: str) -> Reply:
        from siu_core.inbox import privacy

        who = actor()
        authz.require_admin(who)
        body = bodies.parse_body(event(), privacy.EraseBody)
        answer = privacy.erase_customer(services(), who, unquote(customer_id), body)
        return _json(answer.status, answer.body, answer.headers)

    @app.get(f"{PREFIX}/search")
    def get_search() -> Reply:
        from siu_core.inbox import search

        return _json(200, search.search(services(), actor(), params()))

    customer_routes.register(app, services, actor, event, _json)

    @app.get("/")
    def get_root() -> Reply:
        from aws_lambda_powertools.event_handler import Response

        return Response(status_code=302, content_type="text/plain; charset=utf-8", body="",
                        headers={"Location": f"{UI_PREFIX}/", "Cache-Control": "no-store"})

    # The inbox web UI: public static files (the data behind them needs the Bearer token).
    @app.get(UI_PREFIX)
    @app.get(f"{UI_PREFIX}/")
    def get_ui_page() -> Response[bytes]:
        return _ui("")

    @app.get(f"{UI_PREFIX}/<name>")
    def get_ui_file(name: str) -> Response[bytes]:
        return _ui(name)

    def _ui(name: str) -> Response[bytes]:
        from aws_lambda_powertools.event_handler import Response

        from siu_core import ui

        sent = {k.lower(): v for k, v in headers().items()}
        found = ui.asset(name, accept_encoding=sent.get("accept-encoding"), if_none_match=sent.get("if-none-match"))
        if found is None:
            raise ApiError(404, "not_found", f"no inbox file {name!r}")
        status, answer_headers, body = found
        return Response(status_code=status, content_type=answer_headers["Content-Type"], body=body,
                        headers=answer_headers)

    def on_api_error(exc: ApiError) -> Reply:
        if exc.status >= 500:
            log.error("request failed", extra={"code": exc.code, "status": exc.status,
                                               "request_id": CURRENT_REQUEST_ID.get()})
        elif exc.status == 403:
            # The actor (user, role) is in the logger's keys once the token verified.
            log.warning("request forbidden", extra={"code": exc.code, "status": exc.status,
                                                    "method": app.current_event.http_method,
                                                    "path": app.current_event.path})
            obs.metric("Forbidden")
        else:
            log.info("request refused", extra={"code": exc.code, "status": exc.status})
        return _json(exc.status, exc.body(), exc.headers)

    def on_auth_error(exc: AuthError) -> Reply:
        log.info("request unauthenticated", extra={"code": exc.code})
        return _json(401, {"error": {"code": exc.code, "message": exc.message}},
                     {"WWW-Authenticate": 'Bearer realm="siu-inbox"'})

    @app.not_found
    def on_not_found(exc: Exception) -> Reply:
        method, path = app.current_event.http_method, app.current_event.path
        allowed = allowed_methods(path)
        if allowed:
            listed = ", ".join(allowed)
            return _json(405, {"error": {"code": "method_not_allowed", "message": f"{path} answers {listed}",
                                         "allowed": allowed}}, {"Allow": listed})
        return _json(404, {"error": {"code": "not_found", "message": f"no endpoint {method} {path}"}})

    def on_error(exc: Exception) -> Reply:
        # The exception's text stays in the log (it may name config, secrets' fields or internals).
        log.exception("inbox request crashed", extra={"error": type(exc).__name__,
                                                      "request_id": CURRENT_REQUEST_ID.get()})
        return _json(500, {"error": {"code": "internal",
                                     "message": "the inbox failed on this request; quote the request id"}})

    app.exception_handler(ApiError)(on_api_error)
    app.exception_handler(AuthError)(on_auth_error)
    app.exception_handler(Exception)(on_error)
    return app
