"""The config model, its validation, the YAML loader and SSM loading with per-process caching."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

from siu_core.config import (
    DEFAULT_MODEL_ID,
    SiuConfig,
    WorkingHours,
    clear_config_cache,
    config_problems,
    config_to_parameters,
    example_config,
    example_config_path,
    load_config,
    load_config_file,
    parameters_to_data,
    parse_config,
)
from siu_core.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent
MINIMAL: dict[str, Any] = {
    "taxonomy": {"orders": {"team": "care"}},
    "teams": {"care": {}},
    "default_team": "care",
}


def with_(**changes: Any) -> dict[str, Any]:
    return {**MINIMAL, **changes}


def keys_of(data: Any) -> list[str]:
    return [p.key for p in config_problems(data)]


# --- the model -----------------------------------------------------------------------------------


def test_minimal_config_gets_the_agreed_defaults() -> None:
    cfg = SiuConfig.model_validate(MINIMAL)
    assert cfg.time_zone == "Asia/Singapore"
    assert (cfg.sla.urgent_minutes, cfg.sla.normal_hours, cfg.sla.working_hours_only) == (15, 4, False)
    assert (cfg.dedupe_window_hours, cfg.reopen_window_days) == (72, 7)
    assert cfg.model_id == DEFAULT_MODEL_ID == "global.anthropic.claude-haiku-4-5-20251001-v1:0"
    assert "sonnet-4-6" in cfg.review_model_id
    assert cfg.labeler == "bedrock"
    assert cfg.working_hours.days == ["mon", "tue", "wed", "thu", "fri"]
    assert cfg.topics == ["orders", "other"]
    assert cfg.roster == [] and cfg.channels == {} and cfg.urgent_keywords == []


def test_config_is_frozen() -> None:
    cfg = SiuConfig.model_validate(MINIMAL)
    with pytest.raises(ValueError, match="frozen"):
        cfg.default_team = "x"  # type: ignore[misc]


def test_example_config_is_a_realistic_small_shop() -> None:
    cfg = example_config()
    assert len(cfg.taxonomy) == 6
    assert {"orders_shipping", "returns_refunds", "billing_payments", "product_questions", "complaints",
            "wholesale"} == set(cfg.taxonomy)
    assert 2 <= len(cfg.teams) <= 3
    assert len(cfg.roster) == 7
    assert len({e.time_zone for e in cfg.roster}) == 2
    assert any(e.status == "off" for e in cfg.roster)
    assert all(spec.keywords for spec in cfg.taxonomy.values())
    assert len(cfg.urgent_keywords) >= 8 and any(not k.isascii() for k in cfg.urgent_keywords)
    assert cfg.channels == {}  # the core names no platform: every installed plugin runs on its defaults
    assert any(e.role == "admin" for e in cfg.roster)


def test_repo_example_points_at_the_shipped_file() -> None:
    assert (REPO / "config" / "example.yaml").resolve() == example_config_path().resolve()
    assert load_config_file(REPO / "config" / "example.yaml") == example_config()


def test_topic_routing_and_helpers() -> None:
    cfg = example_config()
    assert cfg.team_for_topic("wholesale") == "sales"
    assert cfg.team_for_topic("other") == cfg.default_team
    assert cfg.team_for_topic("not_a_topic") == cfg.default_team
    assert cfg.dedupe_window().total_seconds() == 72 * 3600
    assert cfg.reopen_window().days == 7
    assert cfg.channel_settings("whatsapp") == {}
    overridden = SiuConfig.model_validate(with_(channels={"whatsapp": {"graph_version": "v26.0"}}))
    assert overridden.channel_settings("whatsapp") == {"graph_version": "v26.0"}
    assert overridden.channel_settings("telegram") == {}
    wei = next(e for e in cfg.roster if e.id == "wei")
    assert cfg.hours_of(wei) == cfg.working_hours


def test_an_account_listed_under_a_team_routes_there_whatever_the_topic() -> None:
    cfg = SiuConfig.model_validate(with_(teams={
        "care": {}, "sales": {"accounts": ["whatsapp:106540352242922", "facebook:1061"]}}))
    assert cfg.team_for("orders", "whatsapp", "106540352242922") == "sales"
    assert cfg.team_for("orders", "facebook", "1061") == "sales"
    assert cfg.team_for("orders", "instagram", "1061") == cfg.team_for_topic("orders") == "care"
    assert cfg.team_for("other", "whatsapp", "999") == cfg.default_team


def test_an_account_has_one_team_and_a_well_formed_reference() -> None:
    teams = {"care": {"accounts": ["whatsapp:1065"]}, "sales": {"accounts": ["whatsapp:1065"]}}
    problems = config_problems(with_(teams=teams))
    assert [(p.key, p.message) for p in problems] == [
        ("teams.sales.accounts", "'whatsapp:1065' already belongs to team 'care' (one team each)")]
    assert keys_of(with_(teams={**teams, "sales": {"accounts": ["1065"]}})) == ["teams.sales.accounts[0]"]


def test_unknown_keys_are_named() -> None:
    assert keys_of(with_(routing={"orders": "care"})) == ["routing"]
    assert keys_of(with_(sla={"urgent_minutes": 5, "normal_hour": 4})) == ["sla.normal_hour"]


def test_missing_required_keys_are_named() -> None:
    problems = config_problems({"time_zone": "UTC"})
    assert {p.key for p in problems} == {"taxonomy", "teams", "default_team"}
    assert all(p.message == "required key is missing" for p in problems)


def test_every_cross_reference_problem_is_reported_at_once() -> None:
    data = {
        "taxonomy": {"orders": {"team": "care"}, "wholesale": {"team": "sales"}},
        "teams": {"care": {"backup": "ghost"}},
        "default_team": "billing",
        "roster": [
            {"id": "a", "name": "A", "teams": ["care", "nope"], "backup": "zed"},
            {"id": "b", "name": "B", "teams": ["care"], "backup": "b"},
            {"id": "a", "name": "A again", "teams": ["care"]},
        ],
    }
    assert sorted(keys_of(data)) == sorted(
        [
            "taxonomy.wholesale.team",
            "default_team",
            "teams.care.backup",
            "roster[0].teams",
            "roster[0].backup",
            "roster[1].backup",
            "roster[2].id",
        ]
    )


def test_other_is_implicit() -> None:
    assert keys_of(with_(taxonomy={"other": {"team": "care"}})) == ["taxonomy.other"]


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": "../etc/passwd"}, "time_zone"),
        ({"working_hours": {"time_zone": "Asia/Nowhere"}}, "working_hours.time_zone"),
        (
            {"roster": [{"id": "a", "name": "A", "teams": ["care"], "time_zone": "Europe/Atlantis"}]},
            "roster[0].time_zone",
        ),
        ({"working_hours": {"start": "9:00"}}, "working_hours.start"),
        ({"working_hours": {"end": "25:00"}}, "working_hours.end"),
        ({"working_hours": {"days": ["mon", "mon"]}}, "working_hours.days"),
        ({"working_hours": {"days": ["monday"]}}, "working_hours.days[0]"),
        ({"working_hours": {"days": []}}, "working_hours.days"),
        ({"working_hours": {"start": "10:00", "end": "10:00"}}, "working_hours"),
        ({"taxonomy": {"Orders": {"team": "care"}}}, "taxonomy.Orders.[key]"),
        ({"taxonomy": {}}, "taxonomy"),
        ({"labeler": "gpt"}, "labeler"),
        ({"sla": {"urgent_minutes": 0}}, "sla.urgent_minutes"),
        ({"dedupe_window_hours": "three days"}, "dedupe_window_hours"),
        ({"roster": [{"id": "a", "name": "A", "teams": ["care"], "status": "busy"}]}, "roster[0].status"),
        ({"roster": [{"id": "a", "name": "A", "teams": ["care"], "capacity": 0}]}, "roster[0].capacity"),
        ({"roster": [{"id": "a", "name": "A", "teams": []}]}, "roster[0].teams"),
    ],
)
def test_bad_values_are_named_by_key(changes: dict[str, Any], key: str) -> None:
    assert keys_of(with_(**changes)) == [key]


def test_roster_time_zone_defaults_to_the_deployment_zone() -> None:
    cfg = SiuConfig.model_validate(
        with_(time_zone="Europe/Lisbon", roster=[{"id": "a", "name": "A", "teams": ["care"]}])
    )
    assert cfg.roster[0].time_zone == "Europe/Lisbon"
    assert cfg.roster[0].status == "available" and cfg.roster[0].capacity == 25 and cfg.roster[0].role == "agent"


def test_parse_config_error_lists_every_problem() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(with_(default_team="x", time_zone="Nope/Nope"), source="test config")
    assert "test config is invalid" in str(err.value) and "time_zone" in str(err.value)


def test_non_mapping_config() -> None:
    assert keys_of(["a", "b"]) == ["<root>"]
    assert keys_of(None) == ["<root>"]


# --- working hours -------------------------------------------------------------------------------


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_working_hours_in_the_teammates_zone() -> None:
    hours = WorkingHours(days=["mon", "tue", "wed", "thu", "fri"], start="09:00", end="17:00")
    # Monday 2026-01-05 10:00 in Singapore is 02:00 in Lisbon.
    assert hours.contains(at("2026-01-05T10:00:00+08:00"), "Asia/Singapore")
    assert not hours.contains(at("2026-01-05T10:00:00+08:00"), "Europe/Lisbon")
    assert hours.contains(at("2026-01-05T18:00:00+08:00"), "Europe/Lisbon")  # 10:00 in Lisbon
    assert not hours.contains(at("2026-01-05T17:00:00+08:00"), "Asia/Singapore")  # end is exclusive
    assert not hours.contains(at("2026-01-10T10:00:00+08:00"), "Asia/Singapore")  # Saturday


def test_own_zone_wins_over_the_default() -> None:
    hours = WorkingHours(start="09:00", end="17:00", time_zone="Europe/Lisbon")
    assert hours.contains(at("2026-01-05T18:00:00+08:00"), "Asia/Singapore")


def test_overnight_shift_belongs_to_the_day_it_starts() -> None:
    hours = WorkingHours(days=["fri"], start="22:00", end="06:00")
    assert hours.contains(at("2026-01-09T23:00:00+08:00"), "Asia/Singapore")  # Friday night
    assert hours.contains(at("2026-01-10T05:59:00+08:00"), "Asia/Singapore")  # Saturday early: Friday's shift
    assert not hours.contains(at("2026-01-10T23:00:00+08:00"), "Asia/Singapore")  # Saturday night
    assert not hours.contains(at("2026-01-09T05:00:00+08:00"), "Asia/Singapore")  # Thursday's shift: none


def test_all_day() -> None:
    hours = WorkingHours(days=["sun"], start="00:00", end="24:00")
    assert hours.contains(at("2026-01-11T23:59:00+08:00"), "Asia/Singapore")
    assert hours.contains(at("2026-01-11T00:00:00+08:00"), "Asia/Singapore")


# --- YAML ----------------------------------------------------------------------------------------


def test_yaml_duplicate_keys_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("default_team: care\ndefault_team: sales\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="duplicate key 'default_team'"):
        load_config_file(path)


def test_yaml_syntax_error_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("taxonomy: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config_file(bad)
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config_file(tmp_path / "missing.yaml")


def test_yaml_refuses_python_tags(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text("default_team: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config_file(path)


# --- SSM parameters ------------------------------------------------------------------------------


def test_parameters_round_trip_and_name_one_key_each() -> None:
    cfg = example_config()
    params = config_to_parameters(cfg)
    assert set(params) == {f"/siu/config/{k}" for k in SiuConfig.model_fields}
    assert json.loads(params["/siu/config/default_team"]) == "care"
    assert SiuConfig.model_validate(parameters_to_data(params)) == cfg


def test_parameter_prefix_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIU_CONFIG_PREFIX", "/shop2/config")
    assert all(k.startswith("/shop2/config/") for k in config_to_parameters(example_config()))


def test_oversized_parameter_is_refused_by_name() -> None:
    huge = {f"t{i}": {"team": "care", "description": "x" * 400} for i in range(25)}
    with pytest.raises(ConfigError, match=r"taxonomy is \d+ bytes"):
        config_to_parameters(SiuConfig.model_validate(with_(taxonomy=huge)))


@settings(max_examples=40, deadline=None)
@given(
    urgent=st.integers(1, 600),
    normal=st.integers(1, 72),
    dedupe=st.integers(1, 720),
    reopen=st.integers(0, 365),
    zone=st.sampled_from(["Asia/Singapore", "Europe/Lisbon", "UTC", "America/Sao_Paulo"]),
    keywords=st.lists(st.text(min_size=1, max_size=20), max_size=5),
)
def test_any_valid_config_survives_the_parameter_round_trip(
    urgent: int, normal: int, dedupe: int, reopen: int, zone: str, keywords: list[str]
) -> None:
    cfg = SiuConfig.model_validate(
        with_(
            time_zone=zone,
            sla={"urgent_minutes": urgent, "normal_hours": normal},
            dedupe_window_hours=dedupe,
            reopen_window_days=reopen,
            urgent_keywords=keywords,
        )
    )
    assert SiuConfig.model_validate(parameters_to_data(config_to_parameters(cfg))) == cfg


class Calls:
    def __init__(self, client: Any) -> None:
        self.names: list[str] = []
        client.meta.events.register("before-call", lambda model, **_: self.names.append(model.name))


@pytest.fixture
def ssm() -> Iterator[Any]:
    clear_config_cache()
    with mock_aws():
        client = boto3.client("ssm")
        for name, value in config_to_parameters(example_config()).items():
            client.put_parameter(Name=name, Value=value, Type="String")
        yield client
    clear_config_cache()


def test_load_config_reads_ssm_once_per_process(ssm: Any) -> None:
    calls = Calls(ssm)
    cfg = load_config(client=ssm)
    assert cfg == example_config()
    assert load_config(client=ssm) is cfg
    reads = len(calls.names)
    assert reads >= 1 and set(calls.names) == {"GetParametersByPath"}
    assert load_config() is cfg  # cached: no client needed
    assert len(calls.names) == reads
    assert load_config(client=ssm, refresh=True) == cfg
    assert len(calls.names) == 2 * reads


def test_load_config_creates_its_client_lazily(ssm: Any) -> None:
    assert load_config() == example_config()


def test_missing_parameter_is_named(ssm: Any) -> None:
    ssm.delete_parameter(Name="/siu/config/default_team")
    with pytest.raises(ConfigError, match=r"required key is missing \(parameter /siu/config/default_team"):
        load_config(client=ssm)


def test_malformed_json_parameter_is_named(ssm: Any) -> None:
    ssm.put_parameter(Name="/siu/config/sla", Value="{urgent_minutes: 5", Type="String", Overwrite=True)
    with pytest.raises(ConfigError, match="SSM parameter /siu/config/sla is not valid JSON"):
        load_config(client=ssm)


def test_invalid_value_names_the_parameter_and_key(ssm: Any) -> None:
    ssm.put_parameter(Name="/siu/config/default_team", Value='"nobody"', Type="String", Overwrite=True)
    ssm.put_parameter(Name="/siu/config/time_zone", Value='"Mars/Base"', Type="String", Overwrite=True)
    with pytest.raises(ConfigError) as err:
        load_config(client=ssm)
    assert "parameter /siu/config/time_zone: time_zone: unknown time zone" in str(err.value)
    ssm.put_parameter(Name="/siu/config/time_zone", Value='"UTC"', Type="String", Overwrite=True)
    with pytest.raises(ConfigError, match="parameter /siu/config/default_team: default_team: team 'nobody'"):
        load_config(client=ssm)


def test_unknown_parameter_is_named(ssm: Any) -> None:
    ssm.put_parameter(Name="/siu/config/routing", Value="{}", Type="String")
    with pytest.raises(ConfigError, match="SSM parameter /siu/config/routing is not a config key"):
        load_config(client=ssm)


def test_nested_parameter_is_named(ssm: Any) -> None:
    ssm.put_parameter(Name="/siu/config/sla/urgent", Value="5", Type="String")
    with pytest.raises(ConfigError, match="/siu/config/sla/urgent"):
        load_config(client=ssm)


def test_no_parameters_at_all(ssm: Any) -> None:
    with pytest.raises(ConfigError, match="no config parameters under /other/"):
        load_config(client=ssm, prefix="/other")


def test_ssm_failure_is_a_config_error() -> None:
    class Broken:
        def get_paginator(self, _name: str) -> Any:
            raise ConnectionError("no route to SSM")

    clear_config_cache()
    with pytest.raises(ConfigError, match="cannot read SSM parameters under /siu/config/: ConnectionError"):
        load_config(client=Broken())


def test_secure_string_parameters_are_decrypted(ssm: Any) -> None:
    ssm.put_parameter(Name="/siu/config/default_team", Value='"care"', Type="SecureString", Overwrite=True)
    assert load_config(client=ssm).default_team == "care"
