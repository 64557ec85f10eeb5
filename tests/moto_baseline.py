"""One moto per test session: the template provisioned once, every test started from that state.

Provisioning ``infra/template.yaml`` (eight tables, two queues, a bucket) and seeding the config and
roster cost most of a functional test's time when done per test. :class:`SharedMoto` does it once
and records the *baseline*: the table, queue and bucket objects moto created, the roster items, the
config. Before each test (:meth:`SharedMoto.test_scope`) it starts the mock without resetting it
and puts the state back:

- every table holds exactly its baseline items again (the roster; the others empty), every queue is
  purged, every object version and delete marker leaves the bucket;
- every other service (SSM, Secrets Manager, STS/IAM, ...) and every other region or account is
  reset to empty, and SSM gets the baseline's config parameters back.

The baseline is re-made (moto reset, template provisioned again) when it is no longer there: a
test ran its own ``mock_aws()`` (which resets moto), deleted or re-created a resource, or runs
under a different region or ``SIU_*`` naming. So a test may do anything to moto; the next one
still starts clean, only slower.

The restore touches moto's in-memory models (``Table.items``, a queue's message lists, SSM's
parameter store, a bucket's key store, the list of loaded backends), as moto's own table backups
do. If those are not what this module expects (another moto version), :meth:`SharedMoto.restore`
answers False and the test gets a freshly provisioned moto instead: slower, never dirty.
``tests/test_moto_baseline.py`` proves the restore.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

#: Services whose baseline resources are kept (their data is emptied); every other one is reset.
KEPT_SERVICES = ("dynamodb", "sqs", "s3")


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


def _key(provisioned_env: dict[str, str] | None = None) -> tuple[str, ...]:
    """What provisioning depends on besides the template: region, endpoints and the ``SIU_*`` names
    (those that only repeat what provisioning itself exported, ``provisioned_env``, do not count)."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or ""
    exported = provisioned_env or {}
    siu = sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith("SIU_") and exported.get(k) != v)
    endpoint = sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith("AWS_ENDPOINT_URL"))
    return (region, *siu, *endpoint)


@dataclass
class Baseline:
    """What provisioning made, and the moto objects that hold it."""

    key: tuple[str, ...]
    account: str
    region: str
    provisioned: Any
    config: Any
    env: dict[str, str]
    parameters: dict[str, str]
    ssm_parameters: Any = None
    tables: dict[str, Any] = field(default_factory=dict)
    items: dict[str, Any] = field(default_factory=dict)
    queues: dict[str, Any] = field(default_factory=dict)
    buckets: dict[str, Any] = field(default_factory=dict)


_active: SharedMoto | None = None


def active() -> SharedMoto | None:
    """The shared moto a running test is inside (None outside the ``aws`` fixture)."""
    return _active


