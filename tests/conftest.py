"""Test-wide settings: no network, a pinned region, fake AWS credentials."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

# Set before any boto3 client exists: botocore signs requests even under moto and VCR.
os.environ.update(
    {
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "AWS_REGION": "ap-southeast-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
        "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
        "POWERTOOLS_SERVICE_NAME": "siu-test",
        "POWERTOOLS_METRICS_NAMESPACE": "siu-test",
        "POWERTOOLS_DEV": "false",
    }
)
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_ENDPOINT_URL", None)


# --- the shared AWS fixture (moto, provisioned from infra/template.yaml once per session) ---------


@pytest.fixture(scope="session")
def shared_moto() -> Any:
    """The session's moto: the template provisioned once, put back to that state before every test."""
    from moto_baseline import SharedMoto

    return SharedMoto()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, shared_moto: Any) -> Iterator[Any]:
    """moto with every template resource provisioned, the test config in SSM, the roster seeded.

    Yields ``pipeline_support.AwsEnv``; ``SIU_*`` variables point the code at the resources, clients
    and cached config/services are reset before and after. The resources are provisioned once per
    session; each test starts from that state (tables hold only the roster, queues and bucket are
    empty, every other service is empty), see ``moto_baseline``.
    """
    from pipeline_support import AwsEnv

    with shared_moto.test_scope() as baseline:
        for key, value in baseline.env.items():
            monkeypatch.setenv(key, value)
        yield AwsEnv(provisioned=baseline.provisioned, config=baseline.config, env=dict(baseline.env),
                     shared=shared_moto)


# --- the inbox API on provisioned moto, with a platform stand-in and a fixed clock ---------------


@pytest.fixture
def stub() -> Iterator[Any]:
    """A loopback stand-in for the platforms' send APIs (records every call)."""
    from inbox_support import stub_server

    yield from stub_server()


@pytest.fixture
def inbox(aws: Any, stub: Any) -> Iterator[Any]:
    """The inbox handler's services on the ``aws`` fixture: test config pushed, secrets stored, clock fixed."""
    from types import SimpleNamespace

    from inbox_support import Clock, build_services, inbox_config, put_secrets

    from siu_core.handlers import inbox as handler

    config = inbox_config(stub.url)
    aws.push_config(config, changed_only=True)
    put_secrets()
    clock = Clock()
    services = build_services(config, clock)
    yield SimpleNamespace(config=config, clock=clock, services=services, stub=stub, aws=aws)
    handler.set_services(None)
