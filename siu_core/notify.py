"""Slack notices (SLA breaches, the daily digest) through ``slack_sdk``'s ``chat.postMessage``.

The bot token is the field ``bot_token`` of the JSON secret ``/siu/secrets/slack`` (an SSM
SecureString). Notices are a courtesy,
never part of a transaction: no token, no channel, or Slack refusing is logged with a metric
(``NotifySkipped`` / ``NotifyFailures``) and answered with False; it never raises. The token never
appears in a log line. ``$SIU_SLACK_API_URL`` points the client elsewhere (a local stand-in).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from siu_core import obs
from siu_core.errors import ConfigError

SECRET_NAME = "slack"  # noqa: S105 - the secret's name, not a secret
TOKEN_FIELD = "bot_token"  # noqa: S105 - a field name
BASE_URL_ENV = "SIU_SLACK_API_URL"
SERVICE = "notify"
TIMEOUT_SECONDS = 5


class Notifier:
    """Posts messages to Slack channels; built once per process, token read on first use."""

    def __init__(self, *, secrets: Any | None = None, base_url: str | None = None, client: Any | None = None,
                 token: str | None = None) -> None:
        self._secrets = secrets
        self._base_url = base_url if base_url is not None else os.environ.get(BASE_URL_ENV) or None
        self._client = client
        self._token = token
        self.sent: list[tuple[str, str]] = []

    def _token_value(self) -> str | None:
        if self._token is not None:
            return self._token or None
        if self._secrets is None:
            from siu_core.secrets import SecretStore

            self._secrets = SecretStore()
        try:
            fields: Mapping[str, str] = self._secrets.get(SECRET_NAME)
        except ConfigError as exc:
            obs.get_logger(SERVICE).warning("no Slack token; notices are skipped", extra={"problem": str(exc)})
            self._token = ""
            return None
        self._token = fields.get(TOKEN_FIELD, "")
        if not self._token:
            obs.get_logger(SERVICE).warning("the Slack secret has no bot_token; notices are skipped")
        return self._token or None

    def _web(self) -> Any | None:
        if self._client is not None:
            return self._client
        token = self._token_value()
        if token is None:
            return None
        from slack_sdk import WebClient

        kwargs: dict[str, Any] = {"token": token, "timeout": TIMEOUT_SECONDS}
        if self._base_url:
            kwargs["base_url"] = self._base_url.rstrip("/") + "/"
        self._client = WebClient(**kwargs)
        return self._client

    def post(self, channel: str | None, text: str, *, blocks: Sequence[Mapping[str, Any]] | None = None,
             kind: str = "notice") -> bool:
        """Post to a channel; False (logged, counted) when it cannot, never an exception."""
        log = obs.get_logger(SERVICE)
        if not channel:
            obs.metric("NotifySkipped", kind=kind, reason="no_channel")
            log.warning("no Slack channel configured; notice skipped", extra={"kind": kind})
            return False
        client = self._web()
        if client is None:
            obs.metric("NotifySkipped", kind=kind, reason="no_token")
            return False
        from slack_sdk.errors import SlackApiError, SlackClientError

        try:
            client.chat_postMessage(channel=channel, text=text, blocks=list(blocks) if blocks else None,
                                    unfurl_links=False, unfurl_media=False)
        except SlackApiError as exc:
            obs.metric("NotifyFailures", kind=kind)
            log.error("Slack refused the notice", extra={"kind": kind, "channel": channel,
                                                          "slack_error": str(exc.response.get("error"))})
            return False
        except (SlackClientError, OSError, ValueError) as exc:
            obs.metric("NotifyFailures", kind=kind)
            log.error("Slack unreachable", extra={"kind": kind, "channel": channel, "error": type(exc).__name__})
            return False
        obs.metric("NotifySent", kind=kind)
        self.sent.append((channel, kind))
        return True
