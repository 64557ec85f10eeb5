"""Test tiers for every test of the repository (``tests/``, ``contract_tests/tests/``, ``plugins/*/tests/``, the
contract suite): each gets exactly one of the markers ``unit``, ``functional`` or ``e2e``.

The rule, applied at collection:

- an explicit ``@pytest.mark.unit`` / ``functional`` / ``e2e`` (or a module's ``pytestmark``) wins;
- a test under ``tests/browser/`` is ``e2e`` (Chromium against an in-process ``siu dev`` stack);
- a test is ``functional`` when it, a fixture it uses, or a helper of the test code they call
  (followed through ``tests/``-side modules) names moto, a subprocess, a socket or an HTTP server,
  or uses one of the fixtures in :data:`FUNCTIONAL_FIXTURES`;
- every other test is ``unit``: pure, no moto, no subprocess, no socket.

The unit tier is guarded, not trusted: while a ``unit`` test runs, starting moto (``mock_aws`` or its
server), a subprocess, or opening an internet socket (loopback included) fails it with a message
that says to mark it ``functional``. So a misplaced test fails ``make test`` instead of slowing down,
or quietly leaving, ``make test-unit``.
"""

from __future__ import annotations

import importlib.abc
import inspect
import socket
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# urllib3 probes for IPv6 by binding ::1 once, at import; done here, before any unit test's socket guard,
# so the first unit test that happens to import it (through requests or botocore) is not blamed for it.
import urllib3  # noqa: F401

pytest_plugins = ["pytester"]  # tests/test_tiers.py runs this file on sample tests

TIERS = ("unit", "functional", "e2e")

#: Fixtures that make a test functional however they are implemented (moto, loopback stand-ins).
FUNCTIONAL_FIXTURES = frozenset({"aws", "shared_moto", "inbox", "stub", "slack", "emulation"})

#: Names whose mention in test code means moto, a subprocess, a socket or a server.
FUNCTIONAL_NAMES = frozenset({
    "moto", "mock_aws", "ThreadedMotoServer", "subprocess", "Popen", "socket", "HTTPServer",
    "ThreadingHTTPServer", "runpytest_subprocess", "sync_playwright",
})

ROOT = Path(__file__).resolve().parent


# --- the rule --------------------------------------------------------------------------------------


def _is_test_code(obj: Any) -> bool:
    """Defined in (or being) a module of the repository's test code (not siu_core, not a library)."""
    module = obj if isinstance(obj, types.ModuleType) else sys.modules.get(getattr(obj, "__module__", "") or "")
    path = getattr(module, "__file__", None)
    if not path:
        return False
    resolved = Path(path).resolve()
    return resolved.is_relative_to(ROOT) and ("tests" in resolved.relative_to(ROOT).parts)


def _code_objects(obj: Any) -> Iterator[tuple[types.CodeType, dict[str, Any]]]:
    """The code of a function (nested functions included) or of every function of a class, with its globals."""
    obj = getattr(obj, "__func__", obj)  # a bound method: its function
    obj = inspect.unwrap(obj) if callable(obj) else obj
    if isinstance(obj, type):
        for member in vars(obj).values():
            func = getattr(member, "__func__", member)
            if isinstance(func, property):
                func = func.fget
            if isinstance(func, types.FunctionType):
                yield from _code_objects(func)
        return
    if not isinstance(obj, types.FunctionType):
        return
    stack = [obj.__code__]
    while stack:
        code = stack.pop()
        yield code, obj.__globals__
        stack.extend(c for c in code.co_consts if isinstance(c, types.CodeType))


def _mentions_io(roots: list[Any]) -> bool:
    """Whether these functions, or the test-side helpers they reach by name, name moto/subprocess/sockets."""
    seen: set[int] = set()
    todo = list(roots)
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        for code, namespace in _code_objects(obj):
            names = set(code.co_names) | set(code.co_varnames)
            if names & FUNCTIONAL_NAMES:
                return True
            for name in code.co_names:
                target = namespace.get(name, sys.modules.get(name))
                if isinstance(target, types.ModuleType):
                    if target.__name__.split(".")[0] in FUNCTIONAL_NAMES:
                        return True
                    if _is_test_code(target):  # ``from inbox_support import emulation`` inside a test
                        todo.extend(getattr(target, n) for n in code.co_names if hasattr(target, n))
                elif isinstance(target, type | types.FunctionType) and _is_test_code(target):
                    todo.append(target)
    return False


#: Where the rule is wrong and the test file is better left alone: node id (or its prefix) -> tier.
#: Here, not in the files, so that branches editing those tests do not conflict with this list.
EXPLICIT: dict[str, str] = {
    # The module's fixture measures a day of traffic on moto inside siu_core.deploy.measure.
    "tests/test_cost_measured.py": "functional",
    # `siu contract-test` runs the suite in a pytest subprocess.
    "contract_tests/tests/test_contract_cli.py::test_a_passing_channel_exits_0_with_json_counts": "functional",
    "contract_tests/tests/test_contract_cli.py::test_any_failing_channel_exits_1_with_a_per_channel_table":
        "functional",
    # cfn-lint and the SAM translator on whole templates: pure, but seconds each (the unit tier's budget
    # is 30 s for everything).
    "tests/test_template.py::test_translated_cloudformation_passes_cfn_lint": "functional",
    "tests/test_template.py::test_the_linter_would_catch_a_bogus_iam_action": "functional",
    "tests/test_template.py::test_the_translator_would_catch_a_bad_runtime": "functional",
    "tests/test_template.py::test_a_third_party_channel_gets_the_same_stack_without_editing_a_template": "functional",
    "tests/test_build.py::test_the_deployable_templates_point_at_the_artifacts_and_still_lint": "functional",
    # siu dev's HTTP server and the whole stack on moto, started through siu_core.dev (the rule sees no moto).
    "tests/test_dev_http.py": "functional",
    "tests/test_dev_persist.py": "functional",
}


