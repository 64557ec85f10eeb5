"""The webhook as the platform sent it (contract 1.3): method, public URL, headers, raw body, parsed
form; and the answer the plugin gives once its events are queued.

A platform that signs the URL (an SMS gateway's, say) signs the one it was told to call, so the URL must be the
public one: on AWS ``https://{requestContext.domainName}{rawPath}`` plus ``?{rawQueryString}``;
under ``siu dev`` the scheme and host the client addressed (the dev server passes them the way a
Function URL does, in ``x-forwarded-proto`` and ``domainName``). Behind a proxy or a custom domain
the channel's ``public_url`` setting replaces scheme, host and path; the request's query is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

from siu_core import obs
from siu_core.errors import ConfigError

if TYPE_CHECKING:
    from siu_core.models import Event, InboundRequest
    from siu_core.plugins import Channel


class Answer(NamedTuple):
    """The HTTP answer to a queued webhook: a plugin's validated ``Acknowledgement``, or the core's own."""

    status: int
    body: str
    content_type: str


#: The channel setting that names the public webhook URL when a proxy or custom domain fronts it.
PUBLIC_URL_SETTING = "public_url"
#: The core's own answer to a queued webhook, when the plugin has none.
PLAIN = Answer(200, "EVENT_RECEIVED", "text/plain")
#: Schemes a webhook URL can have (``x-forwarded-proto`` is read only when it says one of these).
SCHEMES = ("https", "http")


def public_url_problem(value: Any) -> str | None:
    """Why a ``public_url`` setting is unusable (None when it is fine), so config validation can say so."""
    if not isinstance(value, str) or not value:
        return "must be a non-empty URL string"
    try:
        parts = urlsplit(value)
    except ValueError:
        return "is not a URL"
    if parts.scheme not in SCHEMES or not parts.netloc:
        return "must be an absolute http:// or https:// URL (scheme, host and path)"
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        return "must have no query or fragment: the query of each request is appended to it"
    if any(c.isspace() for c in value):
        return "must not contain whitespace"
    return None


def with_public_url(addressed: str, settings: Mapping[str, Any]) -> str:
    """The URL a platform signed: ``addressed`` itself, or the ``public_url`` setting plus its query."""
    override = settings.get(PUBLIC_URL_SETTING)
    if override is None or override == "":
        return addressed
    problem = public_url_problem(override)
    if problem is not None:
        raise ConfigError(f"channel setting {PUBLIC_URL_SETTING} {problem}")
    query = urlsplit(addressed).query
    return f"{override}?{query}" if query else str(override)


def _header(headers: Mapping[str, Any], name: str) -> str:
    value = headers.get(name)
    return value if isinstance(value, str) else ""


def addressed_url(event: Mapping[str, Any]) -> str:
    """The URL a Function URL event (payload 2.0) was addressed to: scheme, host, raw path and raw query."""
    given = event.get("headers")
    headers: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    context = event.get("requestContext")
    context = context if isinstance(context, Mapping) else {}
    proto = _header(headers, "x-forwarded-proto").split(",")[0].strip().lower()
    scheme = proto if proto in SCHEMES else "https"
    domain = context.get("domainName")
    host = domain if isinstance(domain, str) and domain else _header(headers, "host") or "localhost"
    raw_path = event.get("rawPath")
    if not isinstance(raw_path, str) or not raw_path:
        http = context.get("http")
        path = http.get("path") if isinstance(http, Mapping) else None
        raw_path = path if isinstance(path, str) and path else "/"
    query = event.get("rawQueryString")
    return f"{scheme}://{host}{raw_path}" + (f"?{query}" if isinstance(query, str) and query else "")


def inbound_request(event: Mapping[str, Any], method: str, headers: Mapping[str, str], body: bytes,
                    settings: Mapping[str, Any]) -> InboundRequest:
    """The request the plugin's hooks see: its public URL, and its form parsed when the body is one."""
    from siu_core.models import InboundRequest  # only for plugins whose hooks read the request

    url = with_public_url(addressed_url(event), settings)
    return InboundRequest.received(method=method, url=url, headers=headers, body=body)


def acknowledgement(channel: Channel, request: InboundRequest, events: Sequence[Event],
                    settings: Mapping[str, Any]) -> Answer:
    """The answer to a queued webhook: the plugin's, else (also when its hook fails) the plain 200.

    The events are safely queued when this runs: a 5xx now would only make the platform deliver again.
    """
    try:
        given = channel.acknowledge(request, events, settings)
        return PLAIN if given is None else Answer(given.status, given.body, given.content_type)
    except Exception as exc:
        obs.get_logger("connector").error("acknowledge hook failed; answering the plain 200",
                                          channel=channel.name, error=type(exc).__name__)
        return PLAIN
