"""The inbox web UI: static files (plain ES modules and CSS, no build step) and how they are served.

The inbox Lambda and ``siu dev`` serve these files at ``/inbox/`` through :func:`asset`, so the UI
needs no server of its own and no Node toolchain. Every answer carries a strict
Content-Security-Policy (scripts and styles from this origin only, no inline code, API calls to
this origin only, and a teammate's file POSTed to the S3 media store's presigned URL), a strong
ETag (a matching ``If-None-Match`` gets a 304), ``Cache-Control:
no-cache`` (browsers revalidate, so an upgrade is never half-applied), and a gzip body when the
client accepts it. The assets are public: the page holds no data until the API, called with the
teammate's Bearer token, answers.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: The policy every UI answer carries. ``blob:`` images and media are attachments the page fetched
#: from the API with its token; ``data:`` images are none of ours but cost nothing to allow; ``https:``
#: images are customers' profile pictures at the platform's CDN (the profile keeps only their URL, and the
#: page loads them without a referrer). ``connect-src``
#: adds S3's virtual-hosted endpoint: the composer POSTs a file there with the API's presigned form.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data: https:; "
    "media-src 'self' blob:; connect-src 'self' https://*.s3.amazonaws.com; manifest-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
CACHE_CONTROL = "no-cache"
CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
#: Text types worth compressing (PNG is compressed already).
_COMPRESSIBLE = (".html", ".js", ".css", ".svg")
#: Names a request may ask for: flat, lower-case, one known extension. Nothing else is looked up.
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}\.(?:html|js|css|svg|png)$")
INDEX = "index.html"

Answer = tuple[int, dict[str, str], bytes]


@dataclass(frozen=True)
class _File:
    """One asset, read and compressed once per process."""

    name: str
    content_type: str
    raw: bytes
    gzipped: bytes | None
    etag: str

    @property
    def gzip_etag(self) -> str:
        """A distinct strong validator for the gzip representation (RFC 9110: one tag per representation)."""
        return self.etag[:-1] + '-gz"'


@cache
def _files() -> dict[str, _File]:
    """Every asset of this package, keyed by file name (read lazily: cold starts that serve only the API skip it)."""
    out: dict[str, _File] = {}
    for entry in resources.files(__name__).iterdir():
        name = entry.name
        if not entry.is_file() or not _NAME.match(name):
            continue
        raw = entry.read_bytes()
        suffix = name[name.rindex("."):]
        packed = gzip.compress(raw, compresslevel=9, mtime=0) if suffix in _COMPRESSIBLE else None
        etag = '"' + hashlib.sha256(raw).hexdigest()[:24] + '"'
        out[name] = _File(name, CONTENT_TYPES[suffix], raw, packed if packed and len(packed) < len(raw) else None,
                          etag)
    return out


def names() -> list[str]:
    """The asset names served under ``/inbox/`` (the page-budget test walks them)."""
    return sorted(_files())


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header allows gzip (an explicit ``q=0`` refuses it, ``*`` allows it)."""
    if not accept_encoding:
        return False
    allowed: dict[str, bool] = {}
    for part in accept_encoding.split(","):
        coding, _, params = part.strip().partition(";")
        coding = coding.strip().lower()
        if not coding:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        allowed[coding] = q > 0
    if "gzip" in allowed:
        return allowed["gzip"]
    if "x-gzip" in allowed:
        return allowed["x-gzip"]
    return allowed.get("*", False)


def _matches(if_none_match: str | None, tags: tuple[str, ...]) -> bool:
    """``If-None-Match`` uses the weak comparison: ``W/"x"`` matches ``"x"``; ``*`` matches anything."""
    if not if_none_match:
        return False
    wanted = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in wanted or any(t in wanted for t in tags)


def _resolve(path: str) -> str | None:
    name = path.strip().lstrip("/")
    if name in ("", INDEX):
        return INDEX
    return name if _NAME.match(name) else None


def asset(path: str, *, accept_encoding: str | None = None, if_none_match: str | None = None) -> Answer | None:
    """Serve one UI file so the inbox Lambda and ``siu dev`` need no web server: status, headers, body.

    ``path`` is what follows ``/inbox/`` ("" is the page itself). None for anything that is not a
    UI file (the caller answers 404). A matching ``If-None-Match`` gives 304 with an empty body.
    """
    name = _resolve(path)
    found = _files().get(name) if name is not None else None
    if found is None:
        return None
    packed = found.gzipped is not None and accepts_gzip(accept_encoding)
    etag = found.gzip_etag if packed else found.etag
    headers = {
        **SECURITY_HEADERS,
        "Content-Type": found.content_type,
        "Cache-Control": CACHE_CONTROL,
        "ETag": etag,
        "Vary": "Accept-Encoding",
    }
    if _matches(if_none_match, (found.etag, found.gzip_etag)):
        return 304, headers, b""
    if packed:
        assert found.gzipped is not None
        headers["Content-Encoding"] = "gzip"
        return 200, headers, found.gzipped
    return 200, headers, found.raw
