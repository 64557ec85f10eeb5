"""Core-owned cassette hygiene: what is scrubbed from VCR cassettes, and what must never be in one.

A channel plugin records its send-API cassettes with :func:`recorder` (or passes :func:`vcr_config`
to pytest-recording's ``vcr_config`` fixture). The scrubbing lists below are the floor: a plugin can
add header, query-parameter and body-field names through the ``extra_*`` arguments, never remove
one. The contract suite replays cassettes through the same filters and scans every committed
cassette with :func:`cassette_leaks`, so a cassette recorded some other way cannot slip a token in.

vcrpy is a test-time dependency: it is imported only inside the functions that need it.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Request headers removed from every recorded request (lower case; matching is case-insensitive).
SCRUBBED_REQUEST_HEADERS: frozenset[str] = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "x-api-key",
        "x-hub-signature",
        "x-hub-signature-256",
        "x-amz-security-token",
    }
)
#: Response headers removed from every recorded response.
SCRUBBED_RESPONSE_HEADERS: frozenset[str] = frozenset({"set-cookie", "www-authenticate"})
#: Query parameters whose value is replaced by :data:`REDACTED` (Graph accepts tokens in the URL).
SCRUBBED_QUERY_PARAMETERS: frozenset[str] = frozenset(
    {"access_token", "appsecret_proof", "client_secret", "fb_exchange_token", "input_token"}
)
#: JSON body fields (at any depth, request and response) whose value is replaced by :data:`REDACTED`.
SCRUBBED_BODY_FIELDS: frozenset[str] = frozenset(
    {"access_token", "appsecret_proof", "client_secret", "fb_exchange_token", "input_token", "password"}
)
REDACTED = "REDACTED"
#: How a replayed request is matched to a recorded one: Graph ``/messages`` calls differ only by
#: body, so the (JSON-aware) body is part of the match.
MATCH_ON: tuple[str, ...] = ("method", "scheme", "host", "port", "path", "query", "body")

#: A Meta access token (user, page or system-user): ``EAA`` and a long base62 tail.
META_TOKEN = re.compile(r"EAA[A-Za-z0-9]{30,}")
#: Other credentials with a recognisable shape, found wherever they are written out (a URL path
#: included): what it is -> its shape. A channel adds its platform's own shapes as data
#: (``ChannelInfo.secret_patterns``), passed as ``patterns`` to :func:`find_leaks` and :func:`cassette_leaks`.
TOKEN_SHAPES: dict[str, re.Pattern[str]] = {
    "a Slack token": re.compile(r"\bxox[abeoprs]-(?!REDACTED\b)[A-Za-z0-9-]{10,}"),
}
#: A bearer credential written out anywhere (a header value copied into a body, a log line...).
BEARER_TOKEN = re.compile(r"(?i)\bbearer\s+(?!REDACTED\b|<)[A-Za-z0-9\-._~+/]{8,}=*")
#: A token-bearing query parameter or JSON field that was not redacted.
TOKEN_FIELD = re.compile(
    r"""(?ix)
    (?:access_token|appsecret_proof|client_secret|fb_exchange_token|input_token)
    (?:=|["']?\s*:\s*["']?)           # query string  or  JSON / YAML key
    (?!REDACTED|<|%3C|null\b|["'&,}\s])  # ...followed by a value that is not a placeholder
    """
)
#: Secret values shorter than this are not searched for (they would match everywhere).
MIN_SECRET_LENGTH = 4


def confidential_secrets(secrets: Mapping[str, str]) -> dict[str, str]:
    """The secret fields whose values must never appear in a cassette or an event.

    Account identifiers (fields ending in ``_id``, such as ``phone_number_id`` or ``page_id``) are
    configuration, not credentials: they appear in every webhook and send URL, so they are exempt.
    """
    return {
        field: value
        for field, value in secrets.items()
        if not field.endswith("_id") and isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH
    }


def _names(base: frozenset[str], extra: Iterable[str]) -> frozenset[str]:
    return base | {name.lower() for name in extra}


def _scrub_text(data: bytes) -> bytes:
    """Redact token-shaped strings in a body; binary bodies only lose Meta-token-shaped runs."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return re.sub(META_TOKEN.pattern.encode(), REDACTED.encode(), data)
    out = BEARER_TOKEN.sub("Bearer " + REDACTED, META_TOKEN.sub(REDACTED, text))
    return out.encode("utf-8") if out != text else data


def _redact_fields(data: Any, fields: frozenset[str]) -> tuple[Any, bool]:
    """Replace the value of every key in ``fields`` at any depth; say whether anything changed."""
    if isinstance(data, dict):
        changed = False
        out: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(key, str) and key.lower() in fields and value != REDACTED:
                out[key] = REDACTED
                changed = True
            else:
                out[key], sub = _redact_fields(value, fields)
                changed = changed or sub
        return out, changed
    if isinstance(data, list):
        items = [_redact_fields(item, fields) for item in data]
        return [item for item, _ in items], any(sub for _, sub in items)
    return data, False


def _scrub_json_body(body: bytes, fields: frozenset[str]) -> bytes:
    if not any(field.encode() in body for field in fields):
        return body
    try:
        data = json.loads(body)
    except ValueError:
        return body
    redacted, changed = _redact_fields(data, fields)
    return json.dumps(redacted, ensure_ascii=False).encode("utf-8") if changed else body


@dataclass(frozen=True)
class CassetteScrubber:
    """The ``before_record_request`` / ``before_record_response`` pair built from the scrub lists."""

    request_headers: frozenset[str] = SCRUBBED_REQUEST_HEADERS
    response_headers: frozenset[str] = SCRUBBED_RESPONSE_HEADERS
    query_parameters: frozenset[str] = SCRUBBED_QUERY_PARAMETERS
    body_fields: frozenset[str] = SCRUBBED_BODY_FIELDS

    def before_record_request(self, request: Any) -> Any:
        """Strip credentials from a vcrpy request; also applied to live requests on replay, so both match."""
        from vcr import filters

        request = copy.deepcopy(request)
        present = [name for name in request.headers if name.lower() in self.request_headers]
        if present:
            request = filters.remove_headers(request, present)
        if any(key.lower() in self.query_parameters for key, _ in request.query):
            request = filters.replace_query_parameters(
                request, [(key, REDACTED) for key, _ in request.query if key.lower() in self.query_parameters]
            )
        if "EAA" in request.uri:
            request.uri = META_TOKEN.sub(REDACTED, request.uri)
        body = request.body
        if isinstance(body, bytes | bytearray | str):
            raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
            scrubbed = _scrub_text(_scrub_json_body(raw, self.body_fields))
            if scrubbed != raw:
                request.body = scrubbed
        return request

    def before_record_response(self, response: dict[str, Any]) -> dict[str, Any]:
        """Strip cookies and tokens from a vcrpy response dict before it is written."""
        response = copy.deepcopy(response)
        headers = response.get("headers")
        if isinstance(headers, dict):
            response["headers"] = {k: v for k, v in headers.items() if k.lower() not in self.response_headers}
        body = response.get("body")
        if isinstance(body, dict) and isinstance(body.get("string"), bytes | str):
            raw = body["string"]
            data = raw.encode("utf-8") if isinstance(raw, str) else raw
            scrubbed = _scrub_text(_scrub_json_body(data, self.body_fields))
            if scrubbed != data:
                body["string"] = scrubbed
                kept = response.get("headers")
                if isinstance(kept, dict):
                    for name in [n for n in kept if n.lower() == "content-length"]:
                        kept[name] = [str(len(scrubbed))]
        return response


def scrubber(
    *,
    extra_headers: Iterable[str] = (),
    extra_response_headers: Iterable[str] = (),
    extra_query_parameters: Iterable[str] = (),
    extra_body_fields: Iterable[str] = (),
) -> CassetteScrubber:
    """The core scrubber plus a plugin's additions: a plugin can widen the lists, never narrow them."""
    return CassetteScrubber(
        request_headers=_names(SCRUBBED_REQUEST_HEADERS, extra_headers),
        response_headers=_names(SCRUBBED_RESPONSE_HEADERS, extra_response_headers),
        query_parameters=_names(SCRUBBED_QUERY_PARAMETERS, extra_query_parameters),
        body_fields=_names(SCRUBBED_BODY_FIELDS, extra_body_fields),
    )


def vcr_config(
    *,
    secrets: Mapping[str, str] | None = None,
    extra_headers: Iterable[str] = (),
    extra_response_headers: Iterable[str] = (),
    extra_query_parameters: Iterable[str] = (),
    extra_body_fields: Iterable[str] = (),
) -> dict[str, Any]:
    """Keyword arguments for ``vcr.VCR(...)`` (or pytest-recording's ``vcr_config``) that scrub as siu requires.

    ``secrets`` are the values in use while recording: each confidential one is written to the
    cassette as ``<field>`` and put back on replay (vcrpy's ``filter_sensitive_data``), so a URL
    that carries a credential still matches when replayed with the manifest's fake secrets.
    """
    scrub = scrubber(
        extra_headers=extra_headers,
        extra_response_headers=extra_response_headers,
        extra_query_parameters=extra_query_parameters,
        extra_body_fields=extra_body_fields,
    )
    sensitive = sorted(confidential_secrets(secrets or {}).items(), key=lambda kv: -len(kv[1]))
    return {
        "match_on": MATCH_ON,
        "before_record_request": scrub.before_record_request,
        "before_record_response": scrub.before_record_response,
        "decode_compressed_response": True,
        "record_on_exception": False,
        "filter_sensitive_data": [(f"<{field}>", value) for field, value in sensitive],
    }


def recorder(
    cassette_dir: str | Path,
    *,
    record_mode: str = "none",
    secrets: Mapping[str, str] | None = None,
    extra_headers: Iterable[str] = (),
    extra_query_parameters: Iterable[str] = (),
    extra_body_fields: Iterable[str] = (),
) -> Any:
    """A ``vcr.VCR`` that records (``record_mode="once"``) or replays cassettes with siu's scrubbing."""
    import vcr

    config = vcr_config(
        secrets=secrets,
        extra_headers=extra_headers,
        extra_query_parameters=extra_query_parameters,
        extra_body_fields=extra_body_fields,
    )
    return vcr.VCR(cassette_library_dir=str(cassette_dir), record_mode=record_mode, **config)


# --- the hygiene scan -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Leak:
    """Something in a fixture file that must not be committed; never carries the secret itself."""

    what: str
    line: int | None = None

    def __str__(self) -> str:
        return self.what if self.line is None else f"line {self.line}: {self.what}"


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def find_leaks(text: str, secrets: Mapping[str, str] | None = None, *,
               patterns: Mapping[str, str] | None = None) -> list[Leak]:
    """Every token-shaped string, unredacted token field and confidential secret value in ``text``.

    ``patterns`` are a channel's own credential shapes (``ChannelInfo.secret_patterns``): what it is ->
    a regular expression, looked for like the core's.
    """
    leaks: list[Leak] = []
    for match in META_TOKEN.finditer(text):
        leaks.append(Leak(f"a Meta access token ({match.group()[:6]}...)", _line_of(text, match.start())))
    for match in BEARER_TOKEN.finditer(text):
        leaks.append(Leak("a bearer token", _line_of(text, match.start())))
    shapes: dict[str, re.Pattern[str]] = {**TOKEN_SHAPES, **{w: re.compile(p) for w, p in (patterns or {}).items()}}
    for what, shape in shapes.items():
        leaks += [Leak(what, _line_of(text, match.start())) for match in shape.finditer(text)]
    for match in TOKEN_FIELD.finditer(text):
        name = re.match(r"[A-Za-z_]+", match.group())
        leaks.append(Leak(f"an unredacted {name.group() if name else 'token'} value", _line_of(text, match.start())))
    for field, value in confidential_secrets(secrets or {}).items():
        start = text.find(value)
        if start >= 0:
            leaks.append(Leak(f"the value of secret {field!r}", _line_of(text, start)))
    return sorted(leaks, key=lambda leak: (leak.line or 0, leak.what))


def _load_cassette(path: Path, text: str) -> Any:
    if path.suffix == ".json":
        return json.loads(text)
    import yaml

    return yaml.safe_load(text)


def _header_names(headers: Any) -> list[str]:
    return [str(name) for name in headers] if isinstance(headers, dict) else []


def cassette_leaks(
    path: str | Path,
    secrets: Mapping[str, str] | None = None,
    *,
    extra_headers: Iterable[str] = (),
    patterns: Mapping[str, str] | None = None,
) -> list[Leak]:
    """Why a committed cassette is unsafe to publish (empty when it is clean); ``patterns`` as in :func:`find_leaks`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Leak(f"cannot read the cassette: {type(exc).__name__}")]
    leaks = find_leaks(text, secrets, patterns=patterns)
    try:
        data = _load_cassette(path, text)
    except Exception as exc:  # any parser error: the file is not a cassette we can vouch for
        return [*leaks, Leak(f"not a readable cassette: {type(exc).__name__}")]
    interactions = data.get("interactions") if isinstance(data, dict) else None
    if not isinstance(interactions, list):
        return [*leaks, Leak("not a vcrpy cassette (no 'interactions' list)")]
    forbidden_request = _names(SCRUBBED_REQUEST_HEADERS, extra_headers)
    for number, interaction in enumerate(interactions, start=1):
        request = interaction.get("request") if isinstance(interaction, dict) else None
        response = interaction.get("response") if isinstance(interaction, dict) else None
        for name in _header_names(request.get("headers") if isinstance(request, dict) else None):
            if name.lower() in forbidden_request:
                leaks.append(Leak(f"interaction {number}: request header {name!r} must be scrubbed"))
        for name in _header_names(response.get("headers") if isinstance(response, dict) else None):
            if name.lower() in SCRUBBED_RESPONSE_HEADERS:
                leaks.append(Leak(f"interaction {number}: response header {name!r} must be scrubbed"))
    return leaks
