"""Stand-in checks: a reply sent through the plugin's own ``stand_in_response`` succeeds, as ``siu dev`` needs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from pydantic import ValidationError
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from siu_contract.checks import ContractViolation
from siu_contract.manifest import SendCase
from siu_contract.target import ChannelUnderTest
from siu_core.models import ReplyRequest, SendResult, StandInResponse
from siu_core.plugins import Channel

#: Where the check points the channel's ``api_base_url`` (nothing listens there: the adapter answers).
BASE_URL = "http://stand-in.contract.invalid/platform"


class StandInAdapter(BaseAdapter):
    """A requests transport that answers every call through the channel's ``stand_in_response`` hook."""

    def __init__(self, channel: Channel, settings: Mapping[str, Any]) -> None:
        super().__init__()
        self.channel = channel
        self.settings = settings
        self.calls: list[tuple[str, str, int]] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        """Answer one call the way the platform's stand-in would; 404 for a call it does not know."""
        url = request.url or ""
        parts = urlsplit(url)
        path = parts.path[len(urlsplit(BASE_URL).path):]
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode("utf-8")
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        answer = self.channel.stand_in_response(request.method or "GET", path, query, body, self.settings)
        if answer is None:
            answer = StandInResponse(status=404, body={"error": {"message": "unknown call"}})
        self.calls.append((request.method or "GET", path, answer.status))
        response = requests.Response()
        response.status_code = answer.status
        response.headers = CaseInsensitiveDict({"Content-Type": answer.content_type})
        if isinstance(answer.body, bytes | bytearray):
            response._content = bytes(answer.body)
        elif isinstance(answer.body, str) and answer.content_type != "application/json":
            response._content = answer.body.encode("utf-8")
        else:
            response._content = json.dumps(answer.body).encode("utf-8")
        response.url = url
        response.request = request
        return response

    def close(self) -> None:
        """Nothing to release: no connection was opened."""


def _redact(path: str, secrets: Mapping[str, str]) -> str:
    for field, value in secrets.items():
        if value:
            path = path.replace(value, f"<{field}>")
    return path


def check_send(t: ChannelUnderTest, case: SendCase) -> None:
    """A success send case sent with ``api_base_url`` at the plugin's stand-in gets a SendResult."""
    try:
        request = ReplyRequest.model_validate(case.request)
    except ValidationError as exc:
        raise ContractViolation(f"send case {case.id}: 'request' is not a valid ReplyRequest:\n{exc}") from None
    settings = {**t.settings, "api_base_url": BASE_URL}
    adapter = StandInAdapter(t.channel, t.channel.settings(settings))
    with requests.Session() as session:
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        try:
            result = t.channel.send_reply(request, t.secrets, session, settings)
        except Exception as exc:
            calls = "\n".join(f"  {method} {_redact(path, t.secrets)} -> {status}"
                              for method, path, status in adapter.calls)
            raise ContractViolation(f"send case {case.id} through stand_in_response raised "
                                    f"{type(exc).__name__}: {exc}\ncalls:\n{calls or '  (none)'}") from exc
    if not isinstance(result, SendResult) or not result.message_id:
        raise ContractViolation(f"send case {case.id} through stand_in_response returned {result!r}")
    if not adapter.calls:
        raise ContractViolation(f"send case {case.id}: send_reply never called the API at api_base_url")
