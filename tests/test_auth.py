"""Inbox sessions: token issue and verification, expiry on a fixed clock, key rotation, the key secret."""

from __future__ import annotations

import json
from datetime import timedelta

import jwt
import pytest
from pipeline_support import NOW

from siu_core.auth import (
    AuthError,
    SigningKeys,
    bearer_token,
    ensure_signing_key,
    issue_token,
    key_id,
    new_signing_key,
    parse_ttl,
    read_signing_key,
    rotate_signing_key,
    verify_token,
)
from siu_core.errors import ConfigError

KEY = "k" * 64
OTHER = "o" * 64
_T = int(NOW.timestamp())


def test_a_token_round_trips_and_carries_who_their_session_generation_and_expiry_but_no_rights() -> None:
    token = issue_token("ana", key=KEY, now=NOW, ttl=timedelta(hours=12), generation=3)
    session = verify_token(token, key=KEY, now=NOW + timedelta(hours=11, minutes=59))
    assert (session.user, session.generation) == ("ana", 3)
    assert session.expires_at == NOW + timedelta(hours=12)
    assert "role" not in jwt.decode(token, options={"verify_signature": False})
    assert jwt.get_unverified_header(token)["kid"] == key_id(KEY) != KEY
    assert KEY not in token


def test_expiry_is_checked_on_the_callers_clock_to_the_second() -> None:
    token = issue_token("ana", key=KEY, now=NOW, ttl=timedelta(minutes=30))
    assert verify_token(token, key=KEY, now=NOW + timedelta(minutes=29, seconds=59)).user == "ana"
    with pytest.raises(AuthError) as exc:
        verify_token(token, key=KEY, now=NOW + timedelta(minutes=30))
    assert exc.value.code == "expired_token"


@pytest.mark.parametrize("forge", [
    lambda: issue_token("ana", key=OTHER, now=NOW),
    lambda: jwt.encode({"sub": "ana", "role": "admin", "iss": "siu", "aud": "siu-inbox", "iat": 1, "exp": 2**40},
                       None, algorithm="none"),
    lambda: jwt.encode({"sub": "ana", "role": "admin", "iss": "siu", "aud": "siu-inbox", "iat": 1, "exp": 2**40},
                       KEY, algorithm="HS512"),
    lambda: jwt.encode({"sub": "ana", "role": "admin", "iss": "x", "aud": "siu-inbox", "iat": 1, "exp": 2**40},
                       KEY, algorithm="HS256"),
    lambda: jwt.encode({"sub": "ana", "role": "admin", "iss": "siu", "aud": "other", "iat": 1, "exp": 2**40},
                       KEY, algorithm="HS256"),
    lambda: jwt.encode({"sub": "ana", "gen": "x", "iss": "siu", "aud": "siu-inbox", "iat": _T, "exp": _T + 60},
                       KEY, algorithm="HS256"),
    lambda: jwt.encode({"sub": "ana", "gen": -1, "iss": "siu", "aud": "siu-inbox", "iat": _T, "exp": _T + 60},
                       KEY, algorithm="HS256"),
    lambda: jwt.encode({"sub": "ana", "iss": "siu", "aud": "siu-inbox", "iat": _T, "exp": _T + 400 * 86400},
                       KEY, algorithm="HS256"),
    lambda: jwt.encode({"sub": "ana", "iss": "siu", "aud": "siu-inbox", "iat": _T, "exp": 10**30},
                       KEY, algorithm="HS256"),
    lambda: jwt.encode({"role": "admin", "iss": "siu", "aud": "siu-inbox", "iat": 1, "exp": 2**40},
                       KEY, algorithm="HS256"),
    lambda: "not.a.token",
    lambda: issue_token("ana", key=KEY, now=NOW)[:-3] + "AAA",
], ids=["other-key", "alg-none", "hs512", "issuer", "audience", "gen-text", "gen-negative", "lifetime-400d",
        "exp-overflow", "no-sub", "garbage", "tampered"])
def test_forged_or_foreign_tokens_are_refused(forge) -> None:
    with pytest.raises(AuthError) as exc:
        verify_token(forge(), key=KEY, now=NOW)
    assert exc.value.code == "invalid_token"


def test_a_token_from_the_future_is_refused_beyond_the_skew() -> None:
    token = issue_token("ana", key=KEY, now=NOW + timedelta(hours=1))
    with pytest.raises(AuthError, match="future"):
        verify_token(token, key=KEY, now=NOW)


@pytest.mark.parametrize(("text", "expected"), [
    ("12h", timedelta(hours=12)), ("30m", timedelta(minutes=30)), ("7d", timedelta(days=7)),
    ("1h30m", timedelta(hours=1, minutes=30)), ("90s", timedelta(seconds=90)), (" 2H ", timedelta(hours=2)),
])
def test_ttl_texts(text: str, expected: timedelta) -> None:
    assert parse_ttl(text) == expected


