"""The inbox's side of the deployed shape: the index lives on EFS behind the Search function, which
the inbox (outside the VPC, so it still reaches the platforms) invokes synchronously."""

from __future__ import annotations

import json
import os
from typing import Any

from siu_core.errors import SiuError
from siu_core.search import wire
from siu_core.search.engine import Page

#: The Search function's name (the deploy template sets it on the inbox function).
FUNCTION_ENV = "SIU_SEARCH_FUNCTION"


class SearchFailed(SiuError):
    """The Search function could not answer (it crashed, timed out or refused the request)."""


def function_name() -> str | None:
    """The configured Search function, or None (the index is then a local file, as in ``siu dev``)."""
    return os.environ.get(FUNCTION_ENV, "").strip() or None


def search(request: dict[str, Any], *, function: str, client: Any = None) -> Page:
    """Invoke the Search function with a request built by :func:`siu_core.search.wire.request`."""
    if client is None:
        from siu_core.aws import clients

        client = clients.client("lambda")
    answer = client.invoke(FunctionName=function, InvocationType="RequestResponse",
                           Payload=json.dumps(request).encode())
    body = json.loads(answer["Payload"].read() or b"null")
    if answer.get("FunctionError") or not isinstance(body, dict) or "error" in body:
        raise SearchFailed(f"the search function failed: {answer.get('FunctionError') or 'bad answer'}")
    return wire.page_of(body)
