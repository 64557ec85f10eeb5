"""The account's Content templates and their WhatsApp approval, from the Content API's ``ContentAndApprovals`` list.

``GET {content_api}/v1/ContentAndApprovals`` answers ``{"contents": [...], "meta": {"next_page_url"}}``;
each content has a SID (``HX``...), a language, numbered ``variables`` and ``approval_requests``
(WhatsApp's review: ``status``, ``category``). A template is named by its Content SID, the name a
reply's ``template.name`` carries. A content never submitted to WhatsApp is ``UNSUBMITTED``.
:func:`entries` is pure; :func:`list_templates` pages through the list (at most :data:`MAX_PAGES`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from siu_core.plugin import PermanentSendError, SettingValues, require_secret
from siu_twilio import api
from siu_twilio.config import CHANNEL, DEFAULT_API_BASE_URL, DEFAULT_SETTINGS, account_sid, read_settings

DEFAULT_CONTENT_API_BASE_URL = "https://content.twilio.com"
LIST_PATH = "/v1/ContentAndApprovals"
PAGE_SIZE = 500
#: 10 pages of 500: far more templates than an account has; a loop in next_page_url ends here.
MAX_PAGES = 10
_CONTENT_SID_RE = re.compile(r"^HX[0-9a-fA-F]{32}$")


def content_base(settings: Mapping[str, Any]) -> str:
    """The Content API's base: the setting, else Twilio's; a stand-in ``api_base_url`` serves it too (``siu dev``)."""
    explicit = SettingValues(DEFAULT_SETTINGS, settings).base_url("content_api_base_url", optional=True)
    if explicit:
        return explicit
    api_base = read_settings(settings).api_base_url
    return DEFAULT_CONTENT_API_BASE_URL if api_base == DEFAULT_API_BASE_URL else api_base


def entry(content: Mapping[str, Any]) -> dict[str, Any] | None:
    """One content as the inbox's template entry; None for what is not a usable content."""
    sid, language = content.get("sid"), content.get("language")
    if not isinstance(sid, str) or not _CONTENT_SID_RE.match(sid):
        return None
    review = content.get("approval_requests")
    review = review if isinstance(review, dict) else {}
    status, category = review.get("status"), review.get("category")
    variables = content.get("variables")
    return {
        "name": sid,
        "language": language if isinstance(language, str) and language else "und",
        "status": status.upper() if isinstance(status, str) and status else "UNSUBMITTED",
        "category": category.upper() if isinstance(category, str) and category else None,
        "param_count": len(variables) if isinstance(variables, dict) else 0,
    }


def entries(page: Any) -> tuple[list[dict[str, Any]], str | None]:
    """The entries of one page, and the path and query of the next page (None on the last)."""
    if not isinstance(page, dict) or not isinstance(page.get("contents"), list):
        raise PermanentSendError("the Content API answered without a contents list")
    found = [e for e in (entry(c) for c in page["contents"] if isinstance(c, dict)) if e is not None]
    meta = page.get("meta")
    following = meta.get("next_page_url") if isinstance(meta, dict) else None
    if not isinstance(following, str) or not following:
        return found, None
    parts = urlsplit(following)
    return found, parts.path + (f"?{parts.query}" if parts.query else "")


def list_templates(secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any) -> list[dict[str, Any]]:
    """Every Content template of the account with its WhatsApp review status, in the API's order."""
    config = read_settings(settings)
    base = content_base(settings)
    auth = (account_sid(secrets), require_secret(secrets, "auth_token", CHANNEL))
    found: list[dict[str, Any]] = []
    following: str | None = f"{LIST_PATH}?PageSize={PAGE_SIZE}"
    for _ in range(MAX_PAGES):
        if following is None:
            break
        resp = api.get(session, base + following, auth, config.timeout)
        try:
            page = resp.json()
        except ValueError:
            raise PermanentSendError("the Content API answered something that is not JSON") from None
        more, following = entries(page)
        found += more
    return found
