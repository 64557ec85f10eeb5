"""The inbox UI's files as the inbox Lambda and ``siu dev`` serve them: types, caching, gzip, CSP, safety."""

from __future__ import annotations

import gzip
import re
from importlib import resources

import pytest

from siu_core import ui


def source(name: str) -> str:
    """An asset's text as shipped in the package."""
    return resources.files("siu_core.ui").joinpath(name).read_text(encoding="utf-8")


def test_the_page_is_served_at_the_root_and_by_name() -> None:
    for path in ("", "/", "index.html", "/index.html"):
        found = ui.asset(path)
        assert found is not None, path
        status, headers, body = found
        assert status == 200
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert body.startswith(b"<!doctype html>")


@pytest.mark.parametrize(("name", "content_type"), [
    ("app.js", "text/javascript; charset=utf-8"),
    ("api.js", "text/javascript; charset=utf-8"),
    ("app.css", "text/css; charset=utf-8"),
    ("icon.svg", "image/svg+xml"),
])
def test_each_kind_of_file_has_its_content_type(name: str, content_type: str) -> None:
    found = ui.asset(name)
    assert found is not None
    assert found[1]["Content-Type"] == content_type


def test_every_answer_carries_a_strict_policy_and_revalidates() -> None:
    for name in ui.names():
        found = ui.asset(name)
        assert found is not None
        headers = found[1]
        assert headers["Content-Security-Policy"] == ui.CONTENT_SECURITY_POLICY
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-cache"
        assert headers["Vary"] == "Accept-Encoding"
        assert re.fullmatch(r'"[0-9a-f]{24}"', headers["ETag"])
    policy = dict(part.strip().split(" ", 1) for part in ui.CONTENT_SECURITY_POLICY.split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self' https://*.s3.amazonaws.com"  # the presigned upload of a file
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in ui.CONTENT_SECURITY_POLICY


def test_gzip_when_the_client_accepts_it_with_its_own_validator() -> None:
    plain = ui.asset("app.js")
    packed = ui.asset("app.js", accept_encoding="gzip, deflate, br, zstd")
    assert plain is not None and packed is not None
    assert "Content-Encoding" not in plain[1]
    assert packed[1]["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed[2]) == plain[2]
    assert len(packed[2]) < len(plain[2])
    assert packed[1]["ETag"] != plain[1]["ETag"]


@pytest.mark.parametrize(("header", "gzipped"), [
    ("gzip", True),
    ("GZIP;q=0.5", True),
    ("br, gzip;q=0", False),
    ("gzip;q=0.0", False),
    ("*", True),
    ("*;q=0", False),
    ("identity", False),
    ("deflate, br", False),
    ("x-gzip", True),
    ("gzip;q=nonsense", False),
    ("", False),
    (None, False),
])
def test_accept_encoding_is_read_with_its_weights(header: str | None, gzipped: bool) -> None:
    found = ui.asset("app.css", accept_encoding=header)
    assert found is not None
    assert (found[1].get("Content-Encoding") == "gzip") is gzipped


def test_a_matching_etag_gets_304_with_no_body() -> None:
    first = ui.asset("app.js", accept_encoding="gzip")
    assert first is not None
    tag = first[1]["ETag"]
    for header in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        again = ui.asset("app.js", accept_encoding="gzip", if_none_match=header)
        assert again is not None
        assert again[0] == 304, header
        assert again[2] == b""
        assert again[1]["ETag"] == tag
    changed = ui.asset("app.js", accept_encoding="gzip", if_none_match='"an-older-version"')
    assert changed is not None and changed[0] == 200


@pytest.mark.parametrize("path", [
    "nope.js", "../__init__.py", "__init__.py", "index.HTML", "sub/app.js", "..%2fapp.js", ".env",
    "app.js.map", "app.js?x=1", "APP.JS", "/etc/passwd", "app.py",
])
def test_anything_but_a_ui_file_is_none(path: str) -> None:
    assert ui.asset(path) is None


def test_no_python_or_cache_file_is_an_asset() -> None:
    names = ui.names()
    assert "index.html" in names and "app.js" in names
    assert not [n for n in names if n.endswith((".py", ".pyc"))]


JS_SINKS = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|createContextualFragment|DOMParser|document\.write|"
                      r"\beval\s*\(|new Function|setTimeout\(\s*[\"'`]|setAttribute\(\s*[\"']on|[\"']iframe[\"']")


def code_of(name: str) -> str:
    """A script without its comments (which may name the sinks they avoid)."""
    return "\n".join(line for line in source(name).splitlines() if not line.lstrip().startswith("//"))


def test_no_script_writes_markup_or_evaluates_text() -> None:
    """Customers' words reach the page as text nodes only: no script uses an HTML or code sink."""
    scripts = [n for n in ui.names() if n.endswith(".js")]
    assert len(scripts) >= 5
    for name in scripts:
        found = JS_SINKS.findall(code_of(name))
        assert not found, f"{name} uses {found}"


def test_the_page_has_no_inline_code_or_style() -> None:
    page = source("index.html")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "inline script"
    assert not re.search(r"\sstyle\s*=", page), "inline style attribute"
    assert not re.search(r"<style", page), "inline style element"
    assert not re.search(r"\son[a-z]+\s*=", page), "inline event handler"


def test_every_imported_module_is_shipped() -> None:
    for name in (n for n in ui.names() if n.endswith(".js")):
        for target in re.findall(r"""from\s+["']\./([^"']+)["']""", source(name)):
            assert target in ui.names(), f"{name} imports missing {target}"
