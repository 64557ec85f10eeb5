"""The embedded default: the whole pipeline on one machine, on an AWS emulation provisioned from the template.

Same handler code and boto3 calls as on Lambda; only the endpoints differ: every AWS service the
pipeline uses points at moto's threaded server on loopback (through ``AWS_ENDPOINT_URL_<SERVICE>``,
so Bedrock can still reach real AWS with ``--labeler bedrock``), and each channel's
``api_base_url`` setting points at the local platform stand-in.
"""

from __future__ import annotations

import json
import logging
import os
import secrets as pysecrets
import threading
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siu_core.config import SiuConfig, config_to_parameters, example_config, load_config_file
from siu_core.dev import wiring
from siu_core.dev.http import DevApp, DevHTTPServer, serve
from siu_core.dev.poller import QueuePoller
from siu_core.dev.schedule import Scheduler
from siu_core.dev.standin import StandIn
from siu_core.errors import ConfigError
from siu_core.plugins import Channel, ChannelRegistry, load_channels

log = logging.getLogger("siu.dev")

#: Services the pipeline uses, by the suffix of their ``AWS_ENDPOINT_URL_<SERVICE>`` variable.
EMULATED_SERVICES = ("DYNAMODB", "SQS", "S3", "SSM", "SECRETS_MANAGER", "CLOUDWATCH", "STS", "SCHEDULER", "SNS")


@dataclass
class DevOptions:
    """What ``siu dev`` was asked for."""

    host: str = "127.0.0.1"
    port: int = 8000
    config_path: Path | None = None
    secrets_path: Path | None = None
    labeler: str = "rules"
    batching_window: float = 5.0
    schedules: bool = True


def dev_secret_values(channel: Channel) -> dict[str, str]:
    """Made-up secrets for a channel's declared fields: random keys and tokens, stable account ids."""
    values: dict[str, str] = {}
    for name in [*channel.info.secret_fields, *channel.info.optional_secret_fields]:
        if name == channel.info.account_secret_field or name.endswith("_id"):
            values[name] = str(100000000000000 + zlib.crc32(f"{channel.name}:{name}".encode()) % 10**14)
        else:
            values[name] = f"dev-{channel.name}-{name.replace('_', '-')}-{pysecrets.token_hex(8)}"
    return values


def account_id_for(channel: Channel, secret_values: Mapping[str, str]) -> str:
    """The business account id simulated webhooks are addressed to (the plugin's account field)."""
    field_name = channel.info.account_secret_field
    if field_name and secret_values.get(field_name):
        return secret_values[field_name]
    return f"dev-{channel.name}-account"


