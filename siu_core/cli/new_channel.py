"""``siu new-channel``: generate a complete channel plugin distribution to fill in."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("new-channel")
@click.argument("name")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to create the distribution (default: ./siu-NAME). Must not exist or be empty.")
@click.option("--display-name", default=None, help="The channel's human name (default: from NAME).")
def new_channel(name: str, directory: Path | None, display_name: str | None) -> None:
    """Generate the plugin distribution siu-NAME for a new channel NAME.

    It holds a pyproject with the entry point, the five required hooks with TODO(siu) notes on what
    each still needs, a sample webhook with its expected events, a contract manifest, the cassette
    layout, the one-line contract test and a README. Installed as it is, it loads (`siu channels`
    lists it) and `siu contract-test NAME` fails exactly where a TODO(siu) is left.

    \b
    Exit codes: 0 created, 2 a bad or taken name, or a non-empty target directory.
    """
    from importlib import metadata

    from siu_core.plugins import ENTRY_POINT_GROUP
    from siu_core.scaffold import Names, ScaffoldError, check_name, default_display_name, render

    installed = {ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}
    try:
        check_name(name, installed)
        names = Names(name=name, display_name=display_name or default_display_name(name))
        target = directory if directory is not None else Path.cwd() / names.distribution
        written = render(names, target)
    except ScaffoldError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"created {names.distribution} in {target} ({len(written)} files)")
    click.echo("next steps:")
    for step in (
        f"cd {target}",
        "pip install -e '.[test]'",
        f"siu channels {name}            # loads and lists the new channel",
        f"siu contract-test {name}       # fails at each TODO(siu) until it is done",
        f"edit {names.package}/plugin.py and {names.package}/contract/ (see README.md)",
    ):
        click.echo(f"  {step}")
