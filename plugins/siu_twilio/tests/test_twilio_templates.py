"""Content templates: the entry each content becomes, where the list is read from, and paging kept on Twilio."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from siu_twilio.templates import content_base, entries, entry, list_templates
from tw_testkit import SECRETS  # type: ignore[import-not-found, unused-ignore]

from siu_core.plugin import PermanentSendError, TransientSendError

HX = "HX" + "ab" * 16


def test_a_content_becomes_an_entry_named_by_its_sid() -> None:
    content = {"sid": HX, "language": "es", "variables": {"1": "a", "2": "b"},
               "approval_requests": {"status": "approved", "category": "utility"}}
    assert entry(content) == {"name": HX, "language": "es", "status": "APPROVED", "category": "UTILITY",
                              "param_count": 2}
    assert entry({"sid": HX})  == {"name": HX, "language": "und", "status": "UNSUBMITTED", "category": None,
                                   "param_count": 0}
    assert entry({"sid": "order_update"}) is None


def test_the_content_api_is_twilios_unless_the_api_is_a_stand_in_or_the_setting_says() -> None:
    assert content_base({}) == "https://content.twilio.com"
    assert content_base({"api_base_url": "http://127.0.0.1:8000/platform/twilio"}) == \
        "http://127.0.0.1:8000/platform/twilio"
    assert content_base({"content_api_base_url": "https://proxy.example.com/content/"}) == \
        "https://proxy.example.com/content"
    with pytest.raises(PermanentSendError, match="content_api_base_url"):
        content_base({"content_api_base_url": "file:///etc"})


@pytest.mark.parametrize("page", [None, [], {"contents": "x"}, {"meta": {}}])
def test_a_page_without_contents_is_a_permanent_error(page: Any) -> None:
    with pytest.raises(PermanentSendError, match="contents"):
        entries(page)


class _Pages:
    """Answers GETs from a list of pages and remembers every URL asked for."""

    def __init__(self, pages: list[tuple[int, Any]]) -> None:
        self.pages, self.urls = pages, []  # type: list[tuple[int, Any]], list[str]

    def get(self, url: str, **_: Any) -> requests.Response:
        self.urls.append(url)
        status, body = self.pages.pop(0)
        resp = requests.Response()
        resp.status_code = status
        resp._content = json.dumps(body).encode()
        return resp


def test_the_next_page_is_read_from_the_configured_host_whatever_host_the_link_names() -> None:
    session = _Pages([
        (200, {"contents": [{"sid": HX}], "meta": {"next_page_url": "https://evil.example.com/v1/x?Page=1"}}),
        (200, {"contents": [], "meta": {"next_page_url": None}}),
    ])
    assert [e["name"] for e in list_templates(SECRETS, {}, session)] == [HX]
    assert session.urls == ["https://content.twilio.com/v1/ContentAndApprovals?PageSize=500",
                            "https://content.twilio.com/v1/x?Page=1"]


def test_a_next_page_loop_stops_after_ten_pages() -> None:
    loop = {"contents": [], "meta": {"next_page_url": "https://content.twilio.com/v1/ContentAndApprovals?p=1"}}
    session = _Pages([(200, loop)] * 20)
    assert list_templates(SECRETS, {}, session) == []
    assert len(session.urls) == 10


def test_a_failing_content_api_raises_the_typed_error() -> None:
    with pytest.raises(TransientSendError):
        list_templates(SECRETS, {}, _Pages([(503, {"code": 20503, "message": "Service Unavailable"})]))
