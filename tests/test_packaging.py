"""The siu-core wheel carries its contracts: a plugin or a Lambda finds them installed, not in a checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def core_wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("siu_core-*.whl")
    return zipfile.ZipFile(wheel)


def test_wheel_ships_the_schemas(core_wheel: zipfile.ZipFile) -> None:
    names = set(core_wheel.namelist())
    for schema in ("event", "labels"):
        assert f"siu_core/schemas/{schema}.schema.json" in names
        packaged = core_wheel.read(f"siu_core/schemas/{schema}.schema.json")
        assert packaged == (ROOT / "schemas" / f"{schema}.schema.json").read_bytes()


def test_wheel_declares_the_console_script(core_wheel: zipfile.ZipFile) -> None:
    (entry_points,) = [n for n in core_wheel.namelist() if n.endswith("entry_points.txt")]
    assert "siu = siu_core.cli:main" in core_wheel.read(entry_points).decode()


def test_wheel_ships_the_template_and_the_example_config(core_wheel: zipfile.ZipFile) -> None:
    names = set(core_wheel.namelist())
    assert "siu_core/infra/template.yaml" in names  # siu dev provisions from it when installed
    assert core_wheel.read("siu_core/infra/template.yaml") == (ROOT / "infra" / "template.yaml").read_bytes()
    assert "siu_core/data/example.yaml" in names
    assert "siu_core/data/bedrock_contract/cases.yaml" in names
