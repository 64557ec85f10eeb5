"""Inbox sessions: signed bearer tokens (PyJWT, HS256) that prove who is calling, never what they may do.

A token carries the teammate id, their session generation (``gen``), issue and expiry times. What the
caller may do (role, teams, whether they are active) is read from the roster on every request
(:mod:`siu_core.inbox.identity`); a token whose generation is older than the roster's was revoked
(``siu token revoke``, "sign out everywhere"). A lifetime above :data:`MAX_TTL` is refused when a
token is issued and again when it is verified, whoever signed it.

The signing key is the JSON secret ``/siu/secrets/inbox`` (``{"signing_key": ...}``), an SSM SecureString.
Rotating it (``siu token rotate``, or putting a new value) retires every token signed with the old
key: each token names its key (``kid``, a hash of the key, never the key), a warm process re-reads
the secret at most every :data:`KEY_MAX_AGE` seconds, and at once when a token names a key id it has
not looked for lately (each unknown id at most once per :data:`UNKNOWN_KID_REFRESH` seconds, all of
them together at most :data:`UNKNOWN_KID_BURST` times in that period, so forged ids cannot flood the
secret store), so after a rotation old tokens are refused within that bound and new ones work at once.

Expiry is checked against the caller's clock (tests and the SLA code run on a fixed clock), not
PyJWT's: PyJWT still verifies signature, algorithm, issuer and audience.
"""

from __future__ import annotations

import hashlib
import re
import secrets as pysecrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from siu_core.errors import ConfigError, SiuError
from siu_core.secrets import parse_secret, read_parameter, secret_id, write_parameter

ALGORITHM = "HS256"
ISSUER = "siu"
AUDIENCE = "siu-inbox"
#: Parameter name (after the ``/siu/secrets/`` prefix) and field of the signing key.
SECRET_NAME = "inbox"  # noqa: S105 - a secret's name, not a secret
KEY_FIELD = "signing_key"
#: HS256 needs a key of at least 256 bits; generated keys are 384 bits of randomness.
MIN_KEY_LENGTH = 32
DEFAULT_TTL = timedelta(hours=12)
MAX_TTL = timedelta(days=30)
#: A warm process re-reads the key this often, so a rotated key retires old tokens within this bound.
KEY_MAX_AGE = 60.0
#: An unknown key id triggers at most one extra read in this many seconds ...
UNKNOWN_KID_REFRESH = 10.0
#: ... and all unknown ids together at most this many (forged tokens cannot flood the secret store).
UNKNOWN_KID_BURST = 5
#: Tolerated clock skew for a token issued "in the future" by another machine.
SKEW = timedelta(minutes=5)

_TTL = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


class AuthError(SiuError):
    """A request's credentials are missing, malformed, expired or signed with a retired key (HTTP 401)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Session:
    """Who is calling: the verified claims of a token (what they may do comes from the roster)."""

    user: str
    generation: int
    issued_at: datetime
    expires_at: datetime
    token_id: str


def parse_ttl(text: str) -> timedelta:
    """A token lifetime like ``12h``, ``30m``, ``7d`` or ``1h30m`` (so operators never count seconds)."""
    match = _TTL.match(text.strip().lower()) if text else None
    if not match or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration like 12h, 30m, 7d or 1h30m")
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    ttl = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if ttl <= timedelta(0):
        raise ValueError("a token must live longer than zero")
    if ttl > MAX_TTL:
        raise ValueError(f"a token may live at most {MAX_TTL.days} days")
    return ttl


def key_id(key: str) -> str:
    """A key's public name in token headers: a hash, so the header reveals nothing about the key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def new_signing_key() -> str:
    """A fresh random signing key (384 bits)."""
    return pysecrets.token_urlsafe(48)


def check_key(key: str) -> str:
    """Refuse keys too short for HS256, naming the problem but never the key."""
    if not isinstance(key, str) or len(key) < MIN_KEY_LENGTH:
        raise ConfigError(f"secret {secret_id(SECRET_NAME)}: {KEY_FIELD} must be at least {MIN_KEY_LENGTH} characters")
    return key


