"""The deployment's configuration: one validated model, loaded from SSM Parameter Store or a YAML file.

On AWS every top-level key of :class:`SiuConfig` is one SSM parameter under ``/siu/config/`` (prefix
from ``$SIU_CONFIG_PREFIX``) holding a JSON value, read once per cold start and cached for the life
of the process. Operators keep the same config as a YAML file (``siu config validate`` /
``siu config push``). A missing or malformed value fails loudly with a :class:`ConfigError` that
names the parameter (or YAML key), never silently falling back to a default.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from siu_core.errors import ConfigError

CONFIG_PREFIX_ENV = "SIU_CONFIG_PREFIX"
DEFAULT_CONFIG_PREFIX = "/siu/config/"
#: The SSM "Intelligent-Tiering" tier stores up to 8 KB per parameter (4 KB in the standard tier).
MAX_PARAMETER_BYTES = 8192
#: A roster longer than this as JSON is stored in parts (``roster``, ``roster.2``, ...) of at most this
#: size each: standard-tier parameters (free), so 200 teammates fit however long their entries.
ROSTER_PART_BYTES = 4000
ROSTER_KEY = "roster"
DEFAULT_MODEL_ID = "global.anthropic.claude-haiku-4-5-20251001-v1:0"
DEFAULT_REVIEW_MODEL_ID = "global.anthropic.claude-sonnet-4-6"
#: The topic every taxonomy has implicitly: it routes to ``default_team``.
OTHER_TOPIC = "other"

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
_HHMM = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")

Name = Annotated[str, Field(pattern=NAME_PATTERN, max_length=64)]
RosterId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.@+-]+$")]
Keyword = Annotated[str, Field(min_length=1, max_length=100)]
#: A channel's business account, ``<channel>:<account id>`` (``shop:106540352242922``).
AccountRef = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*:[A-Za-z0-9._:@+-]{1,128}$", max_length=200)]


def valid_time_zone(name: str) -> bool:
    """Whether ``name`` is an IANA zone this Python can use, so a typo fails at load, not at 9 a.m."""
    if not name or name != name.strip() or name.startswith("/") or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _check_zone(value: str | None) -> str | None:
    if value is not None and not valid_time_zone(value):
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as 'Asia/Singapore')")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TopicSpec(_Strict):
    """One topic of the taxonomy: which team owns it, and keywords the rule-based labeler matches."""

    team: Name
    keywords: list[Keyword] = []
    description: str = Field(default="", max_length=500)


class AwaySpec(_Strict):
    """A team's away reply: a human-written message sent once to a customer who writes outside its hours."""

    message: str = Field(min_length=1, max_length=1000)
    #: The team's hours (default: the deployment's ``working_hours``).
    working_hours: WorkingHours | None = None
    #: Whole days off (local dates in the hours' time zone).
    holidays: list[date] = Field(default_factory=list, max_length=366)
    #: A thread gets the away reply at most once within this many hours.
    gap_hours: int = Field(default=12, ge=1, le=24 * 30)


class TeamSpec(_Strict):
    """A team that owns topics (and maybe accounts): its backup (SLA breaches), Slack channel and away reply."""

    backup: RosterId | None = None
    slack_channel: str | None = Field(default=None, min_length=1, max_length=80)
    #: Business accounts whose every thread this team takes, whatever the topic (the sales number).
    accounts: list[AccountRef] = []
    away: AwaySpec | None = None


class SlaSpec(_Strict):
    """First-response targets the SLA sweeper enforces."""

    urgent_minutes: int = Field(default=15, ge=1, le=7 * 24 * 60)
    normal_hours: int = Field(default=4, ge=1, le=7 * 24)
    working_hours_only: bool = False
    #: How long before the due time the assignee is notified that the target is about to be missed (0: never).
    warn_minutes: int = Field(default=10, ge=0, le=24 * 60)


