"""No table scan on the runtime path: every Lambda module reads through keys and indexes.

Scanning grows with the table: the digest that scanned every thread timed out at a few thousand
active threads a day. The only scans left read the roster and the load counters, one small item per
teammate (200 teammates: one page of about 40 KB), and they are named here so a new one fails.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from siu_core.deploy.build import TOOLING
from siu_core.deploy.stacks import core_template

ROOT = Path(__file__).resolve().parent.parent
#: (module, call) pairs allowed to scan: the generic helper, and the two per-teammate tables.
ALLOWED = {
    ("siu_core/store/ddb.py", "scan"),
    ("siu_core/store/roster.py", "scan_all"),
    ("siu_core/store/loadcount.py", "scan_all"),
}
#: The tables a role may scan: one item per teammate.
SCANNABLE_TABLES = {"RosterTable", "LoadCountTable"}


def _runtime_modules() -> list[Path]:
    tooling = tuple(ROOT / t for t in TOOLING)
    return [p for p in sorted((ROOT / "siu_core").rglob("*.py"))
            if not any(p.is_relative_to(t) for t in tooling)]


def _scan_calls(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in ("scan", "scan_all"):
                found.add(name)
    return found


def test_no_runtime_module_scans_a_table() -> None:
    calls = {(str(p.relative_to(ROOT)), name) for p in _runtime_modules() for name in _scan_calls(p)}
    assert calls - ALLOWED == set(), "a runtime module scans a table: read through a key or an index instead"
    assert ("siu_core/store/reports.py", "scan") not in calls


def test_the_check_sees_a_scan(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f(client):\n    return client.scan(TableName='t')\n", encoding="utf-8")
    assert _scan_calls(sample) == {"scan"}


def _scan_grants(statement: dict[str, Any]) -> list[Any]:
    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    if "dynamodb:Scan" not in actions:
        return []
    resources = statement["Resource"]
    return resources if isinstance(resources, list) else [resources]


def test_no_role_may_scan_any_table_but_the_roster_and_the_load_counters() -> None:
    core = core_template()
    for name, resource in core["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                for target in _scan_grants(statement):
                    assert target["Fn::GetAtt"][0] in SCANNABLE_TABLES, (name, target)
