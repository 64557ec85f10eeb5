"""The Messenger / Instagram user-profile call: what is read from an answer, and every failure is None."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from siu_meta import profiles
from siu_meta.graph import GraphErrorPolicy

from siu_core.models import CustomerProfile

POLICY = GraphErrorPolicy(window_closed=frozenset(), window_closed_hint="", permanent=frozenset())
URL = "https://graph.facebook.com/v25.0/24680135792468?fields=first_name%2Clast_name%2Cprofile_pic"


class Scripted(BaseAdapter):
    """Answers every call with one status and body (or raises), recording the requests; no socket."""

    def __init__(self, status: int = 200, body: Any = None, *, raises: Exception | None = None) -> None:
        super().__init__()
        self.status, self.body, self.raises = status, body, raises
        self.seen: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        self.seen.append(request)
        if self.raises is not None:
            raise self.raises
        response = requests.Response()
        response.status_code = self.status
        response.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
        response._content = self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()
        response.request, response.url = request, request.url or ""
        return response

    def close(self) -> None:
        pass


TOKEN = "page-token"


def _fetch(adapter: Scripted, url: str | None = URL, token: str | None = TOKEN) -> CustomerProfile | None:
    with requests.Session() as session:
        session.mount("https://", adapter)
        return profiles.fetch_user_profile(session, url, access_token=token, policy=POLICY, channel="facebook")


@pytest.mark.parametrize(("payload", "expected"), [
    ({"first_name": "Ana", "last_name": "Lopez", "profile_pic": "https://x.fbcdn.net/a.jpg", "id": "1"},
     CustomerProfile(name="Ana Lopez", picture_url="https://x.fbcdn.net/a.jpg")),
    ({"name": "Ana Lopez", "username": "ana.lopez", "profile_pic": "https://x.cdninstagram.com/a.jpg"},
     CustomerProfile(name="Ana Lopez", username="ana.lopez", picture_url="https://x.cdninstagram.com/a.jpg")),
    ({"first_name": "Ana", "id": "1"}, CustomerProfile(name="Ana")),
    ({"username": "ana.lopez"}, CustomerProfile(username="ana.lopez")),
    ({"name": "  ", "first_name": "Ana"}, CustomerProfile(name="Ana")),
    ({"name": None, "profile_pic": None, "id": "1"}, None),  # Instagram: "can be null if not set"
    ({"profile_pic": "http://insecure.example/a.jpg"}, None),  # only https pictures are shown
    ({"profile_pic": "javascript:alert(1)", "name": "Ana"}, CustomerProfile(name="Ana")),
    ({"name": 42}, None),
    ({"id": "1"}, None),
    ({"error": {"code": 100}}, None),
    ([], None),
    ("Ana", None),
])
def test_read_profile(payload: Any, expected: CustomerProfile | None) -> None:
    assert profiles.read_profile(payload) == expected


def test_a_long_name_is_cut_to_what_the_model_takes() -> None:
    found = profiles.read_profile({"name": "A" * 500})
    assert found is not None and found.name == "A" * 200


def test_the_call_carries_the_token_in_a_header_and_a_short_timeout() -> None:
    adapter = Scripted(body={"first_name": "Ana", "last_name": "Lopez"})
    assert _fetch(adapter) == CustomerProfile(name="Ana Lopez")
    (sent,) = adapter.seen
    assert sent.method == "GET" and sent.url == URL and "page-token" not in (sent.url or "")
    assert sent.headers["Authorization"] == "Bearer page-token"


@pytest.mark.parametrize("adapter", [
    Scripted(400, {"error": {"message": "(#100) No profile available", "code": 100, "error_subcode": 2018218}}),
    Scripted(403, {"error": {"message": "User consent is required", "code": 230}}),
    Scripted(429, {"error": {"message": "rate", "code": 4}}),
    Scripted(500, {"error": {"message": "boom", "code": 1}}),
    Scripted(502, b"<html>bad gateway</html>"),
    Scripted(200, b"not json"),
    Scripted(raises=requests.ConnectTimeout("slow")),
    Scripted(raises=requests.ConnectionError("down")),
    Scripted(raises=requests.TooManyRedirects("loop")),
], ids=["no_profile", "no_consent", "rate_limited", "server_error", "html_error", "unreadable", "timeout", "down",
        "redirects"])
def test_every_failure_is_none_never_an_exception(adapter: Scripted) -> None:
    assert _fetch(adapter) is None


def test_no_token_or_no_node_asks_nothing() -> None:
    adapter = Scripted(body={"first_name": "Ana"})
    assert _fetch(adapter, token=None) is None and _fetch(adapter, url=None) is None
    assert adapter.seen == []


@pytest.mark.parametrize(("person", "ok"), [("24680135792468", True), ("ig_1784", True), ("", False),
                                            ("../me", False), ("1?fields=x", False), ("1/messages", False)])
def test_profile_url_accepts_only_a_node_id(person: str, ok: bool) -> None:
    url = profiles.profile_url("https://graph.facebook.com", "v25.0", person, profiles.MESSENGER_FIELDS)
    assert (url is not None) is ok
    assert profiles.profile_url("ftp://x", "v25.0", "1", profiles.MESSENGER_FIELDS) is None


def test_the_stand_in_describes_the_same_id_the_same_way_and_answers_the_fields_asked() -> None:
    one = profiles.stand_in_profile("24680135792468", "first_name,last_name,profile_pic", channel="facebook")
    again = profiles.stand_in_profile("24680135792468", "first_name,last_name,profile_pic", channel="facebook")
    assert one == again and set(one.body) == {"first_name", "last_name", "profile_pic", "id"}
    ig = profiles.stand_in_profile("24680135792468", "name,username,profile_pic,secret_field", channel="instagram")
    assert set(ig.body) == {"name", "username", "profile_pic", "id"}
    found = profiles.read_profile(ig.body)
    assert found is not None and found.name and found.username and found.picture_url is None
