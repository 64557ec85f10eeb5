"""The GitHub Actions workflows: valid against GitHub's workflow schema (offline) and doing what they say."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

WORKFLOWS = Path(__file__).resolve().parent.parent / ".github" / "workflows"


def load(name: str) -> dict[str, Any]:
    """A workflow as GitHub reads it: YAML 1.2, where ``on`` is a key, not ``True`` (PyYAML is 1.1)."""
    from ruamel.yaml import YAML

    data: dict[str, Any] = json.loads(json.dumps(YAML(typ="safe").load((WORKFLOWS / name).read_text("utf-8"))))
    return data


def github_workflow_schema() -> dict[str, Any]:
    from importlib import resources

    text = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("github-workflows.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


@pytest.mark.parametrize("name", ["ci.yml", "deploy.yml"])
def test_workflow_matches_githubs_schema(name: str) -> None:
    """check-jsonschema's vendored copy of GitHub's workflow schema: no network needed."""
    from jsonschema import Draft7Validator

    errors = sorted(Draft7Validator(github_workflow_schema()).iter_errors(load(name)), key=str)
    assert not errors, "\n".join(e.message for e in errors)


def test_the_schema_check_would_catch_a_broken_workflow() -> None:
    from jsonschema import Draft7Validator

    broken = load("ci.yml")
    broken["jobs"]["test"]["runs-on"] = {"bogus": True}
    broken["jobs"]["test"]["steps"][0] = {"uses": 42}
    assert list(Draft7Validator(github_workflow_schema()).iter_errors(broken))


def test_ci_runs_make_test() -> None:
    steps = load("ci.yml")["jobs"]["test"]["steps"]
    assert any("make test" in str(s.get("run", "")) for s in steps)


def test_deploy_uses_oidc_python_314_the_contract_suite_then_siu_deploy() -> None:
    flow = load("deploy.yml")
    assert flow["permissions"]["id-token"] == "write"
    steps = flow["jobs"]["deploy"]["steps"]
    text = json.dumps(flow)
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text
    creds = next(s for s in steps if str(s.get("uses", "")).startswith("aws-actions/configure-aws-credentials@"))
    assert "role-to-assume" in creds["with"]
    python = next(s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python@"))
    assert python["with"]["python-version"] == "3.14"
    runs = [str(s.get("run", "")) for s in steps]
    contract = next(i for i, r in enumerate(runs) if "siu contract-test" in r)
    deploy = next(i for i, r in enumerate(runs) if "siu deploy" in r)
    assert contract < deploy
    assert steps.index(creds) > contract  # no AWS credentials exist until the gate has passed