def issue_token(user: str, *, key: str, now: datetime, ttl: timedelta = DEFAULT_TTL, generation: int = 0) -> str:
    """Sign a session token for ``user`` (at their current session ``generation``), valid from ``now`` for ``ttl``."""
    import jwt

    if not user or not user.strip():
        raise ValueError("a token needs a teammate id")
    if ttl <= timedelta(0) or ttl > MAX_TTL:
        raise ValueError(f"token lifetime must be between 1 second and {MAX_TTL.days} days")
    if isinstance(generation, bool) or not isinstance(generation, int) or generation < 0:
        raise ValueError("a session generation is a whole number from 0")
    issued = now.astimezone(UTC)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": user,
        "gen": generation,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, check_key(key), algorithm=ALGORITHM, headers={"kid": key_id(key)})


def token_key_id(token: str) -> str | None:
    """The ``kid`` a token names (unverified: only used to pick the key to verify with)."""
    import jwt

    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise AuthError("invalid_token", "the token is not a valid signed token") from None
    kid = header.get("kid")
    return kid if isinstance(kid, str) else None


def verify_token(token: str, *, key: str, now: datetime) -> Session:
    """The session a token proves, or AuthError saying why it does not (bad, expired, wrong key)."""
    import jwt

    try:
        claims = jwt.decode(
            token,
            check_key(key),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss", "aud"], "verify_exp": False, "verify_iat": False,
                     "verify_nbf": False},
        )
    except jwt.InvalidSignatureError:
        raise AuthError("invalid_token", "the token's signature does not match the current key") from None
    except jwt.PyJWTError as exc:
        raise AuthError("invalid_token", f"the token is not valid: {exc}") from None
    sub, gen = claims.get("sub"), claims.get("gen", 0)
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(sub, str) or not sub.strip():
        raise AuthError("invalid_token", "the token carries no teammate id")
    if isinstance(gen, bool) or not isinstance(gen, int) or gen < 0:
        raise AuthError("invalid_token", "the token's session generation is not a whole number")
    if isinstance(iat, bool) or isinstance(exp, bool) or not isinstance(iat, int | float) \
            or not isinstance(exp, int | float):
        raise AuthError("invalid_token", "the token's times are not numbers")
    try:
        issued = datetime.fromtimestamp(iat, tz=UTC)
        expires = datetime.fromtimestamp(exp, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise AuthError("invalid_token", "the token's times are out of range") from None
    if expires - issued > MAX_TTL:
        raise AuthError("invalid_token", f"the token's lifetime is longer than the {MAX_TTL.days}-day cap; "
                                         "ask for a new one")
    if now >= expires:
        raise AuthError("expired_token", f"the token expired at {expires.isoformat()}; ask for a new one")
    if issued > now + SKEW:
        raise AuthError("invalid_token", "the token was issued in the future")
    return Session(user=sub, generation=gen, issued_at=issued, expires_at=expires,
                   token_id=str(claims.get("jti") or ""))


def bearer_token(headers: Mapping[str, str]) -> str:
    """The token of an ``Authorization: Bearer`` header (headers looked up case-insensitively)."""
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
    if not value:
        raise AuthError("missing_token", "send Authorization: Bearer <token> (get one with `siu token issue`)")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("missing_token", "the Authorization header must be 'Bearer <token>'")
    return token.strip()


# --- the key in SSM Parameter Store -------------------------------------------------------------


def _client(client: Any | None) -> Any:
    if client is not None:
        return client
    from siu_core.aws import clients

    return clients.client("ssm")


def read_signing_key(client: Any | None = None, *, prefix: str | None = None) -> str:
    """The current signing key from ``/siu/secrets/inbox``; ConfigError naming it (never its value)."""
    name = secret_id(SECRET_NAME, prefix)
    raw = read_parameter(_client(client), name, hint="create it with `siu token rotate`")
    fields = parse_secret(name, raw)
    key = fields.get(KEY_FIELD)
    if not key:
        raise ConfigError(f"secret {name} has no {KEY_FIELD} field: run `siu token rotate`")
    return check_key(key)


def _write_key(ssm: Any, key: str, *, overwrite: bool, prefix: str | None = None) -> bool:
    import json

    return write_parameter(ssm, secret_id(SECRET_NAME, prefix), json.dumps({KEY_FIELD: key}),
                           description="siu inbox session signing key", overwrite=overwrite)


def ensure_signing_key(client: Any | None = None, *, prefix: str | None = None) -> str:
    """Create ``/siu/secrets/inbox`` with a random key unless a usable one exists; returns the key id.

    Idempotent: ``siu dev`` and ``siu deploy`` call it every time. A parameter without a usable key
    gets one; an existing good key is never overwritten (so issued tokens stay valid).
    """
    ssm = _client(client)
    try:
        return key_id(read_signing_key(ssm, prefix=prefix))
    except ConfigError:
        pass
    key = new_signing_key()
    if not _write_key(ssm, key, overwrite=False, prefix=prefix):
        try:  # another starter won the race (or the value is unusable): keep a usable key, else replace it
            return key_id(read_signing_key(ssm, prefix=prefix))
        except ConfigError:
            _write_key(ssm, key, overwrite=True, prefix=prefix)
    return key_id(key)


def rotate_signing_key(client: Any | None = None) -> str:
    """Replace the signing key with a fresh one (every token issued before dies); returns the new key id."""
    key = new_signing_key()
    _write_key(_client(client), key, overwrite=True)
    return key_id(key)


class SigningKeys:
    """The signing key of this process: read lazily, re-read when old or when a token names another key."""

    def __init__(self, loader: Callable[[], str] | None = None, *, max_age: float = KEY_MAX_AGE,
                 unknown_refresh: float = UNKNOWN_KID_REFRESH, unknown_burst: int = UNKNOWN_KID_BURST,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._loader = loader or read_signing_key
        self._max_age = max_age
        self._unknown_refresh = unknown_refresh
        self._unknown_burst = unknown_burst
        self._monotonic = monotonic
        self._key: str | None = None
        self._read_at = 0.0
        #: Unknown key id -> when it last caused a re-read (pruned to the refresh period).
        self._looked_for: dict[str, float] = {}
        self._lock = threading.Lock()

    def _load(self) -> str:
        key = self._loader()
        self._key, self._read_at = key, self._monotonic()
        return key

    def current(self) -> str:
        """The key to sign and verify with (re-read once it is older than the max age)."""
        with self._lock:
            if self._key is None or self._monotonic() - self._read_at >= self._max_age:
                return self._load()
            return self._key

    def _may_look_for(self, kid: str) -> bool:
        """Whether an unknown key id may cause a re-read now (once per id and period, a few ids per period)."""
        now = self._monotonic()
        recent = {k: t for k, t in self._looked_for.items() if now - t < self._unknown_refresh}
        self._looked_for = recent
        if kid in recent or len(recent) >= self._unknown_burst:
            return False
        recent[kid] = now
        return True

    def key_for(self, kid: str | None) -> str:
        """The key a token's ``kid`` names; re-read if it is not the cached key (a rotation happened)."""
        key = self.current()
        if kid is None or kid == key_id(key):
            return key
        with self._lock:
            key = self._load() if self._may_look_for(kid) else (self._key or key)
        if key_id(key) != kid:
            raise AuthError("invalid_token", "the token was signed with a key that is no longer in use; "
                                             "ask for a new token")
        return key

    def verify(self, token: str, now: datetime) -> Session:
        """Verify a token against the key it names (if that is the current one)."""
        return verify_token(token, key=self.key_for(token_key_id(token)), now=now)

    def issue(self, user: str, *, now: datetime, ttl: timedelta = DEFAULT_TTL, generation: int = 0) -> str:
        """Sign a token with the current key."""
        return issue_token(user, key=self.current(), now=now, ttl=ttl, generation=generation)
