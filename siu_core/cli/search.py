"""``siu search reindex``: rebuild the search index from the store (threads and messages tables)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click


@click.group("search")
def search() -> None:
    """The search index behind the inbox's search box."""


@search.command("reindex")
@click.option("--url", default=None, help="A deployed inbox's base URL (default: the running `siu dev`).")
@click.option("--index", "index_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The index file to write (default: the running `siu dev`'s, in its state dir).")
@click.option("--function", "function", default=None,
              help="A deployed stack's Indexer function (e.g. siu-indexer): seed its index on EFS through it.")
def reindex(url: str | None, index_path: Path | None, function: str | None) -> None:
    """Empty the index and fill it again from every stored thread and message (reads whole tables)."""
    if function is not None:
        if index_path is not None or url is not None:
            raise click.UsageError("--function seeds a deployed index: it takes no --index or --url")
        _seed_deployed(function)
        return
    from siu_core.cli.target import resolve
    from siu_core.dev.search_feed import rebuild
    from siu_core.dev.session import read_session
    from siu_core.search import location
    from siu_core.search.engine import Index, SearchUnavailable

    target = resolve(url)
    if index_path is None:
        state = (read_session() or {}).get("state_dir") if target.dev else None
        if not state:
            raise click.UsageError("pass --index PATH: this target keeps no index file this command can find "
                                   "(a `siu dev` without a state dir, or a deployed stack: docs/search.md)")
        index_path = Path(str(state)) / location.FILE_NAME
    try:
        index = Index(index_path)
    except SearchUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    started = time.monotonic()
    try:
        counts = rebuild(index)
    finally:
        index.close()
    click.echo(json.dumps({"index": str(index_path), **counts, "seconds": round(time.monotonic() - started, 2)}))


def _seed_deployed(function: str) -> None:
    """Read the tables with this shell's AWS credentials and hand every item to the Indexer function
    (upserts: the index keeps what the stream added meanwhile; nothing is emptied)."""
    from siu_core.aws import clients
    from siu_core.aws.names import resource_names
    from siu_core.search import backfill
    from siu_core.store import ddb

    names = resource_names()
    arn = {t: clients.dynamodb().describe_table(TableName=t)["Table"]["TableArn"] for t in (names.threads,
                                                                                             names.messages)}
    threads = list(ddb.scan_all(names.threads))
    messages = list(ddb.scan_all(names.messages))
    started = time.monotonic()
    invocations = applied = 0
    for batch in backfill.batches(backfill.records(arn[names.threads], threads, arn[names.messages], messages)):
        answer = clients.client("lambda").invoke(FunctionName=function, InvocationType="RequestResponse",
                                                 Payload=json.dumps({"Records": batch}, default=str).encode())
        body = json.loads(answer["Payload"].read() or b"null")
        if answer.get("FunctionError") or not isinstance(body, dict):
            raise click.ClickException(f"{function} failed on batch {invocations + 1} "
                                       f"({answer.get('FunctionError') or 'bad answer'}); re-running is safe")
        invocations += 1
        applied += int(body.get("applied", 0))
    click.echo(json.dumps({"function": function, "threads": len(threads), "messages": len(messages),
                           "invocations": invocations, "applied": applied,
                           "seconds": round(time.monotonic() - started, 2)}))
