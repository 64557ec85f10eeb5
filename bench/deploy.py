"""Deploy benchmark: artifact sizes, the monthly bill at 10,000 messages, and what precompiled bytecode saves.

- ``artifact_mb_<function>`` (``connector_whatsapp``, ``labeler``, ...): unzipped MB of each function's
  artifact from a real ``siu build`` for whatsapp, instagram and facebook (**network: PyPI**; offline
  the sizes are skipped with a note). ``artifact_mb`` is the largest (target <= 15, boto3 excluded:
  it is the shared layer, ``artifact_mb_layer_boto3``; ``artifact_mb_with_boto3`` adds it).
- ``cost_usd_per_month_10k``: ``siu cost --messages-per-month 10000`` (target <= 5).
- ``cold_import_ms_<fn>_source`` / ``_pyc``: median of fresh processes importing what the function's
  first invocation imports, from an artifact-shaped directory (the same distributions, copied from
  this venv) with no bytecode, then after ``compileall``. Lambda's Python 3.14 is not here, so this
  measures the same effect on this machine's Python; ``siu build`` precompiles whenever a python3.14
  is available (the deploy workflow has one).

Run alone: ``.venv/bin/python -m bench.deploy``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

TARGETS = {"artifact_mb": ("<=", 15.0), "cost_usd_per_month_10k": ("<=", 5.0)}
CHANNELS = ["whatsapp", "instagram", "facebook"]
RUNS = 5
#: What each function's first invocation imports (handler, then what it loads lazily on first use).
COLD_IMPORTS = {
    "connector": "import siu_core.handlers.connector as h; from siu_core.plugins import load_channels; "
                 "load_channels(['whatsapp']).get('whatsapp'); import boto3; boto3.client('sqs', region_name='x')",
    "labeler": "import siu_core.handlers.labeler as h, siu_core.pipeline.ingest, siu_core.labeling.bedrock, "
               "siu_core.config, aws_lambda_powertools.utilities.batch, boto3; boto3.client('dynamodb', "
               "region_name='x')",
}


def _build(out: Path) -> dict[str, float]:
    from siu_core.deploy import build

    try:
        result = build.run(build.plan(CHANNELS, out), progress=lambda m: print(f"    {m}"))
    except build.BuildError as exc:
        print(f"    artifact sizes skipped (the build needs PyPI): {str(exc).splitlines()[0]}")
        return {}
    figures = {f"artifact_mb_{label.replace(':', '_').replace('-', '_')}": mb
               for label, mb in result.function_sizes().items()}
    figures["artifact_mb"] = max(figures.values())
    layer = result.artifacts[build.LAYER_ARTIFACT].size_mb
    figures["artifact_mb_layer_boto3"] = layer
    figures["artifact_mb_with_boto3"] = round(figures["artifact_mb"] + layer, 2)
    for name, why in result.dropped.items():
        print(f"    left out {name}: {why}")
    return figures


def _artifact_like(names: list[str], target: Path) -> None:
    """Copy these installed distributions (source files and metadata, no bytecode) into one directory."""
    from siu_core.deploy.build import _local_path

    for name in names:
        dist = metadata.distribution(name)
        info = Path(str(dist._path))  # type: ignore[attr-defined]  # the .dist-info directory (entry points)
        shutil.copytree(info, target / info.name, dirs_exist_ok=True)
        local = _local_path(dist)
        if local is not None:  # an editable install: copy the package from its checkout, as the wheel holds it
            package = name.replace("-", "_")
            shutil.copytree(local / package, target / package, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            if package == "siu_core" and (local / "schemas").is_dir():
                shutil.copytree(local / "schemas", target / package / "schemas", dirs_exist_ok=True)
            continue
        for file in dist.files or []:
            parts = Path(str(file)).parts
            if not parts or parts[0].startswith("..") or "__pycache__" in parts or str(file).endswith(".pyc"):
                continue
            src = Path(str(dist.locate_file(file)))
            if src.is_file():
                dest = target / Path(*parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest)


def _closure_names() -> list[str]:
    """The distributions the core artifact holds, plus boto3's (the layer), as installed here."""
    from siu_core.deploy.build import CLI_ONLY, canonical

    seen: set[str] = set()
    todo = ["siu-core", "siu-whatsapp", "boto3"]
    while todo:
        name = canonical(todo.pop())
        if name in seen or name in CLI_ONLY:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        from packaging.requirements import Requirement

        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return sorted(seen)


def _median_import_ms(root: Path, code: str) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["AWS_DEFAULT_REGION"] = "ap-southeast-1"  # -B: never write bytecode, so "source" stays source
    probe = (f"import sys, time; sys.path.insert(0, {str(root)!r}); t = time.perf_counter(); {code}; "
             "print((time.perf_counter() - t) * 1000)")
    times = []
    for _ in range(RUNS):
        out = subprocess.run([sys.executable, "-B", "-I", "-S", "-c", probe], capture_output=True, text=True, env=env,
                             check=False)
        if out.returncode != 0:
            raise RuntimeError(f"cold import failed: {out.stderr.strip().splitlines()[-1:]}")
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return round(statistics.median(times), 1)


def _bytecode(work: Path) -> dict[str, float]:
    root = work / "artifact"
    _artifact_like(_closure_names(), root)
    figures: dict[str, float] = {}
    for fn, code in COLD_IMPORTS.items():
        figures[f"cold_import_ms_{fn}_source"] = _median_import_ms(root, code)
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
                    str(root)], check=True)
    for fn, code in COLD_IMPORTS.items():
        figures[f"cold_import_ms_{fn}_pyc"] = _median_import_ms(root, code)
        figures[f"cold_import_pyc_saving_{fn}"] = round(
            1 - figures[f"cold_import_ms_{fn}_pyc"] / figures[f"cold_import_ms_{fn}_source"], 3)
    return figures


def run() -> dict[str, float | int]:
    """Measure the deploy figures; returns name -> value."""
    from siu_core.deploy.cost import estimate

    figures: dict[str, float | int] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="siu-bench-deploy-") as tmp:
        figures.update(_build(Path(tmp) / "build"))
        figures.update(_bytecode(Path(tmp)))
    figures["cost_usd_per_month_10k"] = estimate(10_000, len(CHANNELS), teammates=5).total
    figures["deploy_bench_seconds"] = round(time.monotonic() - started, 1)
    return figures


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:40} {value}")
