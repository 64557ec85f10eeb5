"""List the account's message templates: ``GET /{WABA-ID}/message_templates`` of the WhatsApp Cloud API.

The inbox checks a template reply against this list (name, language, status, body parameters)
before sending. The WhatsApp Business Account id comes from the optional secret field
``business_account_id`` (else the setting of that name, which simulated webhooks use too); without
it the deployment cannot ask, and the hook answers ``None`` (the inbox then uses the ``templates``
setting, as before).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urlsplit

from siu_meta.graph import graph_get

from siu_core.plugin import TransientSendError, require_secret
from siu_whatsapp import _fields
from siu_whatsapp.config import BUSINESS_ACCOUNT_FIELD, CHANNEL, Settings, read_settings
from siu_whatsapp.send import POLICY

#: Listing has no reply window: every other error mapping is the send path's.
LIST_POLICY = replace(POLICY, window_closed=frozenset(), window_closed_allowed=())
FIELDS = "name,language,status,category,parameter_format,components"
PAGE_SIZE = 100
#: A business has at most a few hundred templates; stop following ``paging.next`` after this many pages.
MAX_PAGES = 10
#: ``{{1}}`` (positional) or ``{{order_id}}`` (named) placeholders in a component's text.
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


def message_templates(
    secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
) -> list[dict[str, Any]] | None:
    """Every template of the account with its status and body parameter count (None: no account id set)."""
    waba = secrets.get(BUSINESS_ACCOUNT_FIELD) or settings.get(BUSINESS_ACCOUNT_FIELD)
    if not isinstance(waba, str) or not waba:
        return None
    config = read_settings(settings)
    token = require_secret(secrets, "access_token", CHANNEL)
    url: str | None = config.url(quote(waba, safe=""), f"message_templates?fields={FIELDS}&limit={PAGE_SIZE}")
    out: list[dict[str, Any]] = []
    pages = 0
    while url and pages < MAX_PAGES:
        resp = graph_get(session, url, access_token=token, policy=LIST_POLICY, timeout=config.timeout)
        page = _page(resp)
        out.extend(t for t in (read_template(item) for item in _fields.objects(page.get("data"))) if t)
        url = _next_url(page, config)
        pages += 1
    return out


def read_template(item: Mapping[str, Any]) -> dict[str, Any] | None:
    """One entry of ``data``: name, language, upper-case status, category and body parameter count."""
    name, language = _fields.nonempty(item.get("name")), _fields.nonempty(item.get("language"))
    if name is None or language is None:
        return None
    status = _fields.nonempty(item.get("status")) or "UNKNOWN"
    category = _fields.nonempty(item.get("category"))
    return {"name": name, "language": language, "status": status.upper(),
            "category": category.upper() if category else None, "param_count": body_parameter_count(item)}


def body_parameter_count(item: Mapping[str, Any]) -> int:
    """How many distinct placeholders the BODY component has: the parameters a send must carry."""
    for component in _fields.objects(item.get("components")):
        if str(component.get("type", "")).upper() == "BODY":
            text = _fields.text(component.get("text")) or ""
            return len(dict.fromkeys(PLACEHOLDER.findall(text)))
    return 0


def _page(resp: Any) -> dict[str, Any]:
    try:
        page = resp.json()
    except ValueError:
        page = None
    if not isinstance(page, dict) or not isinstance(page.get("data"), list):
        raise TransientSendError("the template list answered without a data list")
    return page


def _next_url(page: Mapping[str, Any], config: Settings) -> str | None:
    """``paging.next`` when it points at the configured API host (the token is never sent elsewhere)."""
    paging = _fields.obj(page.get("paging")) or {}
    nxt = _fields.nonempty(paging.get("next"))
    if nxt is None:
        return None
    parts, base = urlsplit(nxt), urlsplit(config.api_base_url)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    return nxt
