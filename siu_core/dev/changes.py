"""Which parts of the AWS emulation changed since the last snapshot, seen from the requests it serves.

Every request ``siu dev``'s handlers, the inbox and other ``siu`` commands make to the emulation
goes through moto's WSGI app; a middleware around it reads the service from the SigV4 credential
scope and the action from ``X-Amz-Target`` (or the method, for S3) and, *after* the request was
served, marks that service dirty. Reads (Get*, Describe*, List*, Query, Scan, ReceiveMessage...)
mark nothing. ``siu_core.dev.persist`` takes and clears the marks before it copies anything, so a
write it missed is still marked for the next snapshot.

DynamoDB item writes are marked per table from inside the emulator's DynamoDB lock instead
(``siu_core.dev.emulation.write_listeners``), and a snapshot takes those marks under the same lock:
the tables it copies then include every write any copied table has seen, so a transaction over
two tables is never half in a snapshot. The middleware only marks DynamoDB's other writes
(creating tables, TTL settings) as "every table".
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

#: Services whose data a snapshot keeps (CloudWatch metrics, STS, SNS are not state worth keeping).
PERSISTED = ("dynamodb", "sqs", "s3", "ssm")
_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_READ_PREFIXES = ("Get", "Describe", "List", "BatchGet", "TransactGet", "Receive")
_READS = {"Query", "Scan"}
#: A mark meaning "every table" (a write whose tables could not be read from its body).
ALL = "*"
#: DynamoDB item writes: marked by the emulator's lock wrapper, not by the middleware.
ITEM_WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")


class Changes:
    """Dirty marks per service (and per table for DynamoDB), thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dirty: dict[str, set[str]] = {}

    def mark(self, service: str, names: Iterable[str] = (ALL,)) -> None:
        """Note a served write to ``service`` touching ``names`` (tables, or ALL)."""
        with self._lock:
            self._dirty.setdefault(service, set()).update(names)

    def mark_all(self) -> None:
        """Everything is dirty (a fresh start, or an unknown write)."""
        for service in PERSISTED:
            self.mark(service)

    def take(self) -> dict[str, set[str]]:
        """The marks so far, cleared (call before copying what they name)."""
        with self._lock:
            taken, self._dirty = self._dirty, {}
        return taken

    def take_service(self, service: str) -> set[str]:
        """One service's marks, cleared (DynamoDB's are taken under its lock, right before the copy)."""
        with self._lock:
            return self._dirty.pop(service, set())

    def mark_dynamodb(self, tables: set[str]) -> None:
        """A listener for the emulator's DynamoDB item writes."""
        self.mark("dynamodb", tables)

    def pending(self) -> bool:
        """Whether anything was written since the last :meth:`take`."""
        with self._lock:
            return bool(self._dirty)


def _service(environ: dict[str, Any]) -> str | None:
    match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return match.group(1) if match else None


def is_read(action: str) -> bool:
    """Whether an API action (``PutItem``, ``ReceiveMessage``...) leaves the stored data as it was."""
    return action in _READS or action.startswith(_READ_PREFIXES)


def recording(app: Callable[..., Any], changes: Changes) -> Callable[..., Any]:
    """Wrap a WSGI app so every served write to a persisted service marks ``changes``."""

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        service = _service(environ)
        if service not in PERSISTED:
            return app(environ, start_response)
        if service == "s3":
            write = environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD")
        else:
            action = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]
            write = not action or not is_read(action)
            if service == "dynamodb" and action in ITEM_WRITES:
                write = False  # marked under the DynamoDB lock (see above)
        result = app(environ, start_response)
        if write:
            changes.mark(service)
        return result

    return middleware


def recording_server(changes: Changes) -> Any:
    """A ThreadedMotoServer on loopback whose app records writes into ``changes``."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from moto.server import ThreadedMotoServer
    from werkzeug.serving import make_server

    class RecordingMotoServer(ThreadedMotoServer):
        """moto's threaded server with the recording middleware around its app."""

        def _server_entry(self) -> None:
            app = recording(DomainDispatcherApplication(create_backend_app), changes)
            self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever()

    return RecordingMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
