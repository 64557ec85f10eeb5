"""The secrets ``siu deploy`` keeps in SSM Parameter Store: CloudFormation cannot create SecureStrings.

One SecureString parameter per secret under ``/<prefix>/secrets/``: each chosen channel's (the
fields its plugin declares, put by the operator), ``slack`` (``{"bot_token": ...}``) and ``inbox``
(the session signing key). Deploy creates the missing ones and never overwrites one that exists:
channel and Slack secrets start as ``{}`` for the operator to fill, the signing key is generated
once. Re-running a deploy is therefore safe, and a value put by hand is never lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: The name (after the prefix) of the Slack bot token's parameter.
SLACK = "slack"
#: The name (after the prefix) of the inbox signing key's parameter.
INBOX = "inbox"


def secret_prefix(name_prefix: str) -> str:
    """The functions' ``SIU_SECRET_PREFIX`` for a stack's name prefix, so deploy and runtime agree."""
    return f"/{name_prefix}/secrets/"


def empty_secrets(channels: Sequence[str], fields: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Secret name -> description of each secret deploy creates as ``{}`` for the operator to fill."""
    out = {name: f"siu {name} channel secret, one JSON object with: "
                 f"{', '.join(fields.get(name, ())) or 'see the plugin'}" for name in channels}
    out[SLACK] = 'siu Slack bot token for notices: {"bot_token": "xoxb-..."} (optional)'
    return out


def ensure_secrets(client: Any, name_prefix: str, channels: Sequence[str],
                   fields: Mapping[str, Sequence[str]]) -> list[str]:
    """Create the missing secret parameters (never overwrite one); the names created, for the deploy log."""
    from siu_core.auth import ensure_signing_key, read_signing_key
    from siu_core.errors import ConfigError
    from siu_core.secrets import write_parameter

    prefix = secret_prefix(name_prefix)
    created = [prefix + name for name, about in empty_secrets(channels, fields).items()
               if write_parameter(client, prefix + name, "{}", description=about, overwrite=False)]
    try:
        read_signing_key(client, prefix=prefix)
    except ConfigError:
        created.append(prefix + INBOX)
    ensure_signing_key(client, prefix=prefix)
    return created
