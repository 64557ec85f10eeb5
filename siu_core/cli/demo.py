"""``siu demo``: watch a business day go through the real pipeline, with no AWS account."""

from __future__ import annotations

import json

import click


@click.command("demo")
@click.option("--messages", default=300, show_default=True, type=click.IntRange(1, 20000),
              help="Customer messages to send across all installed channels.")
@click.option("--seed", default=7, show_default=True, help="Seed of the scripted day (same seed, same day).")
@click.option("--json", "as_json", is_flag=True, help="End with one JSON object of the figures.")
def demo(messages: int, seed: int, as_json: bool) -> None:
    """Push a realistic day of signed webhooks through the embedded stack over HTTP and summarise it.

    Covers re-deliveries, the same text twice, urgent complaints, several languages, returning
    customers, a closed thread that gets reopened, a teammate off shift and batched posts.
    Exit code 0 when nothing was lost and nothing went to the DLQ, 1 otherwise.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from siu_core.dev.demo import run_demo
    from siu_core.errors import ConfigError

    console = Console(stderr=as_json)
    with Progress(TextColumn("[bold]siu demo[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=as_json) as progress:
        task = progress.add_task("webhooks", total=None)

        def on_step(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            report = run_demo(messages, seed=seed, on_step=on_step)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
    f = report.figures
    if as_json:
        click.echo(json.dumps(f, sort_keys=True))
    else:
        table = Table(title="What happened", show_header=False)
        table.add_column("figure")
        table.add_column("value", justify="right")
        for key in ("webhooks_sent", "events_enqueued", "messages_unique", "messages_in_threads",
                    "duplicates_dropped", "threads", "assigned", "unassigned", "urgent", "reopened", "dlq",
                    "lost", "messages_per_second"):
            table.add_row(key.replace("_", " "), str(f.get(key)))
        console.print(table)
        for title, data in (("threads per channel", report.by_channel), ("threads per team", report.by_team),
                            ("assigned per teammate", report.by_assignee), ("labels by topic", report.by_topic),
                            ("labels by language", report.by_language)):
            console.print(f"[bold]{title}[/]: " + ", ".join(f"{k} {v}" for k, v in sorted(data.items())))
        for problem in report.refused:
            console.print(f"[red]problem[/]: {problem}")
    if f.get("lost") or f.get("dlq") or report.refused:
        raise SystemExit(1)
