"""``python -m bench`` (``make bench``): run every benchmark module and print the figures.

Each ``bench/<name>.py`` exposes ``run() -> dict[str, float | int]`` and runs in its own fresh
process (no state, mocks or memory carried from one to the next). The harness prints each figure
with its target, says which modules are missing or failed, and prints, as its very last line, one
JSON object holding every figure. Exit code 0 when every module ran, 1 when one failed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
#: The issue's modules, in this order; any other ``bench/*.py`` runs after them.
ORDER = ("connector", "labeler", "pipeline")
#: Figure -> (comparison, target). A module may add its own with a module-level ``TARGETS`` dict.
TARGETS: dict[str, tuple[str, float]] = {
    "connector_overhead_ratio": ("<=", 3),
    "connector_cold_import_ratio": ("<=", 1.3),
    "labeler_batch_latency_ratio": ("<=", 1.5),
    "aws_calls_per_new_message": ("<=", 8),
    "aws_calls_per_duplicate": ("<=", 2),
    "label_prompt_overhead_chars": ("<=", 1200),
    "labeler_peak_rss_mb": ("<=", 128),
}
MODULE_TIMEOUT_S = 300
_RESULT_MARK = "@@bench-result@@ "
_CHILD = """
import json, sys
import bench.{name} as module
figures = module.run()
targets = getattr(module, "TARGETS", {{}})
sys.stdout.flush()
print({mark!r} + json.dumps({{"figures": figures, "targets": targets}}), flush=True)
"""


def discover() -> list[str]:
    """The modules to run: the issue's three first (even when missing), then any others found."""
    found = sorted(p.stem for p in BENCH_DIR.glob("*.py") if not p.stem.startswith("_"))
    return [*ORDER, *(name for name in found if name not in ORDER)]


def met(value: float, rule: tuple[str, float]) -> bool:
    """Whether a figure meets its target."""
    op, target = rule
    return value <= target if op == "<=" else value >= target


def _run_module(name: str) -> tuple[dict[str, float | int], dict[str, tuple[str, float]]]:
    env = {**os.environ, "POWERTOOLS_METRICS_DISABLED": "true", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD.format(name=name, mark=_RESULT_MARK)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    result: dict[str, object] | None = None
    assert proc.stdout is not None
    deadline = time.monotonic() + MODULE_TIMEOUT_S
    for line in proc.stdout:
        if line.startswith(_RESULT_MARK):
            result = json.loads(line[len(_RESULT_MARK):])
        elif line.strip():
            print(f"    {line.rstrip()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise TimeoutError(f"took more than {MODULE_TIMEOUT_S} s")
    code = proc.wait()
    if code != 0 or result is None:
        raise RuntimeError(f"exited with code {code} before reporting figures")
    figures = result["figures"]
    if not isinstance(figures, dict) or not all(
        isinstance(k, str) and isinstance(v, int | float) and not isinstance(v, bool) for k, v in figures.items()
    ):
        raise TypeError("run() must return a dict of figure name -> number")
    extra = {k: (str(v[0]), float(v[1])) for k, v in dict(result.get("targets") or {}).items()}  # type: ignore[call-overload]
    return figures, extra


def _show(value: float | int) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


def main() -> int:
    """Run every module, print figures with targets, and end with one JSON line of all figures."""
    started = time.monotonic()
    figures: dict[str, float | int] = {}
    targets = dict(TARGETS)
    failed: list[str] = []
    for name in discover():
        if not (BENCH_DIR / f"{name}.py").exists():
            print(f"bench/{name}.py: not written yet, skipped")
            continue
        print(f"bench/{name}.py:")
        t0 = time.monotonic()
        try:
            found, extra = _run_module(name)
        except Exception as exc:
            print(f"  FAILED: {type(exc).__name__}: {exc}")
            failed.append(name)
            continue
        targets.update(extra)
        width = max((len(k) for k in found), default=0)
        for key, value in found.items():
            rule = targets.get(key)
            verdict = ""
            if rule is not None:
                verdict = f"target {rule[0]} {_show(rule[1])}  {'met' if met(value, rule) else 'NOT MET'}"
            print(f"  {key:<{width}}  {_show(value):>12}  {verdict}")
        print(f"  ({time.monotonic() - t0:.1f} s)")
        figures.update(found)
    judged = [k for k in figures if k in targets]
    missing = [k for k in TARGETS if k not in figures]
    ok = sum(met(figures[k], targets[k]) for k in judged)
    print(f"{ok} of {len(judged)} targets met; {time.monotonic() - started:.0f} s in all")
    if missing:
        print(f"not measured: {', '.join(missing)}")
    if failed:
        print(f"failed: {', '.join(failed)}")
    sys.stdout.flush()
    print(json.dumps(figures, sort_keys=True), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
