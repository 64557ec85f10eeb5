"""HTTP hygiene of the inbox function: security headers on every answer, OPTIONS, 405, the root redirect,
and 5xx bodies that carry a request id and never an exception's text (also before any route ran)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from inbox_support import call, token_for
from pipeline_support import dump_state

from siu_core.dev.lambda_events import LocalContext, function_url_event
from siu_core.errors import ConfigError
from siu_core.handlers import inbox as handler

SECRET_TEXT = "no config parameters under /siu/config/ (kms key arn:aws:kms:zz:1:key/abc)"


def raw(method: str, path: str, *, token: str | None = None, context: Any = None) -> dict[str, Any]:
    headers = [("Authorization", f"Bearer {token}")] if token else []
    out = handler.handler(function_url_event(method, path, "", headers, b""), context)
    out["headers"] = {k.lower(): v for k, v in (out.get("headers") or {}).items()}
    return out


def assert_common(headers: dict[str, str]) -> None:
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-request-id"]


def test_every_kind_of_answer_carries_the_security_headers(inbox: Any) -> None:
    token = token_for("ana")
    for method, path, who, status in [
        ("GET", "/api/me", token, 200), ("GET", "/api/me", None, 401), ("GET", "/api/nowhere", token, 404),
        ("DELETE", "/api/me", token, 405), ("OPTIONS", "/api/me", None, 204), ("GET", "/", None, 302),
        ("GET", "/api/threads/th_nope", token, 404),
    ]:
        out = raw(method, path, token=who)
        assert out["statusCode"] == status, (method, path, out.get("body"))
        assert_common(out["headers"])
        assert out["headers"]["cache-control"] == "no-store", (method, path)
        assert out["headers"]["content-security-policy"].startswith("default-src 'none'"), (method, path)


def test_the_pages_keep_their_own_policy_and_caching(inbox: Any) -> None:
    for path in ("/inbox/", "/inbox/app.js", "/inbox/app.css"):
        out = raw("GET", path)
        assert out["statusCode"] == 200
        assert_common(out["headers"])
        assert "script-src 'self'" in out["headers"]["content-security-policy"]
        assert "'unsafe-inline'" not in out["headers"]["content-security-policy"]
        assert out["headers"]["cache-control"] == "no-cache"
    missing = raw("GET", "/inbox/nothing.js")
    assert missing["statusCode"] == 404 and json.loads(missing["body"])["error"]["code"] == "not_found"


def test_the_root_sends_you_to_the_inbox(inbox: Any) -> None:
    out = raw("GET", "/")
    assert (out["statusCode"], out["headers"]["location"]) == (302, "/inbox/")


def test_options_says_what_a_path_answers_without_a_token_and_changes_nothing(inbox: Any) -> None:
    before = dump_state(include_s3=False)
    for path, allowed in [("/api/me", "GET, HEAD, OPTIONS"), ("/api/threads/th_1/reply", "OPTIONS, POST"),
                          ("/api/roster/ana", "OPTIONS, PUT"), ("/inbox/", "GET, HEAD, OPTIONS"),
                          ("/", "GET, HEAD, OPTIONS")]:
        out = raw("OPTIONS", path)
        assert (out["statusCode"], out["headers"]["allow"], out["body"]) == (204, allowed, ""), path
    unknown = raw("OPTIONS", "/api/nowhere")
    assert unknown["statusCode"] == 404 and json.loads(unknown["body"])["error"]["code"] == "not_found"
    assert dump_state(include_s3=False) == before


def test_a_wrong_method_is_405_with_allow(inbox: Any) -> None:
    out = call("DELETE", "/api/threads/th_1", token=token_for("ana"))
    assert (out.status, out.code, out.headers["allow"]) == (405, "method_not_allowed", "GET, HEAD, OPTIONS")
    assert out.body["error"]["allowed"] == ["GET", "HEAD", "OPTIONS"]


def test_head_is_get_without_the_body(inbox: Any) -> None:
    token = token_for("ana")
    for path, who in [("/inbox/", None), ("/api/me", token), ("/", None)]:
        got, head = raw("GET", path, token=who), raw("HEAD", path, token=who)
        assert head["statusCode"] == got["statusCode"] and head["body"] == "", path
        assert head["headers"]["content-type"] == got["headers"]["content-type"], path
    assert raw("HEAD", "/api/me")["statusCode"] == 401


def _is_internal(out: dict[str, Any], rid: str | None = None) -> dict[str, Any]:
    assert out["statusCode"] == 500
    body = json.loads(out["body"])
    assert body["error"]["code"] == "internal" and body["error"]["request_id"] == out["headers"]["x-request-id"]
    if rid is not None:
        assert body["error"]["request_id"] == rid
    assert "ConfigError" not in out["body"] and "kms" not in out["body"] and "Traceback" not in out["body"]
    assert_common(out["headers"])
    return dict(body["error"])


def test_a_crash_in_a_route_answers_a_request_id_and_logs_it(inbox: Any, monkeypatch: pytest.MonkeyPatch,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    from siu_core.inbox import reads

    def boom(*_: Any) -> Any:
        raise RuntimeError(SECRET_TEXT)

    monkeypatch.setattr(reads, "me", boom)
    caplog.clear()
    context = LocalContext("siu-inbox")
    error = _is_internal(raw("GET", "/api/me", token=token_for("ana"), context=context), context.aws_request_id)
    logged = [r for r in caplog.records if getattr(r, "request_id", None) == context.aws_request_id]
    assert logged and logged[0].levelname == "ERROR" and error["request_id"] == context.aws_request_id


def test_a_config_error_at_cold_start_never_reaches_the_body(inbox: Any, monkeypatch: pytest.MonkeyPatch,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    from siu_core.inbox import services

    def broken() -> Any:
        raise ConfigError(SECRET_TEXT)

    token = token_for("ana")
    handler.set_services(None)
    monkeypatch.setattr(services, "load_services", broken)
    caplog.clear()
    out = raw("GET", "/api/me", token=token)
    error = _is_internal(out)
    assert SECRET_TEXT not in out["body"]
    assert any(getattr(r, "request_id", None) == error["request_id"] for r in caplog.records)
    assert raw("GET", "/inbox/")["statusCode"] == 200  # the pages need no services


def test_a_failure_before_any_route_is_answered_the_same_way(inbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from siu_core.inbox import routes

    def broken(_: Any) -> Any:
        raise ImportError(SECRET_TEXT)

    monkeypatch.setattr(handler, "_app", None)
    monkeypatch.setattr(routes, "build_app", broken)
    out = raw("GET", "/api/me")
    _is_internal(out)
    assert SECRET_TEXT not in out["body"]
    assert out["headers"]["cache-control"] == "no-store"


def test_a_5xx_from_the_api_gets_the_request_id_too(inbox: Any) -> None:
    from siu_core.inbox.errors import finish

    answer = {"statusCode": 503, "headers": {"Content-Type": "application/json"},
              "body": json.dumps({"error": {"code": "platform_unavailable", "message": "try again"}})}
    body = json.loads(finish(answer, "rid-1")["body"])
    assert body == {"error": {"code": "platform_unavailable", "message": "try again", "request_id": "rid-1"}}
    not_json = finish({"statusCode": 502, "headers": {}, "body": "Bad gateway: stack trace here"}, "rid-2")
    assert json.loads(not_json["body"]) == {"error": {"code": "internal", "message": json.loads(
        not_json["body"])["error"]["message"], "request_id": "rid-2"}}
    assert "stack trace" not in not_json["body"]
