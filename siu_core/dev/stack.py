"""The embedded default: the whole pipeline on one machine, on an AWS emulation provisioned from the template.

Same handler code and boto3 calls as on Lambda; only the endpoints differ: every AWS service the
pipeline uses points at moto's threaded server on loopback (through ``AWS_ENDPOINT_URL_<SERVICE>``,
so Bedrock can still reach real AWS with ``--labeler bedrock``), and each channel's
``api_base_url`` setting points at the local platform stand-in.

Start order (``/healthz`` is 503 ``starting`` until the last step, every other path 503 too):
take the state dir's lock, bind the port (a busy port fails fast), start the emulation, provision
the template, restore the last snapshot (``persist``), publish the config, seed the roster (fresh
state dir only), store the channel secrets and the signing key, mount the inbox, replay the webhook
journal, start the poller, the schedules and the snapshot loop, write the session file, then ready.
Stop (Ctrl-C, SIGTERM, :meth:`DevStack.stop`) goes back the other way and ends with a last
snapshot. Without ``state_dir`` (``siu demo``, tests) nothing is kept: it all lives in memory.
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

from siu_core.accounts import ChannelAccounts, channel_accounts
from siu_core.config import SiuConfig, config_to_parameters, example_config, load_config_file
from siu_core.dev import session as dev_session
from siu_core.dev import wiring
from siu_core.dev.changes import Changes
from siu_core.dev.http import READY, S3_PREFIX, STARTING, STOPPING, DevApp, DevHTTPServer, serve
from siu_core.dev.journal import Journal
from siu_core.dev.lock import StateLock
from siu_core.dev.persist import Persister
from siu_core.dev.poller import QueuePoller
from siu_core.dev.schedule import Scheduler
from siu_core.dev.standin import StandIn
from siu_core.errors import ConfigError
from siu_core.plugins import Channel, ChannelRegistry, load_channels
from siu_core.store.uploads import ENDPOINT_ENV as UPLOAD_ENDPOINT_ENV

log = logging.getLogger("siu.dev")

#: Services the pipeline uses, by the suffix of their ``AWS_ENDPOINT_URL_<SERVICE>`` variable.
EMULATED_SERVICES = ("DYNAMODB", "DYNAMODB_STREAMS", "SQS", "S3", "SSM", "CLOUDWATCH", "STS", "SCHEDULER", "SNS")


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
    #: Where data, journal, lock and session live; None keeps everything in memory (demo, tests).
    state_dir: Path | None = None
    #: Seconds between snapshots of the emulation while something changed.
    snapshot_interval: float = 1.0


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
    #: Each channel's first account's fields (what ``siu simulate`` signs with by default).
    secrets: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Each channel's configured accounts (one, or the ``accounts`` of its --secrets entry).
    accounts: dict[str, ChannelAccounts] = field(default_factory=dict)
    base_url: str = ""
    _moto: Any = None
    _server: DevHTTPServer | None = None
    _poller: QueuePoller | None = None
    _scheduler: Scheduler | None = None
    _search: Any = None
    _search_tmp: Path | None = None
    _saved_env: dict[str, str | None] = field(default_factory=dict)
    standin: StandIn | None = None
    resources: Any = None
    #: Where the AWS emulation listens (other `siu` commands reach the same state through it).
    aws_endpoint: str = ""
    #: Bearer token for /dev/* from anywhere but this machine's loopback (kept in the state dir).
    dev_token: str = ""
    #: The state dir in use (None: nothing kept).
    state: Path | None = None
    #: Channels whose secrets came from --secrets (never printed) rather than generated.
    given_secrets: list[str] = field(default_factory=list)
    #: What start found on disk: snapshot restored, journal entries replayed.
    restored: bool = False
    replayed: int = 0
    persister: Persister | None = None
    _status: str = STARTING
    #: Set once start finished: only then may stop write a snapshot (a half-done restore must never
    #: overwrite the good one on disk).
    _served: bool = False
    _changes: Changes = field(default_factory=Changes)
    _journal: Journal | None = None
    _lock: StateLock | None = None

    # --- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> DevStack:
        """Bring the emulation, resources, config, secrets, HTTP server, poller and schedules up."""
        if not self.channels.channels:
            problems = "; ".join(f"{n}: {r}" for n, r in self.channels.failures.items()) or "none installed"
            raise ConfigError(f"no channel plugin loaded ({problems}); install one: pip install siu-<channel>")
        file_cfg = self._read_config() if self.options.config_path is not None else None
        kept: dict[str, Any] = {}
        if self.options.state_dir is not None:
            self.state = dev_session.state_dir(self.options.state_dir)
            self._lock = StateLock(self.state).acquire()  # before the port: name the instance that holds it
            kept = dev_session.read_dev_secrets(self.state)
        self.dev_token = str(kept.get("dev_token") or pysecrets.token_urlsafe(32))
        self.standin = StandIn(self.channels)
        app = DevApp(
            webhook=self._webhook,
            channels=self.channels.names,
            standin=self.standin,
            threads=self._threads,
            views={"queues": self._queue_depths},
            state=lambda: self._status,
            dead_workers=self.dead_workers,
            dev_token=self.dev_token,
            s3_endpoint=lambda: self.aws_endpoint,
        )
        # Bind first: a busy port must fail before anything else starts (it answers 503 until ready).
        self._server, _ = serve(app, self.options.host, self.options.port)
        port = int(self._server.server_address[1])
        self.base_url = f"http://{self.options.host}:{port}"
        if self._lock is not None:
            self._lock.describe(base_url=self.base_url)
        self._start_emulation()
        self.resources = wiring.provision()
        manifest = None
        if self.state is not None:
            self._journal = Journal(self.state / "webhooks.journal")
            self.persister = Persister(self.state / "data", self._changes, self._journal, wiring.account_id(),
                                       wiring.region(), interval=self.options.snapshot_interval)
            manifest = self.persister.restore()
            self.restored = manifest is not None
        cfg = file_cfg or (wiring.published_config() if self.restored else None) or example_config()
        self.config = self._with_dev_settings(cfg)
        self.standin.settings = {name: self.config.channel_settings(name) for name in self.channels.names()}
        wiring.push_config(config_to_parameters(self.config))
        if not self.restored:  # a restored roster (edits, removals, session generations) is the live one
            wiring.seed_roster(self.config)
        documents = self._load_secrets(kept.get("channels") or {})
        self.secrets = {name: self.account_secrets(name) for name in documents}
        self.standin.secrets = {name: [dict(a.secrets) for a in book] for name, book in self.accounts.items()}
        for name, document in documents.items():
            wiring.put_channel_secret(name, document)
        if self.state is not None:
            generated = {n: v for n, v in documents.items() if n not in self.given_secrets}
            dev_session.write_dev_secrets(self.state, {"dev_token": self.dev_token, "channels": generated})
        wiring.ensure_inbox_key()
        wiring.reset_caches()
        self._start_search()  # before the journal's replay, so what it stores is indexed too
        app.mounts.update(wiring.inbox_mounts())
        if self._journal is not None:
            self.replayed = self._replay(int((manifest or {}).get("journal_seq", 0)))
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
        if self.persister is not None:
            self.persister.start()
        if self.state is not None:
            dev_session.write_session(self.session(), self.state)
        self._served = True
        self._status = READY
        return self

    def _start_search(self) -> None:
        """Open the search index (in the state dir, else a temporary file) and follow the store's streams."""
        import tempfile

        from siu_core.dev.search_feed import SearchFeed, rebuild
        from siu_core.search import location

        if self.state is None:
            self._search_tmp = Path(tempfile.mkdtemp(prefix="siu-search-"))
        folder = self.state if self.state is not None else self._search_tmp
        assert folder is not None
        path = folder / location.FILE_NAME
        fresh = not path.exists()
        self._setenv(location.INDEX_ENV, str(path))
        index = location.shared(path)
        assert index is not None
        if fresh or not self.restored:  # a new file, or a new store: what the index holds is the store's
            rebuild(index)
        self._search = SearchFeed(index)
        self._search.start()

    def _replay(self, after: int) -> int:
        """Feed journaled webhooks the last snapshot may lack to the connector again (dedupe drops repeats)."""
        assert self._journal is not None
        replayed = 0
        for entry in self._journal.after(after):
            try:
                result = wiring.connector_call(entry.channel, entry.event)
            except Exception:
                log.exception("journal entry %s (%s) could not be replayed", entry.seq, entry.channel)
                continue
            status = result.get("statusCode") if isinstance(result, dict) else None
            if not isinstance(status, int) or not 200 <= status < 300:
                log.warning("journal entry %s (%s) answered %s on replay", entry.seq, entry.channel, status)
            replayed += 1
        if replayed:
            log.info("replayed %d journaled webhook(s) newer than the last snapshot", replayed)
        return replayed

    @property
    def ready(self) -> bool:
        """Whether start finished and stop has not begun (what /healthz reports)."""
        return self._status == READY

    def dead_workers(self) -> list[str]:
        """Background workers that should run and do not (a non-empty list turns /healthz 503)."""
        dead = []
        if self._poller is not None and not self._poller.alive():
            dead.append("queue-poller")
        if self._scheduler is not None and not self._scheduler.alive():
            dead.append("scheduler")
        if self.persister is not None and not self.persister.alive():
            dead.append("snapshots")
        if self._search is not None and not self._search.alive():
            dead.append("search-feed")
        return dead

    def stop(self) -> None:
        """Stop in reverse order, keep a last snapshot, release the state dir and restore the environment."""
        self._status = STOPPING
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._scheduler is not None:
            self._scheduler.stop()
        if self._poller is not None:
            self._poller.stop()
        if self._search is not None:
            from siu_core.search import location

            self._search.stop()
            location.close_all()
            if self._search_tmp is not None:
                import shutil

                shutil.rmtree(self._search_tmp, ignore_errors=True)
                self._search_tmp = None
        try:
            if self.persister is not None and self._moto is not None and self._served:
                self.persister.stop()
        except Exception:
            log.exception("the last snapshot failed; the previous one and the webhook journal remain")
        finally:
            if self._journal is not None:
                self._journal.close()
            if self._moto is not None:
                self._moto.stop()
                self._forget_writes()
            if self._lock is not None:
                if self.base_url and self.state is not None:
                    dev_session.clear_session(self.base_url, self.state)
                self._lock.release()
                self._lock = None
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

    def _forget_writes(self) -> None:
        from siu_core.dev import emulation

        if self._changes.mark_dynamodb in emulation.write_listeners:
            emulation.write_listeners.remove(self._changes.mark_dynamodb)

    def _setenv(self, key: str, value: str) -> None:
        self._saved_env.setdefault(key, os.environ.get(key))
        os.environ[key] = value

    def _start_emulation(self) -> None:
        try:
            import moto.server  # noqa: F401 - the [server] extra: werkzeug, flask
        except ImportError:
            raise ConfigError(
                "siu dev needs the AWS emulation: pip install 'siu-core[local]' (moto's server)"
            ) from None
        from siu_core.dev import emulation
        from siu_core.dev.changes import recording_server
        from siu_core.dev.emulation import make_dynamodb_atomic

        make_dynamodb_atomic()
        emulation.write_listeners.append(self._changes.mark_dynamodb)
        # werkzeug logs every emulated AWS call at INFO: keep the console for siu's own lines.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._moto = recording_server(self._changes)  # moto's ThreadedMotoServer, recording writes
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        endpoint = self.aws_endpoint = f"http://{host}:{port}"
        # moto's data is per process, not per server: a stack started before in this process (tests,
        # the bench) must not leak into this one, so what the state dir restores is all there is.
        import urllib.request

        reset = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")  # noqa: S310 - loopback
        urllib.request.urlopen(reset, timeout=30).close()  # noqa: S310 - our own emulator on loopback
        for service in EMULATED_SERVICES:
            self._setenv(f"AWS_ENDPOINT_URL_{service}", endpoint)
        self._setenv(UPLOAD_ENDPOINT_ENV, S3_PREFIX.rstrip("/"))  # the browser uploads through the dev server
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

    def _load_secrets(self, kept: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Each channel's secret as stored in Parameter Store: from --secrets (one account's object, or
        ``{"accounts": [...]}``), else the dev secrets kept in the state dir, else made-up ones."""
        given: dict[str, Any] = {}
        if self.options.secrets_path is not None:
            try:
                given = json.loads(Path(self.options.secrets_path).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ConfigError(f"--secrets {self.options.secrets_path}: {exc}") from None
            if not isinstance(given, dict):
                raise ConfigError(f"--secrets {self.options.secrets_path}: expected a JSON object keyed by channel")
        out: dict[str, dict[str, Any]] = {}
        for name in self.channels.names():
            ch = self.channels.get(name)
            if name in given:
                if not isinstance(given[name], dict):
                    raise ConfigError(f"--secrets: channel {name} must be an object of fields, or of accounts")
                document = dict(given[name])
                self.accounts[name] = channel_accounts(f"--secrets {name}", document,
                                                       account_field=ch.info.account_secret_field,
                                                       required=ch.info.secret_fields)
                self.given_secrets.append(name)
            else:
                previous = kept.get(name) if isinstance(kept.get(name), dict) else None
                usable = previous and all(previous.get(f) for f in ch.info.secret_fields)
                document = {str(k): str(v) for k, v in previous.items()} if previous and usable \
                    else dev_secret_values(ch)
                self.accounts[name] = channel_accounts(f"dev secrets {name}", document,
                                                       account_field=ch.info.account_secret_field)
            out[name] = document
        return out

    def account_secrets(self, channel: str, account_id: str | None = None) -> dict[str, str]:
        """The fields a plugin gets for one of the channel's accounts (its first one by default)."""
        accounts = self.accounts[channel]
        account = accounts.get(account_id) if account_id is not None else accounts.accounts[0]
        if account is None:
            raise ConfigError(f"{channel} has no account {account_id} (configured: {', '.join(accounts.ids)})")
        return dict(account.secrets)

    def _webhook(self, channel: str, event: dict[str, Any]) -> Any:
        result = wiring.connector_call(channel, event)
        accepted = isinstance(result, dict) and isinstance(result.get("statusCode"), int) \
            and 200 <= result["statusCode"] < 300  # a plugin's acknowledgement may be any 2xx
        if self._journal is not None and accepted and event["requestContext"]["http"]["method"] == "POST":
            self._journal.append(channel, event)  # fsync'ed before the 200 is sent
        return result

    def _threads(self) -> list[dict[str, Any]]:
        return wiring.list_threads()

    def _queue_depths(self) -> dict[str, int]:
        assert self.resources is not None
        return wiring.queue_depths(self.resources)

    # --- helpers for demo and tests ------------------------------------------------------------------

    def session(self) -> dict[str, Any]:
        """What other `siu` commands need to reach this server: URLs, dev secrets, the emulation."""
        return {
            "pid": os.getpid(),
            "state_dir": str(self.state) if self.state is not None else None,
            "dev_token": self.dev_token,
            "base_url": self.base_url,
            "aws_endpoint": self.aws_endpoint,
            "region": wiring.region(),
            "secrets": self.secrets,
            "accounts": {name: self.account_id(name) for name in self.channels.names()},
            "account_secrets": {name: {a.id: dict(a.secrets) for a in book} for name, book in self.accounts.items()},
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