class RetentionSpec(_Strict):
    """How long siu keeps a customer's data before it expires on its own (docs/privacy.md#retention).

    Messages: a year of history, long enough for seasonal and yearly repeat customers. Raw snapshots
    (the events as received): a month, for tracing a problem, no longer. Media: three months, the
    window in which a photo of a receipt or a damaged parcel still settles a dispute.
    """

    messages_days: int = Field(default=365, ge=1, le=3650)
    snapshots_days: int = Field(default=30, ge=1, le=3650)
    media_days: int = Field(default=90, ge=1, le=3650)


class WorkingHours(_Strict):
    """Weekly working hours; ``end`` before ``start`` is an overnight shift ending the next day."""

    days: list[Day] = Field(default_factory=lambda: list(DAYS[:5]), min_length=1)
    start: str = "09:00"
    end: str = "18:00"
    time_zone: str | None = None

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError(f"{value!r} is not a 24-hour time HH:MM")
        return value

    @field_validator("days")
    @classmethod
    def _unique_days(cls, value: list[Day]) -> list[Day]:
        if len(set(value)) != len(value):
            raise ValueError("a day is listed twice")
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return _check_zone(value)

    @model_validator(mode="after")
    def _not_empty(self) -> WorkingHours:
        if self.start == self.end:
            raise ValueError("start and end are equal: an empty shift (use 00:00-24:00 for all day)")
        return self

    def contains(self, now: datetime, default_zone: str) -> bool:
        """Whether ``now`` (aware) falls inside these hours in their zone (or ``default_zone``)."""
        zone = ZoneInfo(self.time_zone or default_zone)
        local = now.astimezone(zone)
        start, end = _minutes(self.start), _minutes(self.end)
        minute = local.hour * 60 + local.minute
        today = DAYS[local.weekday()]
        if start < end:
            return today in self.days and start <= minute < end
        # Overnight shift: the evening part belongs to today, the early part to yesterday's shift.
        yesterday = DAYS[(local.weekday() - 1) % 7]
        return (today in self.days and minute >= start) or (yesterday in self.days and minute < end)


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


class RosterEntry(_Strict):
    """A teammate as seeded from config (the live roster is the DynamoDB roster table)."""

    id: RosterId
    name: str = Field(min_length=1, max_length=200)
    teams: list[Name] = Field(min_length=1)
    status: Literal["available", "away", "off"] = "available"
    working_hours: WorkingHours | None = None
    time_zone: str
    backup: RosterId | None = None
    capacity: int = Field(default=25, ge=1, le=10_000)
    role: Literal["agent", "admin"] = "agent"
    #: False signs the teammate out everywhere and takes them out of routing, keeping their history.
    active: bool = True
    #: The teammate's Slack member id (``U…``): an @mention in a note also reaches them as a direct message.
    slack_user: str | None = Field(default=None, pattern=r"^[UW][A-Z0-9]{2,20}$")

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        _check_zone(value)
        return value


