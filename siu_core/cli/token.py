"""``siu token issue`` and ``siu token rotate``: inbox sessions for teammates, and retiring them all.

Exit codes: 0 ok; 1 refused (an agent not on the roster, no signing key); 2 usage error.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click


@click.group("token")
def token() -> None:
    """Issue inbox session tokens, or rotate the key that signs them."""


@token.command("issue")
@click.option("--user", "user", required=True, help="The teammate id (a roster id for agents).")
@click.option("--role", type=click.Choice(["agent", "admin"]), required=True, help="agent or admin.")
@click.option("--ttl", default="12h", show_default=True, help="Lifetime: 30m, 12h, 7d, 1h30m (at most 30d).")
@click.option("--url", default=None, help="The inbox's base URL (default: the running `siu dev`).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def issue(user: str, role: str, ttl: str, url: str | None, as_json: bool) -> None:
    """Print a signed session token for USER and a login link for the inbox.

    An agent token only for a teammate on the roster; an admin token for any id, so the first admin
    can bootstrap an empty roster.
    """
    from siu_core.auth import ensure_signing_key, issue_token, parse_ttl, read_signing_key
    from siu_core.cli.target import resolve
    from siu_core.errors import ConfigError
    from siu_core.store import roster

    try:
        lifetime = parse_ttl(ttl)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--ttl") from None
    target = resolve(url)
    try:
        if target.dev:
            ensure_signing_key()
        key = read_signing_key()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if role == "agent" and roster.get(user) is None:
        click.echo(f"{user!r} is not on the roster: an agent token needs a teammate "
                   "(add them with PUT /api/roster/{id}, or issue an admin token)", err=True)
        raise SystemExit(1)
    now = datetime.now(UTC)
    signed = issue_token(user, role, key=key, now=now, ttl=lifetime)
    link = f"{target.base_url}/inbox/#token={signed}" if target.base_url else None
    expires = (now + lifetime).isoformat().replace("+00:00", "Z")
    if as_json:
        click.echo(json.dumps({"token": signed, "user": user, "role": role, "expires_at": expires,
                               "login_url": link}))
        return
    click.echo(signed)
    if link:
        click.echo(f"login: {link}")
    click.echo(f"{role} token for {user}, valid until {expires}", err=True)


@token.command("rotate")
@click.option("--url", default=None, help="The inbox's base URL (default: the running `siu dev`).")
@click.option("--yes", is_flag=True, help="Do not ask: every issued token stops working.")
def rotate(url: str | None, yes: bool) -> None:
    """Replace the signing key: every token issued so far stops working (within a minute)."""
    from siu_core.auth import rotate_signing_key
    from siu_core.cli.target import resolve
    from siu_core.errors import ConfigError

    resolve(url)
    if not yes:
        click.confirm("Every issued inbox token will stop working. Rotate the signing key?", abort=True)
    try:
        kid = rotate_signing_key()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"new signing key {kid}; issue new tokens with `siu token issue`")
