"""``siu build --channels a,b [--out DIR]``: Lambda artifacts (arm64, Python 3.14) and deployable templates.

Exit codes: 0 built (or planned, with ``--dry-run``); 1 a build step failed; 2 usage error (no or
unknown channel). Needs pip and the network (PyPI) for the platform wheels; ``--dry-run`` does not.
"""

from __future__ import annotations

import json
import sys

import click

from siu_core.errors import ConfigError

EXIT_FAILED, EXIT_USAGE = 1, 2
DEFAULT_OUT = "build/lambda"


def parse_channels(raw: str) -> list[str]:
    """``a,b`` -> ["a", "b"] (blanks dropped, order kept, duplicates removed)."""
    return list(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))


@click.command("build")
@click.option("--channels", "channels_raw", required=True, help="Comma-separated channel names (`siu channels`).")
@click.option("--out", default=DEFAULT_OUT, show_default=True, type=click.Path(file_okay=False),
              help="Output directory (artifacts, wheels, template.yaml, connectors.yaml).")
@click.option("--dry-run", is_flag=True, help="Print the commands instead of running them.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def build(channels_raw: str, out: str, dry_run: bool, as_json: bool) -> None:
    """Build the Lambda artifacts for these channels (no Docker, no Python 3.14 needed)."""
    from siu_core.deploy import build as builder

    try:
        plan = builder.plan(parse_channels(channels_raw), out)
    except ConfigError as exc:
        click.echo(f"siu build: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    if dry_run:
        for step in plan.wheel_steps:
            click.echo(f"# {step.why}{' (network)' if step.network else ''}\n{step.shell()}")
        fetch = builder.download_step(plan, ["<Requires-Dist of the wheels above, for Lambda>", builder.LAYER_ROOT],
                                      "fetch the dependencies as Lambda-platform wheels")
        click.echo(f"# {fetch.why} (network)\n{fetch.shell()}")
        for name, roots in plan.artifacts().items():
            click.echo(f"# {name}: pip install --no-deps --no-index --target {plan.out / name} "
                       f"<the {builder.PLATFORM} closure of {' + '.join(roots)}>")
        click.echo(f"# templates: {plan.out / 'template.yaml'}, {plan.out / 'connectors.yaml'}")
        return
    say = (lambda _m: None) if as_json else (lambda m: click.echo(f"  {m}", err=True))
    try:
        result = builder.run(plan, progress=say)
    except builder.BuildError as exc:
        click.echo(f"siu build: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    if as_json:
        click.echo(json.dumps(result.as_json(), indent=2))
        return
    click.echo(f"Built {', '.join(plan.channels)} into {plan.out}")
    for name, artifact in result.artifacts.items():
        click.echo(f"  {name:<24} {artifact.size_mb:>7.2f} MB unzipped  ({len(artifact.distributions)} distributions)")
    for name, why in result.dropped.items():
        click.echo(f"  WARNING left out {name}: {why}")
    if result.compiled_with:
        click.echo(f"  bytecode precompiled with {result.compiled_with}")
    else:
        click.echo("  bytecode not precompiled: no python3.14 on PATH (set SIU_PYTHON314 to one)")
    for kind, path in result.templates.items():
        click.echo(f"  {kind} template: {path}")
