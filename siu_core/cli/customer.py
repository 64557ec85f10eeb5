"""``siu customer export|erase``: a person's data on request (access and erasure), on `siu dev` or a stack.

Exit codes: 0 done, 1 failure (a one-line error; an interrupted erasure is finished by running the
same command again), 2 usage error (bad id, refused confirmation).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

URL_HELP = "A deployed inbox's base URL: act on that stack with the ambient AWS credentials (default: `siu dev`)."


@click.group("customer")
def customer() -> None:
    """A customer's data: export everything siu holds on them, or erase it."""


@contextlib.contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[str], None]]:
    """A one-line live status on stderr while the command works (only on a terminal)."""
    from rich.console import Console

    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        yield lambda _line: None
        return
    with console.status("reading") as status:
        yield lambda line: status.update(line)


def _prepare(url: str | None) -> None:
    from siu_core.cli.target import logs_to_stderr, resolve

    resolve(url)
    logs_to_stderr("inbox", "labeler")


def _check_id(customer_id: str) -> None:
    from siu_core.privacy.subject import UnknownSubject, parse_subject

    try:
        parse_subject(customer_id)
    except UnknownSubject as exc:
        raise click.UsageError(f"{customer_id!r}: {exc}") from None


def _who(by: str | None) -> str:
    """Who the audit entry names: ``--by``, else the operator's login."""
    return by or f"cli:{os.environ.get('USER') or 'operator'}"


def _fail(exc: Exception) -> click.ClickException:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return click.ClickException(text)


@customer.command("export")
@click.argument("customer_id")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where the JSON document goes; media and raw snapshots go to <name>_files/ beside it.")
@click.option("--url", default=None, help=URL_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary (counts, files) instead of a sentence.")
def export(customer_id: str, out: Path, url: str | None, as_json: bool) -> None:
    """Export everything siu holds on a customer (CUSTOMER_ID: channel#account#customer, as a thread shows it).

    The document's format is described in docs/privacy.md.
    """
    _check_id(customer_id)
    if not out.parent.is_dir():
        raise click.UsageError(f"--out {out}: the directory {out.parent} does not exist")
    _prepare(url)
    from siu_core.privacy import exports

    try:
        with _progress(as_json) as say:
            summary = exports.to_directory(customer_id, out, at=datetime.now(UTC), by=_who(None), say=say)
    except Exception as exc:  # one line for the operator; the traceback helps nobody here
        raise _fail(exc) from None
    result: dict[str, Any] = {"customer_id": customer_id, "document": str(out), "counts": summary.counts,
                              "files_dir": str(out.parent / f"{out.stem}_files")}
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    c = summary.counts
    click.echo(f"exported {c['messages']} message(s) in {c['threads']} thread(s), {c['notes']} note(s), "
               f"{c['files']} file(s) to {out}" + (f" ({c['missing_files']} file(s) already expired)"
                                                   if c["missing_files"] else ""))


@customer.command("erase")
@click.argument("customer_id")
@click.option("--yes", is_flag=True, help="Do not ask to type the id again (for scripts).")
@click.option("--by", "by", default=None, help="Who asked, for the audit entry (default: your login name).")
@click.option("--url", default=None, help=URL_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary (erasure id, counts).")
def erase(customer_id: str, yes: bool, by: str | None, url: str | None, as_json: bool) -> None:
    """Erase everything siu holds on a customer, for good (every table, every object version, exports).

    Keeps one audit entry without personal data (erasure id, time, who, counts). Safe to run again:
    an interrupted erasure is finished, a finished one finds nothing.
    """
    _check_id(customer_id)
    if not yes:
        typed = click.prompt(f"This erases everything siu holds on {customer_id} and cannot be undone.\n"
                             "Type the customer id to confirm", default="", show_default=False)
        if typed != customer_id:
            raise click.UsageError("the id typed does not match; nothing was erased")
    _prepare(url)
    from siu_core.privacy import erase as erasure

    who = _who(by)
    try:
        with _progress(as_json) as say:
            done = erasure.erase(customer_id, by=who, at=datetime.now(UTC), say=say)
    except Exception as exc:
        raise click.ClickException(f"{_fail(exc).message} (nothing is lost: run the command again to finish)") from None
    if as_json:
        click.echo(json.dumps({"erasure_id": done.erasure_id, "counts": done.counts, "resumed": done.resumed,
                               "audited": done.audited}, indent=2))
        return
    if not done.audited:
        click.echo(f"nothing held on {customer_id} (erased already, or never seen)")
        return
    c = done.counts
    click.echo(f"erased {customer_id}: {c['messages']} message(s), {c['threads']} thread(s), "
               f"{c['objects']} object(s) ({done.erasure_id}{', resumed' if done.resumed else ''})")
