"""AWS plumbing of the core: resource names, lazily created clients, provisioning from the template.

Nothing here creates a boto3 client at import time, so moto (tests), ``AWS_ENDPOINT_URL`` (``siu
dev``) and the Lambda environment all take effect.
"""

from __future__ import annotations

from siu_core.aws.names import ResourceNames, resource_names

__all__ = ["ResourceNames", "resource_names"]