@pytest.mark.parametrize("text", ["", "12", "h", "0h", "31d", "-1h", "1w", "12 hours"])
def test_bad_ttl_texts_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_ttl(text)


def test_bad_issue_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="generation"):
        issue_token("ana", key=KEY, now=NOW, generation=-1)
    with pytest.raises(ValueError, match="teammate"):
        issue_token(" ", key=KEY, now=NOW)
    with pytest.raises(ValueError, match="30 days"):
        issue_token("ana", key=KEY, now=NOW, ttl=timedelta(days=400))
    with pytest.raises(ConfigError, match="at least 32"):
        issue_token("ana", key="short", now=NOW)


def test_bearer_header_parsing() -> None:
    assert bearer_token({"Authorization": "Bearer abc.def"}) == "abc.def"
    assert bearer_token({"authorization": "bearer  abc "}) == "abc"
    for headers in ({}, {"authorization": "Basic abc"}, {"authorization": "Bearer "}):
        with pytest.raises(AuthError) as exc:
            bearer_token(headers)
        assert exc.value.code == "missing_token"


class Ticker:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_rotation_retires_old_tokens_within_the_max_age_and_new_ones_work_at_once() -> None:
    keys = {"current": KEY}
    ticker = Ticker()
    store = SigningKeys(lambda: keys["current"], max_age=60, unknown_refresh=10, monotonic=ticker)
    old = store.issue("ana", now=NOW)
    assert store.verify(old, NOW).user == "ana"
    keys["current"] = OTHER  # rotated elsewhere (siu token rotate), right after a read
    new = issue_token("ben", key=OTHER, now=NOW)
    assert store.verify(new, NOW).user == "ben"  # unknown kid: re-read at once
    with pytest.raises(AuthError, match="no longer in use"):
        store.verify(old, NOW)


def test_a_warm_process_drops_the_old_key_once_it_is_older_than_the_max_age() -> None:
    keys = {"current": KEY}
    ticker = Ticker()
    store = SigningKeys(lambda: keys["current"], max_age=60, monotonic=ticker)
    old = store.issue("ana", now=NOW)
    keys["current"] = OTHER
    ticker.t = 59
    assert store.verify(old, NOW).user == "ana"  # still the cached key: the documented bound
    ticker.t = 60
    with pytest.raises(AuthError):
        store.verify(old, NOW)


def test_unknown_key_ids_cannot_flood_the_secret_store() -> None:
    reads = []
    ticker = Ticker()

    def loader() -> str:
        reads.append(ticker.t)
        return KEY

    store = SigningKeys(loader, max_age=60, unknown_refresh=10, unknown_burst=5, monotonic=ticker)
    forged = issue_token("ana", key=OTHER, now=NOW)
    for _ in range(20):
        with pytest.raises(AuthError):
            store.verify(forged, NOW)
    assert reads == [0.0, 0.0]  # the first read, and one look for the unknown key id
    many = [issue_token("ana", key=f"{i:02d}" * 32, now=NOW) for i in range(30)]  # 30 forged key ids
    for token in many:
        with pytest.raises(AuthError):
            store.verify(token, NOW)
    assert len(reads) == 2 + 4  # the burst allows 5 distinct ids per period, one already used
    ticker.t = 10
    with pytest.raises(AuthError):
        store.verify(many[0], NOW)
    assert len(reads) == 7  # a new period: looked for again, once


def test_the_signing_key_secret_is_created_once_and_rotated(aws) -> None:
    from siu_core.aws import clients

    kid = ensure_signing_key()
    assert ensure_signing_key() == kid == key_id(read_signing_key())
    stored = clients.client("ssm").get_parameter(Name="/siu/secrets/inbox", WithDecryption=True)["Parameter"]
    assert stored["Type"] == "SecureString"
    raw = json.loads(stored["Value"])
    assert set(raw) == {"signing_key"} and len(raw["signing_key"]) >= 32
    new = rotate_signing_key()
    assert new != kid == key_id(raw["signing_key"])
    assert key_id(read_signing_key()) == new


def test_a_secret_without_a_usable_key_gets_one(aws) -> None:
    from siu_core.aws import clients

    sm = clients.client("ssm")
    with pytest.raises(ConfigError, match="does not exist"):
        read_signing_key()
    sm.put_parameter(Type="SecureString", Name="/siu/secrets/inbox", Value=json.dumps({"signing_key": "short"}))
    with pytest.raises(ConfigError, match="at least 32") as exc:
        read_signing_key()
    assert "short" not in str(exc.value)
    kid = ensure_signing_key()
    assert key_id(read_signing_key()) == kid


def test_new_keys_are_random_and_long() -> None:
    keys = {new_signing_key() for _ in range(20)}
    assert len(keys) == 20 and all(len(k) >= 64 for k in keys)