class SiuConfig(_Strict):
    """Everything a deployment decides: taxonomy, routing, SLA, windows, models, roster seed."""

    time_zone: str = "Asia/Singapore"
    taxonomy: dict[Name, TopicSpec] = Field(min_length=1)
    default_team: Name
    teams: dict[Name, TeamSpec] = Field(min_length=1)
    sla: SlaSpec = SlaSpec()
    working_hours: WorkingHours = WorkingHours()
    dedupe_window_hours: int = Field(default=72, ge=1, le=24 * 30)
    reopen_window_days: int = Field(default=7, ge=0, le=365)
    retention: RetentionSpec = RetentionSpec()
    model_id: str = Field(default=DEFAULT_MODEL_ID, min_length=1)
    review_model_id: str = Field(default=DEFAULT_REVIEW_MODEL_ID, min_length=1)
    labeler: Literal["bedrock", "rules"] = "bedrock"
    urgent_keywords: list[Keyword] = []
    channels: dict[Name, dict[str, Any]] = {}
    roster: list[RosterEntry] = []

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        _check_zone(value)
        return value

    @model_validator(mode="before")
    @classmethod
    def _roster_zone_default(cls, data: Any) -> Any:
        """A teammate without a time zone works in the deployment's zone: fill it in before validation."""
        if not isinstance(data, Mapping) or not isinstance(data.get("roster"), list):
            return data
        zone = data.get("time_zone", cls.model_fields["time_zone"].default)
        roster = [
            {**entry, "time_zone": zone} if isinstance(entry, Mapping) and "time_zone" not in entry else entry
            for entry in data["roster"]
        ]
        return {**data, "roster": roster}

    @model_validator(mode="after")
    def _cross_field(self) -> SiuConfig:
        problems = cross_field_problems(self)
        if problems:
            raise _CrossFieldProblems(problems)
        return self

    # --- questions the pipeline asks -------------------------------------------------------------

    @property
    def topics(self) -> list[str]:
        """Every topic a label may carry: the taxonomy plus the implicit ``other``."""
        return [*self.taxonomy, OTHER_TOPIC]

    def team_for_topic(self, topic: str) -> str:
        """The team that owns a topic; ``other`` and unknown topics go to the default team."""
        spec = self.taxonomy.get(topic)
        return spec.team if spec is not None else self.default_team

    def team_for(self, topic: str, channel: str, account_id: str) -> str:
        """The team of a new thread: the one that owns its account, else the one that owns its topic.

        An account listed under a team (``teams.<team>.accounts``) is a line the business dedicated
        to that team (the sales number): its threads go there whatever they are about.
        """
        return self._account_teams().get(f"{channel}:{account_id}") or self.team_for_topic(topic)

    def _account_teams(self) -> dict[str, str]:
        return {ref: name for name, team in self.teams.items() for ref in team.accounts}

    def hours_of(self, entry: RosterEntry) -> WorkingHours:
        """A teammate's own hours, or the deployment's defaults."""
        return entry.working_hours or self.working_hours

    def channel_settings(self, channel: str) -> dict[str, Any]:
        """The deployment's overrides for one channel plugin's settings (empty when none)."""
        return dict(self.channels.get(channel, {}))

    def dedupe_window(self) -> timedelta:
        """How long a content fingerprint keeps a repeated message from being labeled again."""
        return timedelta(hours=self.dedupe_window_hours)

    def reopen_window(self) -> timedelta:
        """How long after closing a new message reopens the thread instead of starting a new one."""
        return timedelta(days=self.reopen_window_days)


