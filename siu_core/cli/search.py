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
def reindex(url: str | None, index_path: Path | None) -> None:
    """Empty the index and fill it again from every stored thread and message (reads whole tables)."""
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
