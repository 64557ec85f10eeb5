"""Test-wide settings: no network, a pinned region, fake AWS credentials."""

from __future__ import annotations

import os

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