class SharedMoto:
    """The session's moto (see the module docstring)."""

    def __init__(self) -> None:
        self.baseline: Baseline | None = None
        #: How many tests got a restored moto, and how many a freshly provisioned one.
        self.restored = 0
        self.provisioned = 0

    @contextmanager
    def test_scope(self) -> Iterator[Baseline]:
        """moto started (not reset) and put back to the baseline for one test; stopped (data kept) after."""
        from moto import mock_aws

        global _active
        mock = mock_aws()
        mock.start(reset=False)
        try:
            reset_caches()
            if self.restore():
                self.restored += 1
            else:
                mock.reset()
                reset_caches()
                self.baseline = self._provision()
                self.provisioned += 1
            _active = self
            yield self.baseline  # type: ignore[misc]
        finally:
            _active = None
            reset_caches()
            mock.stop(remove_data=False)

    # --- provisioning -------------------------------------------------------------------------

    def _provision(self) -> Baseline:
        from moto.dynamodb.models import dynamodb_backends
        from moto.s3.models import s3_backends
        from moto.sqs.models import sqs_backends
        from moto.ssm.models import ssm_backends
        from pipeline_support import make_config

        from siu_core.aws import clients
        from siu_core.aws.provision import provision
        from siu_core.config import clear_config_cache, config_to_parameters
        from siu_core.store import roster

        key = _key()
        provisioned = provision()
        env = provisioned.env()
        config = make_config()
        parameters = config_to_parameters(config)
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)  # the roster seed below resolves table names from the environment
        try:
            self._put_parameters(parameters)
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
        baseline = Baseline(key=key, account=account, region=region, provisioned=provisioned, config=config,
                            env=env, parameters=parameters)
        names = provisioned.names
        ddb = dynamodb_backends[account][region]
        for table in (names.dedupe, names.threads, names.messages, names.customers, names.assignments,
                      names.loadcount, names.roster, names.audit):
            baseline.tables[table] = ddb.tables[table]
            baseline.items[table] = copy.deepcopy(ddb.tables[table].items)
        sqs = sqs_backends[account][region]
        for url in provisioned.queue_urls.values():
            name = url.rsplit("/", 1)[-1]
            baseline.queues[name] = sqs.queues[name]
        baseline.buckets[names.bucket] = s3_backends[account]["aws"].buckets[names.bucket]
        baseline.ssm_parameters = copy.deepcopy(dict(ssm_backends[account][region]._parameters))
        return baseline

    @staticmethod
    def _put_parameters(parameters: dict[str, str]) -> None:
        from siu_core.aws import clients

        ssm = clients.client("ssm")
        for name, value in parameters.items():
            ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)

    # --- restoring ----------------------------------------------------------------------------

    def restore(self) -> bool:
        """Put moto back to the baseline; False (nothing touched) when that is not possible."""
        b = self.baseline
        if b is None or b.key != _key(b.env) or not self._intact(b):
            return False
        from moto.core.base_backend import BackendDict
        from moto.ssm.models import ssm_backends

        for backend_dict in list(BackendDict._instances):
            keep = backend_dict.service_name in KEPT_SERVICES
            for account, per_region in backend_dict.items():
                for region, backend in per_region.items():
                    home = account == b.account and region in (b.region, "aws")
                    if not (keep and home):
                        backend.reset()
        self._restore_tables(b)
        for queue in b.queues.values():
            with queue._messages_lock:
                queue._messages = []
                queue._pending_messages = set()
                queue.deleted_messages = set()
                queue.last_purged_at = None
        self._empty_buckets(b)
        ssm_backends[b.account][b.region]._parameters.update(copy.deepcopy(b.ssm_parameters))
        reset_caches()
        return True

    def empty_data(self, roster: Any) -> bool:
        """Every table back to its baseline items and the bucket emptied; queues and other services
        untouched (``pipeline_support.wipe``). False when the roster is not the baseline's or the
        baseline is not intact: the caller empties the tables itself then."""
        b = self.baseline
        if b is None or roster != b.config.roster or b.key != _key(b.env) or not self._intact(b):
            return False
        self._restore_tables(b)
        self._empty_buckets(b)
        return True

    @staticmethod
    def _restore_tables(b: Baseline) -> None:
        for name, table in b.tables.items():
            table.items = copy.deepcopy(b.items[name])

    @staticmethod
    def _intact(b: Baseline) -> bool:
        """The very resources the baseline provisioned are all there, and nothing else is."""
        try:
            from moto.dynamodb.models import dynamodb_backends
            from moto.s3.models import s3_backends
            from moto.sqs.models import sqs_backends
            from moto.ssm.models import ssm_backends

            tables = dynamodb_backends[b.account][b.region].tables
            queues = sqs_backends[b.account][b.region].queues
            buckets = s3_backends[b.account]["aws"].buckets
            same = (_same(tables, b.tables) and _same(queues, b.queues) and _same(buckets, b.buckets))
            shaped = (all(isinstance(t.items, dict) for t in b.tables.values())
                      and all(isinstance(q._messages, list) and isinstance(q._pending_messages, set)
                              for q in b.queues.values())
                      and all(isinstance(k.keys, dict) for k in b.buckets.values())
                      and isinstance(ssm_backends[b.account][b.region]._parameters, dict))
            return same and shaped
        except (AttributeError, KeyError, ImportError):  # another moto: provision afresh instead
            return False

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


def _same(live: Any, recorded: dict[str, Any]) -> bool:
    return set(live) == set(recorded) and all(live[name] is obj for name, obj in recorded.items())
