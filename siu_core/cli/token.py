"""``siu token issue``, ``revoke`` and ``rotate``: inbox sessions for teammates, one person's ended, all retired.

Exit codes: 0 ok; 1 refused (not on the roster, deactivated, no signing key); 2 usage error (e.g. a
lifetime above the 30-day cap).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import NoReturn

import click


@click.group("token")
def token() -> None:
    """Issue inbox session tokens, end one person's sessions, or rotate the key that signs them all."""


def _operator() -> str:
    """How the audit trail names an operator acting from this machine's shell."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:operator"


def _bootstrap_admin(user: str) -> None:
    """Put a first admin on the roster (status off, so routing leaves them be until they choose)."""
    from siu_core.config import load_config
    from siu_core.errors import ConfigError
    from siu_core.store import roster_edits

    try:
        cfg = load_config()
    except ConfigError as exc:
        raise click.ClickException(f"cannot add {user} to the roster: {exc}") from None
    if not roster_edits.add_first_admin(user, team=cfg.default_team, time_zone=cfg.time_zone, by=_operator(),
                                        at=datetime.now(UTC)):
        return
    click.echo(f"added {user} to the roster as an admin (team {cfg.default_team}, status off); "
               "edit them in the inbox's roster screen", err=True)


@token.command("issue")
@click.option("--user", "user", required=True, help="The teammate id on the roster.")
@click.option("--role", type=click.Choice(["agent", "admin"]), default=None,
              help="Confirms the roster's role; 'admin' for an id not on the roster adds them as the first admin.")
@click.option("--ttl", default="12h", show_default=True, help="Lifetime: 30m, 12h, 7d, 1h30m (at most 30d).")
@click.option("--url", default=None, help="The inbox's base URL (default: the running `siu dev`).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def issue(user: str, role: str | None, ttl: str, url: str | None, as_json: bool) -> None:
    """Print a signed session token for USER and a login link for the inbox.

    The token proves who USER is; what they may do (role, teams, active) is read from the roster on
    every request. ``--role admin`` for an id not on the roster adds them as an admin first, so the
    first admin can bootstrap an empty roster. Exit 1 when USER cannot sign in (not on the roster,
    deactivated, another role than asked); exit 2 for a bad option (a lifetime above 30 days).
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
    member = roster.member(user)
    if member is None and role == "admin":
        _bootstrap_admin(user)
        member = roster.member(user)
    if member is None:
        _refuse(f"{user!r} is not on the roster: add them in the roster screen (or PUT /api/roster/{user}); "
                "--role admin adds a first admin")
    elif role is not None and member.entry.role != role:
        _refuse(f"{user} is an {member.entry.role} on the roster, not an {role}: an admin changes roles in the "
                "roster screen (the token carries no role)")
    elif not member.entry.active:
        _refuse(f"{user} is deactivated on the roster: an admin reactivates them in the roster screen")
    now = datetime.now(UTC)
    signed = issue_token(user, key=key, now=now, ttl=lifetime, generation=member.generation)
    link = f"{target.base_url}/inbox/#token={signed}" if target.base_url else None
    expires = (now + lifetime).isoformat().replace("+00:00", "Z")
    current_role = member.entry.role
    if as_json:
        click.echo(json.dumps({"token": signed, "user": user, "role": current_role, "expires_at": expires,
                               "login_url": link}))
        return
    click.echo(signed)
    if link:
        click.echo(f"login: {link}")
    click.echo(f"token for {user} ({current_role} on the roster today), valid until {expires}", err=True)


def _refuse(message: str) -> NoReturn:
    click.echo(message, err=True)
    raise SystemExit(1)


@token.command("revoke")
@click.option("--user", "user", required=True, help="The teammate whose sessions end.")
@click.option("--url", default=None, help="The inbox's base URL (default: the running `siu dev`).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def revoke(user: str, url: str | None, as_json: bool) -> None:
    """End every session USER holds: their tokens are refused (401) from their next request; others keep working.

    Exit 1 when USER is not on the roster.
    """
    from siu_core.cli.target import resolve
    from siu_core.store import roster

    resolve(url)
    try:
        generation = roster.revoke_sessions(user, by=_operator(), at=datetime.now(UTC))
    except KeyError:
        _refuse(f"{user!r} is not on the roster: there are no sessions of theirs to end")
    if as_json:
        click.echo(json.dumps({"user": user, "signed_out": True, "session_generation": generation}))
        return
    click.echo(f"signed {user} out everywhere; issue a new token with `siu token issue --user {user}`")


@token.command("rotate")
@click.option("--url", default=None, help="The inbox's base URL (default: the running `siu dev`).")
@click.option("--yes", is_flag=True, help="Do not ask: every issued token stops working.")
def rotate(url: str | None, yes: bool) -> None:
    """Replace the signing key: every token issued so far stops working (within a minute); new ones work at once."""
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