def tier_of(item: pytest.Item) -> str:
    """The tier of one collected test (see the module docstring)."""
    for marker in item.iter_markers():
        if marker.name in TIERS:
            return marker.name
    for prefix, tier in EXPLICIT.items():
        if item.nodeid == prefix or item.nodeid.startswith((prefix + "::", prefix + "[")):
            return tier
    if Path(str(item.path)).resolve().is_relative_to(ROOT / "tests" / "browser"):
        return "e2e"
    info = getattr(item, "_fixtureinfo", None)
    fixture_names = set(getattr(item, "fixturenames", ()) or ())
    if fixture_names & FUNCTIONAL_FIXTURES:
        return "functional"
    roots: list[Any] = []
    if isinstance(item, pytest.Function):
        roots.append(item.obj)
    if info is not None:
        for name in fixture_names:
            for fixturedef in info.name2fixturedefs.get(name, ()):
                if _is_test_code(fixturedef.func):
                    roots.append(fixturedef.func)
    return "functional" if _mentions_io(roots) else "unit"


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give every test its tier marker."""
    for item in items:
        tier = tier_of(item)
        if item.get_closest_marker(tier) is None:
            item.add_marker(getattr(pytest.mark, tier))


# --- the unit guard --------------------------------------------------------------------------------


class UnitTierViolation(Exception):
    """A test of the unit tier reached for moto, a subprocess or a socket."""


class _BlockMoto(importlib.abc.MetaPathFinder):
    def __init__(self, guard: _UnitGuard) -> None:
        self.guard = guard

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
        if fullname == "moto" or fullname.startswith("moto."):
            self.guard.violation(f"imported {fullname}")
        return None


class _UnitGuard:
    """Patches that turn moto, subprocesses and internet sockets into failures, for one unit test."""

    def __init__(self, item: pytest.Item) -> None:
        self.item = item
        self.violations: list[str] = []
        self.reported = False  # the test already failed (on the refusal or otherwise)
        self._undo: list[tuple[Any, str, Any]] = []
        self._finder = _BlockMoto(self)

    def violation(self, what: str) -> None:
        self.violations.append(what)
        raise UnitTierViolation(
            f"{self.item.nodeid} is in the unit tier but {what}: mark it @pytest.mark.functional "
            "(or use a fixture that makes it functional)")

    def _patch(self, owner: Any, name: str, what: str, check: Any = None) -> None:
        original = getattr(owner, name)
        guard = self

        def blocked(*args: Any, **kwargs: Any) -> Any:
            if check is None or check(*args, **kwargs):
                guard.violation(what)
            return original(*args, **kwargs)

        self._undo.append((owner, name, original))
        setattr(owner, name, blocked)

    def __enter__(self) -> _UnitGuard:
        def internet(sock: socket.socket, *_args: Any, **_kwargs: Any) -> bool:
            return sock.family in (socket.AF_INET, socket.AF_INET6)

        self._patch(subprocess.Popen, "__init__", "started a subprocess")
        self._patch(socket.socket, "connect", "opened a network connection", internet)
        self._patch(socket.socket, "connect_ex", "opened a network connection", internet)
        self._patch(socket.socket, "bind", "bound a network socket", internet)
        models = sys.modules.get("moto.core.models")
        if models is not None:
            self._patch(models.MockAWS, "start", "started moto (mock_aws)")
        server = sys.modules.get("moto.server")
        if server is not None:
            self._patch(server.ThreadedMotoServer, "start", "started a moto server")
        sys.meta_path.insert(0, self._finder)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)


def _guarded(item: pytest.Item) -> Any:
    return _UnitGuard(item) if item.get_closest_marker("unit") is not None else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    guard = _guarded(item)
    if guard is None:
        return (yield)
    item.stash[_GUARD] = guard
    with guard:
        try:
            return (yield)
        except BaseException:
            guard.reported = True
            raise


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    guard = item.stash.get(_GUARD, None)
    if guard is None:
        return (yield)
    with guard:
        try:
            return (yield)
        except BaseException:
            guard.reported = True
            raise


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    guard = item.stash.get(_GUARD, None)
    if guard is None:
        return (yield)
    with guard:
        result = yield
    if guard.violations and not guard.reported:  # the test caught the refusal and went on
        raise UnitTierViolation(f"{item.nodeid} is in the unit tier but {guard.violations[0]}: "
                                "mark it @pytest.mark.functional")
    return result


_GUARD = pytest.StashKey[_UnitGuard]()
