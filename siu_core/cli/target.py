"""Which siu the operator commands talk to: the running ``siu dev`` (default) or a deployed stack.

``siu dev`` writes its base URL and the endpoint of its AWS emulation (``aws_endpoint``) to the
session file; commands that read tables, SSM or secrets point boto3 at that endpoint. With
``--url`` naming anything else, the ambient AWS credentials and region (a deployed stack) are used.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from dataclasses import dataclass

import click

#: The services ``siu dev`` emulates (Bedrock is never redirected: the review calls the real one).
DEV_SERVICES = ("DYNAMODB", "SQS", "S3", "SSM", "STS")


@dataclass(frozen=True)
class Target:
    """Where a command acts: the inbox's base URL, and whether it is the local dev stack."""

    base_url: str | None
    dev: bool


def resolve(url: str | None) -> Target:
    """Pick the target and point boto3 at it (the dev emulation's endpoint, or leave AWS as configured)."""
    from siu_core.aws import clients
    from siu_core.dev.session import read_session

    session = read_session() or {}
    dev_url = session.get("base_url")
    wanted = url.rstrip("/") if url else None
    if wanted is not None and wanted != dev_url:
        return Target(base_url=wanted, dev=False)
    if not dev_url:
        raise click.UsageError("no running `siu dev` found: start it, or pass --url of a deployed inbox")
    endpoint = session.get("aws_endpoint")
    if not endpoint:
        raise click.UsageError("the `siu dev` session does not say where its AWS emulation is (aws_endpoint); "
                               "restart `siu dev` with this version of siu")
    for service in DEV_SERVICES:
        os.environ[f"AWS_ENDPOINT_URL_{service}"] = str(endpoint)
    os.environ["AWS_DEFAULT_REGION"] = str(session.get("region") or os.environ.get("AWS_DEFAULT_REGION")
                                           or "ap-southeast-1")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(key, "siu-dev")
    clients.reset_clients()
    return Target(base_url=str(dev_url), dev=True)


_NO_LOCK = contextlib.nullcontext()


class _CurrentStderr:
    """Whatever ``sys.stderr`` is at the time of writing (click's test runner swaps it per invocation)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def logs_to_stderr(*services: str) -> None:
    """Send these services' JSON log lines to stderr, so a command's own output on stdout stays parseable."""
    from siu_core import obs

    for service in services:
        handler = obs.get_logger(service).registered_handler
        if isinstance(handler, logging.StreamHandler):
            # Not setStream(): it flushes the old stream, which a test harness may have closed already.
            with handler.lock or _NO_LOCK:
                handler.stream = _CurrentStderr()
