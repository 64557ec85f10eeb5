"""Every hook of the plugin contract is documented and exercised: a docstring, a section, a contract case.

Like Datasette's documentation tests: adding a hook to ``siu_core/hookspecs.py`` without saying what it
does (docstring), without its section in ``docs/plugins.md`` (``python -m siu_core.docgen`` writes it)
or without a contract-suite check listed for it in ``siu_contract.plan.HOOK_CHECKS`` fails here.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from siu_contract import plan

from siu_core import hookspecs

ROOT = Path(__file__).resolve().parents[1]
PLUGINS_MD = ROOT / "docs" / "plugins.md"
#: Where the suite schedules its checks: a check named in HOOK_CHECKS must be called from one of these.
SCHEDULERS = [Path(plan.__file__), Path(plan.__file__).with_name("nodes.py")]

HOOKS = sorted(
    name for name, value in vars(hookspecs.ChannelSpec).items()
    if callable(value) and hasattr(value, f"{hookspecs.PROJECT}_spec")
)


def test_the_hook_list_is_found() -> None:
    assert set(hookspecs.REQUIRED_HOOKS) <= set(HOOKS)
    assert "stand_in_response" in HOOKS


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_docstring(hook: str) -> None:
    doc = inspect.getdoc(getattr(hookspecs.ChannelSpec, hook)) or ""
    assert len(doc.split()) >= 5, f"hookspec {hook} needs a docstring saying what the hook does"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_section_in_the_plugin_docs(hook: str) -> None:
    text = PLUGINS_MD.read_text(encoding="utf-8")
    assert f"### `{hook}`" in text, f"docs/plugins.md has no section for {hook}: run `python -m siu_core.docgen`"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_contract_suite_case(hook: str) -> None:
    checks = plan.HOOK_CHECKS.get(hook, ())
    assert checks, f"no contract-suite check for {hook}: write one and list it in siu_contract.plan.HOOK_CHECKS"
    scheduled = _scheduled_checks()
    for check in checks:
        assert check.__module__.startswith("siu_contract.checks."), check
        assert (check.__module__, check.__name__) in scheduled, (
            f"{check.__module__}.{check.__name__} is listed for {hook} but the suite never schedules it")


def test_the_contract_map_names_only_hooks_that_exist() -> None:
    assert sorted(plan.HOOK_CHECKS) == HOOKS


def test_a_check_only_listed_in_the_map_does_not_count_as_scheduled() -> None:
    assert ("siu_contract.checks.standin", "check_send") in _scheduled_checks()
    assert ("siu_contract.checks.standin", "StandInAdapter") not in _scheduled_checks()


def _scheduled_checks() -> set[tuple[str, str]]:
    """(module, function) of every imported name the suite's scheduling modules use (outside HOOK_CHECKS)."""
    found: set[tuple[str, str]] = set()
    for path in SCHEDULERS:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules: dict[str, str] = {}
        names: dict[str, tuple[str, str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    local = alias.asname or alias.name
                    modules[local] = f"{node.module}.{alias.name}"
                    names[local] = (node.module, alias.name)
        the_map = {id(n) for stmt in tree.body if isinstance(stmt, ast.AnnAssign | ast.Assign)
                   and "HOOK_CHECKS" in ast.unparse(stmt).split("=", 1)[0] for n in ast.walk(stmt)}
        for ref in ast.walk(tree):
            if id(ref) in the_map:
                continue
            if isinstance(ref, ast.Attribute) and isinstance(ref.value, ast.Name) and ref.value.id in modules:
                found.add((modules[ref.value.id], ref.attr))
            elif isinstance(ref, ast.Name) and isinstance(ref.ctx, ast.Load) and ref.id in names:
                found.add(names[ref.id])
    return found