@dataclass
class DevStack:
    """Start and stop everything ``siu dev`` runs; usable in-process by ``siu demo`` and tests."""

    options: DevOptions
    channels: ChannelRegistry = field(default_factory=load_channels)
    config: SiuConfig | None = None
    secrets: dict[str, dict[str, str]] = field(default_factory=dict)
    base_url: str = ""
    _moto: Any = None
    _server: DevHTTPServer | None = None
    _poller: QueuePoller | None = None
    _scheduler: Scheduler | None = None
    _saved_env: dict[str, str | None] = field(default_factory=dict)
    standin: StandIn | None = None
    resources: Any = None
    #: Where the AWS emulation listens (other `siu` commands reach the same state through it).
    aws_endpoint: str = ""

    # --- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> DevStack:
        """Bring the emulation, resources, config, secrets, HTTP server, poller and schedules up."""
        if not self.channels.channels:
            problems = "; ".join(f"{n}: {r}" for n, r in self.channels.failures.items()) or "none installed"
            raise ConfigError(f"no channel plugin loaded ({problems}); install one, e.g. pip install siu-whatsapp")
        cfg = self._read_config()
        self.standin = StandIn(self.channels)
        app = DevApp(
            webhook=self._webhook,
            channels=self.channels.names,
            standin=self.standin,
            threads=self._threads,
            views={"queues": self._queue_depths},
        )
        # Bind first: a busy port must fail before anything else starts.
        self._server, _ = serve(app, self.options.host, self.options.port)
        port = int(self._server.server_address[1])
        self.base_url = f"http://{self.options.host}:{port}"
        self._start_emulation()
        self.resources = wiring.provision()
        self.config = self._with_dev_settings(cfg)
        self.standin.settings = {name: self.config.channel_settings(name) for name in self.channels.names()}
        wiring.push_config(config_to_parameters(self.config))
        wiring.seed_roster(self.config)
        self.secrets = self._load_secrets()
        self.standin.secrets = self.secrets
        for name, values in self.secrets.items():
            wiring.put_channel_secret(name, values)
        wiring.ensure_inbox_key()
        wiring.reset_caches()
        app.mounts.update(wiring.inbox_mounts())
        self._poller = QueuePoller(
            sqs=wiring.sqs_client(),
            queue_url=self.resources.queue_url,
            queue_arn=self.resources.queue_arn,
            region=wiring.region(),
            handler=wiring.labeler_handler(),
            batching_window=self.options.batching_window,
        )
        self._poller.start()
        if self.options.schedules:
            self._scheduler = Scheduler(self.config.time_zone, wiring.scheduled_jobs())
            self._scheduler.start()
        return self

    def stop(self) -> None:
        """Stop in reverse order and restore the environment."""
        if self._scheduler is not None:
            self._scheduler.stop()
        if self._poller is not None:
            self._poller.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._moto is not None:
            self._moto.stop()
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        wiring.reset_caches()

    def __enter__(self) -> DevStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- pieces --------------------------------------------------------------------------------------

    def _setenv(self, key: str, value: str) -> None:
        self._saved_env.setdefault(key, os.environ.get(key))
        os.environ[key] = value

    def _start_emulation(self) -> None:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            raise ConfigError(
                "siu dev needs the AWS emulation: pip install 'siu-core[local]' (moto's server)"
            ) from None
        from siu_core.dev.emulation import make_dynamodb_atomic

        make_dynamodb_atomic()
        # werkzeug logs every emulated AWS call at INFO: keep the console for siu's own lines.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        endpoint = self.aws_endpoint = f"http://{host}:{port}"
        for service in EMULATED_SERVICES:
            self._setenv(f"AWS_ENDPOINT_URL_{service}", endpoint)
        self._setenv("AWS_DEFAULT_REGION", os.environ.get("AWS_DEFAULT_REGION") or "ap-southeast-1")
        self._setenv("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required")
        self._setenv("AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required")
        if self.options.labeler != "bedrock" or not wiring.has_aws_credentials():
            # The emulation accepts any credentials; never let a dev run sign with a real key by accident.
            for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
                self._saved_env.setdefault(key, os.environ.get(key))
                os.environ.pop(key, None)
            self._setenv("AWS_ACCESS_KEY_ID", "siu-dev")
            self._setenv("AWS_SECRET_ACCESS_KEY", "siu-dev")

    def _read_config(self) -> SiuConfig:
        if self.options.config_path is not None:
            return load_config_file(self.options.config_path)
        return example_config()

    def _with_dev_settings(self, cfg: SiuConfig) -> SiuConfig:
        """Point every channel at the stand-in and pick the labeler the user asked for."""
        assert self.standin is not None
        overrides = {
            name: {**cfg.channels.get(name, {}), "api_base_url": self.standin.base_url(self.base_url, name)}
            for name in self.channels.names()
        }
        return cfg.model_copy(update={"channels": {**cfg.channels, **overrides}, "labeler": self.options.labeler})

    def _load_secrets(self) -> dict[str, dict[str, str]]:
        given: dict[str, Any] = {}
        if self.options.secrets_path is not None:
            try:
                given = json.loads(Path(self.options.secrets_path).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ConfigError(f"--secrets {self.options.secrets_path}: {exc}") from None
            if not isinstance(given, dict):
                raise ConfigError(f"--secrets {self.options.secrets_path}: expected a JSON object keyed by channel")
        out: dict[str, dict[str, str]] = {}
        for name in self.channels.names():
            ch = self.channels.get(name)
            if name in given:
                values = {str(k): str(v) for k, v in dict(given[name]).items()}
                missing = [f for f in ch.info.secret_fields if not values.get(f)]
                if missing:
                    raise ConfigError(f"--secrets: channel {name} lacks field(s) {', '.join(missing)}")
            else:
                values = dev_secret_values(ch)
            out[name] = values
        return out

    def _webhook(self, channel: str, event: dict[str, Any]) -> Any:
        return wiring.connector_call(channel, event)

    def _threads(self) -> list[dict[str, Any]]:
        return wiring.list_threads()

    def _queue_depths(self) -> dict[str, int]:
        assert self.resources is not None
        return wiring.queue_depths(self.resources)

    # --- helpers for demo and tests ------------------------------------------------------------------

    def session(self) -> dict[str, Any]:
        """What other `siu` commands need to reach this server: URLs, dev secrets, the emulation."""
        return {
            "base_url": self.base_url,
            "aws_endpoint": self.aws_endpoint,
            "region": wiring.region(),
            "secrets": self.secrets,
            "accounts": {name: self.account_id(name) for name in self.channels.names()},
            "settings": self.standin.settings if self.standin else {},
        }

    def webhook_url(self, channel: str) -> str:
        """Where this channel's platform should POST (paste into the Meta app dashboard via a tunnel)."""
        return f"{self.base_url}/webhooks/{channel}"

    def account_id(self, channel: str) -> str:
        """The business account id simulated webhooks for this channel are addressed to."""
        return account_id_for(self.channels.get(channel), self.secrets[channel])

    def wait_drained(self, timeout: float = 120.0, on_progress: Callable[[int], None] | None = None) -> bool:
        """Wait until the intake queue has nothing visible or in flight (the pipeline caught up)."""
        assert self.resources is not None
        done = threading.Event()
        deadline = timeout
        step = 0.1
        quiet = 0
        while deadline > 0:
            depths = wiring.queue_depths(self.resources)
            pending = depths["intake_visible"] + depths["intake_in_flight"]
            if on_progress is not None:
                on_progress(pending)
            quiet = quiet + 1 if pending == 0 else 0
            if quiet >= 3:
                return True
            done.wait(step)
            deadline -= step
        return False