class _CrossFieldProblems(ValueError):
    """Carries every cross-field problem at once, so an operator fixes them in one pass."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with a config, named by its key path (``roster[2].time_zone``)."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


def cross_field_problems(cfg: SiuConfig) -> list[ConfigProblem]:
    """Every reference in the config that points nowhere: teams, backups, duplicate ids."""
    problems: list[ConfigProblem] = []
    teams = set(cfg.teams)
    ids: dict[str, int] = {}
    for i, entry in enumerate(cfg.roster):
        if entry.id in ids:
            first = ids[entry.id]
            problems.append(ConfigProblem(f"roster[{i}].id", f"{entry.id!r} is already used by roster[{first}]"))
        ids.setdefault(entry.id, i)
    if OTHER_TOPIC in cfg.taxonomy:
        problems.append(ConfigProblem(f"taxonomy.{OTHER_TOPIC}", "'other' is implicit: it routes to default_team"))
    for topic, spec in cfg.taxonomy.items():
        if spec.team not in teams:
            problems.append(ConfigProblem(f"taxonomy.{topic}.team", f"team {spec.team!r} is not defined in teams"))
    if cfg.default_team not in teams:
        problems.append(ConfigProblem("default_team", f"team {cfg.default_team!r} is not defined in teams"))
    owners: dict[str, str] = {}
    for name, team in cfg.teams.items():
        if team.backup is not None and team.backup not in ids:
            problems.append(ConfigProblem(f"teams.{name}.backup", f"{team.backup!r} is not in the roster"))
        for ref in team.accounts:
            if ref in owners:
                problems.append(ConfigProblem(f"teams.{name}.accounts",
                                              f"{ref!r} already belongs to team {owners[ref]!r} (one team each)"))
            owners.setdefault(ref, name)
    for i, entry in enumerate(cfg.roster):
        for team_name in entry.teams:
            if team_name not in teams:
                problems.append(ConfigProblem(f"roster[{i}].teams", f"team {team_name!r} is not defined in teams"))
        if entry.backup is not None:
            if entry.backup not in ids:
                problems.append(ConfigProblem(f"roster[{i}].backup", f"{entry.backup!r} is not in the roster"))
            elif entry.backup == entry.id:
                problems.append(ConfigProblem(f"roster[{i}].backup", "a teammate cannot be their own backup"))
    problems.extend(_channel_problems(cfg))
    return problems


def _channel_problems(cfg: SiuConfig) -> list[ConfigProblem]:
    """The channel settings the core itself reads (``public_url``), checked before a webhook needs them."""
    from siu_core.connector.inbound import PUBLIC_URL_SETTING, public_url_problem

    problems: list[ConfigProblem] = []
    from siu_core.composer import pricing

    for name, settings in cfg.channels.items():
        if PUBLIC_URL_SETTING in settings and (problem := public_url_problem(settings[PUBLIC_URL_SETTING])):
            problems.append(ConfigProblem(f"channels.{name}.{PUBLIC_URL_SETTING}", problem))
        if pricing.SETTING in settings and (problem := pricing.problem(settings[pricing.SETTING])):
            problems.append(ConfigProblem(f"channels.{name}.{pricing.SETTING}", problem))
    return problems


# --- validation with readable problems -----------------------------------------------------------


def _key_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "<root>"


def problems_of(exc: ValidationError) -> list[ConfigProblem]:
    """Turn a pydantic error into one named problem per line (cross-field ones unpacked)."""
    problems: list[ConfigProblem] = []
    for err in exc.errors():
        inner = (err.get("ctx") or {}).get("error")
        if isinstance(inner, _CrossFieldProblems):
            problems.extend(inner.problems)
            continue
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key (not part of the config)"
        elif err["type"] == "missing":
            message = "required key is missing"
        problems.append(ConfigProblem(_key_path(loc), message))
    return problems


def config_problems(data: Any) -> list[ConfigProblem]:
    """Everything wrong with raw config data (from YAML or SSM); empty when it is a valid config."""
    if not isinstance(data, Mapping):
        return [ConfigProblem("<root>", f"the config must be a mapping of keys, not {type(data).__name__}")]
    try:
        SiuConfig.model_validate(data)
    except ValidationError as exc:
        return problems_of(exc)
    return []


def parse_config(data: Any, *, source: str = "config") -> SiuConfig:
    """Validate raw data into a config, or raise ConfigError listing every problem by key."""
    problems = config_problems(data)
    if problems:
        lines = "\n".join(f"  {p}" for p in problems)
        raise ConfigError(f"{source} is invalid ({len(problems)} problem(s)):\n{lines}")
    return SiuConfig.model_validate(data)


# --- YAML files ----------------------------------------------------------------------------------


def _strict_yaml_loader() -> type:
    import yaml

    class _Loader(yaml.SafeLoader):
        """SafeLoader that refuses duplicate keys: PyYAML would silently keep the last one."""

    def _mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return loader.construct_mapping(node, deep=deep)

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
    return _Loader


def read_config_yaml(path: str | os.PathLike[str]) -> Any:
    """The raw data of a YAML config file; ConfigError when the file is missing or not YAML."""
    import yaml

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {p}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config file {p} is not UTF-8 text") from None
    try:
        return yaml.load(text, Loader=_strict_yaml_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {p} is not valid YAML: {exc}") from None


def load_config_file(path: str | os.PathLike[str]) -> SiuConfig:
    """Load and validate a YAML config (what operators edit, what ``siu dev`` runs on)."""
    return parse_config(read_config_yaml(path), source=f"config file {path}")


def example_config_path() -> Path:
    """Where the shipped example config lives (inside the wheel, or in a checkout)."""
    return Path(str(resources.files("siu_core").joinpath("data", "example.yaml")))


@cache
def example_config() -> SiuConfig:
    """The shipped example config (a small shop), for ``siu dev``, the demo and tests."""
    return load_config_file(example_config_path())


# --- SSM Parameter Store -------------------------------------------------------------------------


def config_prefix(prefix: str | None = None) -> str:
    """The SSM path holding the config, always ending in ``/``."""
    value = prefix if prefix is not None else os.environ.get(CONFIG_PREFIX_ENV, DEFAULT_CONFIG_PREFIX)
    value = value.strip() or DEFAULT_CONFIG_PREFIX
    if not value.startswith("/"):
        value = "/" + value
    return value if value.endswith("/") else value + "/"


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def roster_parts(entries: list[Any]) -> dict[str, str]:
    """The roster's parameters by key: one list when it fits, else numbered parts within the part size.

    Split, ``roster`` holds ``{"parts": N, "entries": [...]}`` and ``roster.2`` .. ``roster.N`` the rest,
    so a reader takes exactly N parts and ignores a stale higher one.
    """
    whole = _compact(entries)
    if len(whole.encode("utf-8")) <= ROSTER_PART_BYTES:
        return {ROSTER_KEY: whole}
    parts: list[list[Any]] = [[]]
    size = 2
    for entry in entries:
        one = len(_compact(entry).encode("utf-8")) + 1
        if one + 40 > ROSTER_PART_BYTES:
            raise ConfigError(f"a roster entry is {one} bytes as JSON; one must fit {ROSTER_PART_BYTES - 40}")
        if parts[-1] and size + one + 40 > ROSTER_PART_BYTES:
            parts.append([])
            size = 2
        parts[-1].append(entry)
        size += one
    out = {ROSTER_KEY: _compact({"parts": len(parts), "entries": parts[0]})}
    out.update({f"{ROSTER_KEY}.{i}": _compact(part) for i, part in enumerate(parts[1:], 2)})
    return out


def is_roster_part(key: str) -> bool:
    """Whether a config key names a roster part after the first (``roster.2`` ...)."""
    head, dot, number = key.partition(".")
    return head == ROSTER_KEY and dot == "." and number.isdigit()


def config_to_parameters(cfg: SiuConfig, prefix: str | None = None) -> dict[str, str]:
    """One SSM parameter per top-level key (full name -> compact JSON), every key explicit; a long roster in parts."""
    base = config_prefix(prefix)
    data = cfg.model_dump(mode="json")
    params: dict[str, str] = {}
    for key, value in data.items():
        if key == ROSTER_KEY:
            params.update({base + k: v for k, v in roster_parts(value).items()})
            continue
        if key == "teams":  # 50 teams must fit one free parameter: a team's unset options are left out
            value = {name: {k: v for k, v in spec.items() if v not in (None, [])} for name, spec in value.items()}
        text = _compact(value)
        if len(text.encode("utf-8")) > MAX_PARAMETER_BYTES:
            raise ConfigError(
                f"{key} is {len(text.encode('utf-8'))} bytes as JSON; an SSM parameter holds at most "
                f"{MAX_PARAMETER_BYTES}: shorten it (descriptions, keywords) or split the roster"
            )
        params[base + key] = text
    return params


def parameters_to_data(params: Mapping[str, str], prefix: str | None = None) -> dict[str, Any]:
    """Raw config data from SSM parameters; ConfigError naming the parameter that is not JSON or unknown."""
    base = config_prefix(prefix)
    known = set(SiuConfig.model_fields)
    data: dict[str, Any] = {}
    parts: dict[str, Any] = {}
    for name in sorted(params):
        key = name[len(base):] if name.startswith(base) else name
        if key not in known and not is_roster_part(key):
            raise ConfigError(f"SSM parameter {name} is not a config key (known: {', '.join(sorted(known))})")
        try:
            value = json.loads(params[name])
        except ValueError as exc:
            raise ConfigError(f"SSM parameter {name} is not valid JSON: {exc}") from None
        (parts if is_roster_part(key) else data)[key] = value
    first = data.get(ROSTER_KEY)
    if isinstance(first, dict) and "parts" in first:
        count = first.get("parts")
        if not isinstance(count, int) or count < 1 or not isinstance(first.get("entries"), list):
            raise ConfigError(f"SSM parameter {base}{ROSTER_KEY} is not a roster's first part")
        entries = list(first["entries"])
        for i in range(2, count + 1):
            part = parts.get(f"{ROSTER_KEY}.{i}")
            if not isinstance(part, list):
                raise ConfigError(f"SSM parameter {base}{ROSTER_KEY}.{i} is missing or not a list "
                                  f"(the roster has {count} parts): push the config again")
            entries += part
        data[ROSTER_KEY] = entries
    return data


def _parameter_for(problem: ConfigProblem, base: str) -> str:
    top = re.split(r"[.\[]", problem.key, maxsplit=1)[0]
    return base + top if top in SiuConfig.model_fields else base.rstrip("/")


def fetch_parameters(client: Any, prefix: str | None = None) -> dict[str, str]:
    """Every parameter under the prefix (decrypted), following pagination."""
    base = config_prefix(prefix)
    out: dict[str, str] = {}
    for page in client.get_paginator("get_parameters_by_path").paginate(
        Path=base, Recursive=True, WithDecryption=True
    ):
        for param in page.get("Parameters", []):
            out[param["Name"]] = param["Value"]
    return out


def config_from_ssm(client: Any, prefix: str | None = None) -> SiuConfig:
    """Read and validate the config from SSM now (no cache); ConfigError names every bad parameter."""
    base = config_prefix(prefix)
    try:
        params = fetch_parameters(client, base)
    except Exception as exc:  # botocore errors: unreachable SSM is a config failure at cold start
        raise ConfigError(f"cannot read SSM parameters under {base}: {type(exc).__name__}: {exc}") from None
    if not params:
        raise ConfigError(f"no config parameters under {base} (push one with `siu config push FILE`)")
    data = parameters_to_data(params, base)
    problems = config_problems(data)
    if problems:
        lines = "\n".join(
            f"  {p.message} (parameter {_parameter_for(p, base)}, key {p.key})"
            if p.message == "required key is missing"
            else f"  parameter {_parameter_for(p, base)}: {p}"
            for p in problems
        )
        raise ConfigError(f"config under {base} is invalid ({len(problems)} problem(s)):\n{lines}")
    return SiuConfig.model_validate(data)


_cache: dict[str, SiuConfig] = {}
_lock = threading.Lock()


def load_config(*, prefix: str | None = None, client: Any | None = None, refresh: bool = False) -> SiuConfig:
    """The deployment's config from SSM, read once per process (cold start) and cached after."""
    base = config_prefix(prefix)
    with _lock:
        cached = _cache.get(base)
        if cached is not None and not refresh:
            return cached
        if client is None:
            import boto3

            client = boto3.client("ssm")
        cfg = config_from_ssm(client, base)
        _cache[base] = cfg
        return cfg


def clear_config_cache() -> None:
    """Forget the cached config (tests, and ``siu dev`` after a push)."""
    with _lock:
        _cache.clear()
