"""Build the events AWS would hand a Lambda, so local runs call the handlers exactly as Lambda does."""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl


def function_url_event(
    method: str,
    path: str,
    raw_query: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    *,
    source_ip: str = "127.0.0.1",
    domain: str = "localhost",
    scheme: str | None = None,
) -> dict[str, Any]:
    """A Lambda Function URL (payload 2.0) event for one HTTP request, the body bytes untouched.

    Like Function URLs, headers are lowercased and repeated ones joined with commas; a body that is
    not valid UTF-8 is base64-encoded with ``isBase64Encoded`` set. ``domain`` is the host the client
    addressed and ``scheme``, when given, replaces ``x-forwarded-proto`` as a Function URL sets it,
    so the connector sees the URL the platform signed.
    """
    joined: dict[str, str] = {}
    for key, value in headers:
        k = key.lower()
        joined[k] = f"{joined[k]},{value}" if k in joined else value
    if scheme is not None:
        joined["x-forwarded-proto"] = scheme
    query: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    try:
        text, is_b64 = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, is_b64 = base64.b64encode(body).decode("ascii"), True
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": joined,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "siu-dev",
            "domainName": domain,
            "domainPrefix": "siu-dev",
            "http": {
                "method": method.upper(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": joined.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": is_b64,
    }
    if query:
        event["queryStringParameters"] = query
    if body:
        event["body"] = text
    return event


def http_response(result: Any) -> tuple[int, dict[str, str], bytes]:
    """Turn a Lambda's return value into status, headers and body, the way Function URLs do."""
    if isinstance(result, Mapping) and "statusCode" in result:
        status = int(result["statusCode"])
        headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
        raw = result.get("body") or ""
        if result.get("isBase64Encoded"):
            body = base64.b64decode(raw)
        else:
            body = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        return status, headers, body
    import json

    return 200, {"content-type": "application/json"}, json.dumps(result).encode("utf-8")


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """An SQS event-source-mapping record for one received message."""
    attrs = message.get("Attributes", {})
    body = message["Body"]
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": attrs.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": attrs.get("SentTimestamp", str(int(time.time() * 1000))),
            "SenderId": attrs.get("SenderId", "siu-dev"),
            "ApproximateFirstReceiveTimestamp": attrs.get(
                "ApproximateFirstReceiveTimestamp", str(int(time.time() * 1000))
            ),
        },
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode("utf-8")).hexdigest(),  # noqa: S324
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


@dataclass
class LocalContext:
    """The parts of a Lambda context object handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int = 256
    timeout_seconds: int = 30

    def __post_init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{self.function_name}"
        self.function_version = "$LATEST"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the handler's timeout, as on Lambda."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))
