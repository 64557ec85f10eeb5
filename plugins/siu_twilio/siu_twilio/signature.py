"""``X-Twilio-Signature``: Twilio's HMAC-SHA1 over the full public URL and the sorted POST parameters.

The signed string is the URL exactly as Twilio requested it (scheme, host, path, query), followed by
every form parameter's name and value, names in sorted order (for a repeated name, its distinct
values sorted). The signature is the base64 of HMAC-SHA1 of that string, keyed with the auth token.
Two documented variants are accepted as Twilio's own helper libraries accept them:

- the **port quirk**: Twilio signs some URLs with the default port written out (``:443``) and some
  without, so the URL is tried both ways;
- **JSON bodies**: the URL carries ``bodySHA256`` (hex SHA-256 of the raw body), the signature covers
  the URL alone, and the body is checked against that hash.

:func:`compute` and :func:`candidate_urls` are pure; :func:`verify` reads the request and says why
it refuses (never the token). Every comparison is constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from siu_core.plugin import InboundRequest, MissingSignature, SignatureError

SIGNATURE_HEADER = "X-Twilio-Signature"
#: Present when a Webhooks Rule signs with a shared key instead of the auth token (not supported).
SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"
BODY_HASH_PARAMETER = "bodySHA256"
DEFAULT_PORTS = {"https": 443, "http": 80}
FORM_TYPE = "application/x-www-form-urlencoded"


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, case-insensitively, whatever kind of mapping carries it."""
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


def signed_string(url: str, params: Iterable[tuple[str, str]]) -> str:
    """The URL followed by each parameter name and value, names sorted, a name's distinct values sorted."""
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    return url + "".join(name + value for name in sorted(values) for value in sorted(values[name]))


def compute(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """The ``X-Twilio-Signature`` Twilio sends for this URL and these form parameters."""
    data = signed_string(url, params).encode("utf-8")
    return base64.b64encode(hmac.new(auth_token.encode("utf-8"), data, hashlib.sha1).digest()).decode("ascii")


def candidate_urls(url: str) -> list[str]:
    """The URL without its port and with its port (the default one added when absent): Twilio signs either."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = f"{userinfo}@" if userinfo else ""
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:  # a port that is not a number: only the URL as given can match
        return [url]
    without = urlunsplit(parts._replace(netloc=prefix + host))
    with_port = urlunsplit(parts._replace(netloc=f"{prefix}{host}:{port}")) if port else without
    return list(dict.fromkeys([url, without, with_port]))


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def _is_form(headers: Mapping[str, str]) -> bool:
    content_type = header(headers, "Content-Type") or ""
    return content_type.split(";", 1)[0].strip().lower() == FORM_TYPE


def _body_hash(url: str) -> str | None:
    for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if name == BODY_HASH_PARAMETER:
            return value
    return None


def signed_params(request: InboundRequest) -> list[tuple[str, str]]:
    """The parameters the signature covers: the form, or none for a ``bodySHA256`` request (whose hash is checked)."""
    expected_hash = _body_hash(request.url)
    if expected_hash is not None:
        actual = hashlib.sha256(request.body).hexdigest()
        if not _same(actual, expected_hash.lower()):
            raise SignatureError("the body does not match the bodySHA256 the signed URL carries")
        return []
    if not _is_form(request.headers) or request.form is None:
        if request.body:
            raise SignatureError(f"the body is neither {FORM_TYPE} nor covered by a bodySHA256 URL parameter")
        return []
    if request.body and not request.form:
        raise SignatureError(f"the body is not readable as {FORM_TYPE}")
    return list(request.form)


def verify(request: InboundRequest | None, secrets: Mapping[str, str]) -> bool:
    """Accept the request only if its signature is Twilio's for its public URL and parameters; say why not."""
    if request is None:
        raise SignatureError("Twilio signs the public URL: the core must pass the request (contract 1.3)")
    token = secrets.get("auth_token")
    if not token:
        raise SignatureError("no auth_token configured for the Twilio channel")
    given = header(request.headers, SIGNATURE_HEADER)
    if not given:
        raise MissingSignature(f"missing {SIGNATURE_HEADER} header")
    if header(request.headers, SETTINGS_HEADER):
        raise SignatureError(f"{SETTINGS_HEADER}: a Webhooks Rule signs with a shared key; siu verifies the "
                             "auth token's HMAC-SHA1 only (remove the rule for this URL)")
    params = signed_params(request)
    matches = [_same(compute(token, url, params), given.strip()) for url in candidate_urls(request.url)]
    if not any(matches):
        raise SignatureError(f"{SIGNATURE_HEADER} does not match this URL and body (is public_url the URL "
                             "configured at Twilio, and auth_token the primary token?)")
    return True
