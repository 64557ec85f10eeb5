"""One moto provisioning per test session: the template's resources made once, lent to each test clean.

Provisioning ``infra/template.yaml`` (eight tables, two queues, a bucket) and seeding the config and
roster cost most of a functional test's time when done per test. :class:`SharedMoto` does it once
and keeps the *baseline*: the table, queue and bucket objects moto created, the seeded roster items,
the SSM parameters. Each test (:meth:`SharedMoto.test_scope`) then gets a moto that is reset like a
fresh ``mock_aws()`` (every service empty) with those very objects put back in, in the state
provisioning left them:

- every table holds exactly its baseline items (the roster; the others empty), every queue is
  purged, every object version and delete marker leaves the bucket, SSM holds the config;
- everything else a test made (secrets, extra parameters, other services, regions) is gone.

After the test the objects are taken out again and moto is reset, so a test that does not use the
``aws`` fixture (its own ``mock_aws()``, an in-process moto server) finds moto empty, as before.
The baseline is made again when a test deleted or replaced one of its resources, or when the region
or ``SIU_*`` names differ from the provisioning's.

This touches moto's in-memory models (``Table.items``, a queue's message lists, the backends' dicts
of tables, queues, buckets and SSM parameters), as moto's own table backups do.
:meth:`SharedMoto.lend` checks their shape first; another moto version that changed them gets a
freshly provisioned moto per test instead: slower, never dirty. ``tests/test_moto_baseline.py``
proves the isolation.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


def reset_caches() -> None:
    """Forget cached clients, config and handler services (they may point at an earlier moto)."""
    from siu_core.aws import clients
    from siu_core.config import clear_config_cache

    clients.reset_clients()
    clear_config_cache()
    try:
        from siu_core.handlers import labeler

        labeler.set_services(None)
    except ImportError:  # pragma: no cover - handler not importable
        pass


def _key() -> tuple[str, ...]:
    """What provisioning depends on besides the template: the region, endpoints, the name prefix of the
    resources and of the config parameters (the per-resource ``SIU_*`` names the fixture sets itself)."""
    from siu_core.aws.names import PREFIX_ENV
    from siu_core.config import CONFIG_PREFIX_ENV

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or ""
    prefixes = [f"{k}={os.environ.get(k, '')}" for k in (PREFIX_ENV, CONFIG_PREFIX_ENV)]
    endpoint = sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith("AWS_ENDPOINT_URL"))
    return (region, *prefixes, *endpoint)


@dataclass
class Baseline:
    """What provisioning made, and the moto objects that hold it."""

    key: tuple[str, ...]
    account: str
    region: str
    provisioned: Any
    config: Any
    env: dict[str, str]
    ssm_parameters: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Any] = field(default_factory=dict)
    items: dict[str, Any] = field(default_factory=dict)
    queues: dict[str, Any] = field(default_factory=dict)
    buckets: dict[str, Any] = field(default_factory=dict)


_active: SharedMoto | None = None


def active() -> SharedMoto | None:
    """The shared moto a running test is inside (None outside the ``aws`` fixture)."""
    return _active


def _backends(b: Baseline) -> tuple[Any, Any, Any, Any, Any]:
    from moto.dynamodb.models import dynamodb_backends
    from moto.s3.models import s3_backends
    from moto.sqs.models import sqs_backends
    from moto.ssm.models import ssm_backends

    return (dynamodb_backends[b.account][b.region], sqs_backends[b.account][b.region],
            s3_backends[b.account]["aws"], ssm_backends[b.account][b.region], s3_backends)


class SharedMoto:
    """The session's moto (see the module docstring)."""

    def __init__(self) -> None:
        self.baseline: Baseline | None = None
        #: How many tests got the lent baseline, and how many a freshly provisioned moto.
        self.lent = 0
        self.provisioned = 0
        #: Why the baseline was last not lent.
        self.refused = ""

    @contextmanager
    def test_scope(self) -> Iterator[Baseline]:
        """A reset moto holding the baseline, for one test; emptied after it (see the module docstring)."""
        from moto import mock_aws
        from moto.core.models import MockAWS

        global _active
        nested = MockAWS._nested_count > 0  # inside a test's own mock_aws(): its data is not ours to reset
        mock = mock_aws()
        mock.start(reset=False)
        try:
            if not nested:
                mock.reset()
            reset_caches()
            if not nested and self.lend():
                self.lent += 1
            else:
                self.baseline = self._provision()
                self.provisioned += 1
            _active = self
            yield self.baseline  # type: ignore[misc]
        finally:
            _active = None
            if not nested:
                self._take_back()
                mock.reset()
            reset_caches()
            mock.stop(remove_data=False)

    # --- provisioning -------------------------------------------------------------------------

    def _provision(self) -> Baseline:
        from pipeline_support import make_config

        from siu_core.aws import clients
        from siu_core.aws.provision import provision
        from siu_core.config import clear_config_cache, config_to_parameters
        from siu_core.store import roster

        key = _key()
        provisioned = provision()
        env = provisioned.env()
        config = make_config()
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)  # the roster seed below resolves table names from the environment
        try:
            ssm = clients.client("ssm")
            for name, value in config_to_parameters(config).items():
                ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
            roster.seed(config.roster, overwrite=True)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        clear_config_cache()

        account = str(clients.client("sts").get_caller_identity()["Account"])
        region = str(clients.client("sts").meta.region_name)
        b = Baseline(key=key, account=account, region=region, provisioned=provisioned, config=config, env=env)
        ddb, sqs, s3, ssm_backend, _ = _backends(b)
        names = provisioned.names
        for table in (names.dedupe, names.threads, names.messages, names.customers, names.assignments,
                      names.loadcount, names.roster, names.audit, names.composer):
            b.tables[table] = ddb.tables[table]
            b.items[table] = copy.deepcopy(ddb.tables[table].items)
        for url in provisioned.queue_urls.values():
            name = url.rsplit("/", 1)[-1]
            b.queues[name] = sqs.queues[name]
        b.buckets[names.bucket] = s3.buckets[names.bucket]
        b.ssm_parameters = copy.deepcopy(dict(ssm_backend._parameters))
        return b

    # --- lending ------------------------------------------------------------------------------

    def lend(self) -> bool:
        """Put the baseline's objects, in their provisioned state, into the (reset) moto; False if not possible."""
        b = self.baseline
        if b is None:
            self.refused = "nothing provisioned yet"
            return False
        if b.key != _key():
            self.refused = f"provisioned for {b.key}, now {_key()}"
            return False
        if not _shaped(b):
            self.refused = "moto's models are not what moto_baseline expects"
            return False
        ddb, sqs, s3, ssm, s3_backends = _backends(b)
        if ddb.tables or sqs.queues or s3.buckets:
            self.refused = "moto is not empty"
            return False
        for name, table in b.tables.items():
            table.items = copy.deepcopy(b.items[name])
            ddb.tables[name] = table
        for name, queue in b.queues.items():
            with queue._messages_lock:
                queue._messages = []
                queue._pending_messages = set()
                queue.deleted_messages = set()
                queue.last_purged_at = None
            sqs.queues[name] = queue
        for name, bucket in b.buckets.items():
            s3.buckets[name] = bucket
            s3_backends.bucket_accounts[name] = ("aws", b.account)
        ssm._parameters.update(copy.deepcopy(b.ssm_parameters))
        self._empty_buckets(b)
        reset_caches()
        return True

    def _take_back(self) -> None:
        """After a test: take the baseline's objects out of moto, or forget them if the test replaced any."""
        b = self.baseline
        if b is None:
            return
        try:
            ddb, sqs, s3, _ssm, s3_backends = _backends(b)
            ours = _present(ddb.tables, b.tables) and _present(sqs.queues, b.queues) and _present(s3.buckets, b.buckets)
        except (AttributeError, KeyError, ImportError):
            ours = False
        if not ours:
            self.baseline = None  # deleted, replaced or changed under another name: provision afresh next time
            self.refused = "the last test replaced or removed a provisioned resource"
            return
        self._empty_buckets(b)  # while the objects are live: moto's reset closes every object's buffer
        for name in b.tables:
            ddb.tables.pop(name)
        for name in b.queues:
            sqs.queues.pop(name)
        for name in b.buckets:
            s3.buckets.pop(name)
            s3_backends.bucket_accounts.pop(name, None)

    def empty_data(self, roster: Any) -> bool:
        """Every table back to its baseline items and the bucket emptied; queues and other services
        untouched (``pipeline_support.wipe``). False when the roster is not the baseline's: the
        caller empties the tables itself then."""
        b = self.baseline
        if b is None or roster != b.config.roster or _active is not self:
            return False
        ddb, _sqs, _s3, _ssm, _ = _backends(b)
        if not _present(ddb.tables, b.tables):
            return False
        for name, table in b.tables.items():
            table.items = copy.deepcopy(b.items[name])
        self._empty_buckets(b)
        return True

    @staticmethod
    def _empty_buckets(b: Baseline) -> None:
        from siu_core.aws import clients

        for bucket, model in b.buckets.items():
            if not model.keys:  # no object, version or delete marker: nothing to ask S3
                continue
            s3 = clients.s3()
            doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                      for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket)
                      for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
            for start in range(0, len(doomed), 1000):
                s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed[start:start + 1000], "Quiet": True})


def _shaped(b: Baseline) -> bool:
    """moto's models still look the way :meth:`SharedMoto.lend` handles them."""
    try:
        ddb, sqs, s3, ssm, s3_backends = _backends(b)
        return (isinstance(ddb.tables, dict) and isinstance(sqs.queues, dict) and isinstance(s3.buckets, dict)
                and isinstance(ssm._parameters, dict) and isinstance(s3_backends.bucket_accounts, dict)
                and all(isinstance(t.items, dict) for t in b.tables.values())
                and all(isinstance(q._messages, list) and isinstance(q._pending_messages, set)
                        and hasattr(q, "_messages_lock") for q in b.queues.values())
                and all(isinstance(k.keys, dict) for k in b.buckets.values()))
    except (AttributeError, KeyError, ImportError):
        return False


def _present(live: Any, recorded: dict[str, Any]) -> bool:
    """Each recorded object is still in moto under its name (extra ones do not matter: moto is reset after)."""
    return all(live.get(name) is obj for name, obj in recorded.items())
