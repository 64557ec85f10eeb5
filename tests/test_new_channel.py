"""``siu new-channel``: the generated distribution installs, loads, and fails the suite only at its TODOs.

One throwaway venv per module: it sees this environment's packages through a ``.pth`` line (no
network, no copy), the generated plugin is pip-installed into it (no build isolation, no index),
and ``siu channels`` / ``siu contract-test`` run in it as subprocesses, as an author would run them.
"""

from __future__ import annotations

import json
import py_compile
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from siu_core import CONTRACT_VERSION
from siu_core.cli import cli
from siu_core.scaffold import Names, ScaffoldError, check_name, plan, render

NAME = "line_works"


@dataclass(frozen=True)
class Installed:
    """The rendered distribution and the throwaway interpreter it is installed into."""

    source: Path
    python: Path

    def siu(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the ``siu`` CLI with the throwaway interpreter."""
        code = "import sys; from siu_core.cli import main; sys.exit(main(sys.argv[1:]))"
        return subprocess.run([str(self.python), "-c", code, *args], capture_output=True, text=True,
                              timeout=300, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("new-channel")
    result = CliRunner().invoke(cli, ["new-channel", NAME, "--dir", str(root / "siu-line-works")])
    assert result.exit_code == 0, result.output
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # This environment's packages (siu-core, siu-contract, pytest, pip) are visible, not copied.
    (Path(purelib) / "_siu_parent.pth").write_text(
        f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n", encoding="utf-8"
    )
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", str(root / "siu-line-works")], check=True, timeout=300, capture_output=True)
    try:
        yield Installed(source=root / "siu-line-works", python=python)
    finally:
        shutil.rmtree(venv, ignore_errors=True)


def test_the_generated_plugin_installs_and_is_listed(installed: Installed) -> None:
    done = installed.siu("channels", NAME, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    (row,) = json.loads(done.stdout)
    assert row["status"] == "ok" and row["distribution"] == "siu-line-works"
    assert (row["version"], row["contract_version"]) == ("0.1.0", CONTRACT_VERSION)
    assert row["display_name"] == "Line Works"


def test_the_suite_fails_exactly_where_a_todo_is_left(installed: Installed) -> None:
    done = installed.siu("contract-test", NAME, "--json")
    assert done.returncode == 1, done.stdout + done.stderr
    (row,) = json.loads(done.stdout)["channels"]
    failures = {f["test"].split("::", 1)[1]: f["message"] for f in row["failures"]}
    assert failures, "a skeleton cannot pass"
    not_todo = {test: message for test, message in failures.items() if "TODO(siu)" not in message}
    assert not_todo == {}
    # Every platform-specific check fails, and only those: what loads and what is hygiene passes.
    assert set(failures) == {
        "handshake.unsupported", "signature[message]", "signature.tampered_byte[message]",
        "signature.wrong_secret[message]", "signature.missing_header[message]", "signature.escaped_unicode",
        "normalize[message]", "normalize[partial_batch]", "normalize.batch", "normalize.partial_batch",
        "normalize.shape[edit]", "normalize.shape[deletion]", "normalize.shape[unknown_kind]",
        "normalize.unknown[unknown_event]",
        "normalize.malformed[not_json]", "normalize.no_secrets", "normalize.property[json]",
        "normalize.property[mutated]", "normalize.property[bytes]", "send[success]", "send[rate_limited]",
        "send[permanent]", "send[window_closed]",
    }
    assert row["passed"] >= 3  # manifest, load, load.secrets, hygiene[...]
    # The optional hooks it does not implement: message_templates (contract 1.2) and acknowledge (1.3).
    assert row["skipped"] == 2
    assert "verify the platform's signature header" in failures["signature[message]"]


def test_the_author_runs_the_same_checks_with_pytest_and_one_line(installed: Installed) -> None:
    assert (installed.source / "tests" / "test_contract.py").read_text(encoding="utf-8").strip().endswith(
        f'TestContract = contract_suite("{NAME}")'
    )
    done = subprocess.run([str(installed.python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k",
                           "load or manifest or signature", "tests/test_contract.py"],
                          cwd=installed.source, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "TODO(siu): verify the platform's signature header" in done.stdout
    assert " passed" in done.stdout.splitlines()[-1]


def test_the_generated_files_are_sound() -> None:
    from siu_contract.manifest import Manifest

    files = plan(Names(name="acme_chat", display_name="Acme Chat"))
    assert {"pyproject.toml", "README.md", ".gitignore", "siu_acme_chat/plugin.py", "siu_acme_chat/py.typed",
            "siu_acme_chat/contract/manifest.json", "siu_acme_chat/contract/webhooks/message.json",
            "siu_acme_chat/contract/expected/message.json", "tests/test_contract.py",
            "tools/record_cassettes.py"} <= set(files)
    manifest = Manifest.model_validate(json.loads(files["siu_acme_chat/contract/manifest.json"]))
    assert manifest.channel == "acme_chat"
    for relative, text in files.items():
        if relative.endswith(".json"):
            json.loads(text)
    assert 'acme_chat = "siu_acme_chat.plugin"' in files["pyproject.toml"]
    assert '"siu-core>=0.1,<0.2"' in files["pyproject.toml"] and 'name = "siu-acme-chat"' in files["pyproject.toml"]
    plugin = files["siu_acme_chat/plugin.py"]
    for hook in ("channel_info", "handshake", "verify_signature", "normalize", "send_reply"):
        assert f"def {hook}(" in plugin
    # The contract 1.3 form: the webhook hooks take the whole request, the samples name their URL.
    for hook in ("handshake", "verify_signature", "normalize"):
        assert f"def {hook}(request: InboundRequest," in plugin
    assert manifest.webhook_url == "https://contract.siu.test/webhooks/acme_chat"
    assert plugin.count("TODO(siu):") >= 7


def test_the_generated_python_compiles_and_passes_ruff(tmp_path: Path) -> None:
    render(Names(name="acme_chat", display_name="Acme Chat"), tmp_path / "out")
    for path in (tmp_path / "out").rglob("*.py"):
        py_compile.compile(str(path), doraise=True)
    ruff = Path(sys.executable).parent / "ruff"
    done = subprocess.run([str(ruff), "check", "--isolated", "--select", "E,F,W,I,B,UP,S,SIM", "--ignore",
                           "S101", "--line-length", "120", str(tmp_path / "out")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout


@pytest.mark.parametrize("name", ["Telegram", "9lives", "line-works", "a b", "", "x" * 65, "é"])
def test_a_bad_name_is_refused_with_the_rule(name: str) -> None:
    with pytest.raises(ScaffoldError, match="lowercase letters"):
        check_name(name)


def test_an_installed_channel_name_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["new-channel", "telegram", "--dir", str(tmp_path / "x")])
    assert result.exit_code == 2 and "already installed" in result.output
    assert not (tmp_path / "x").exists()


def test_a_non_empty_directory_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(cli, ["new-channel", "acme_chat", "--dir", str(tmp_path)])
    assert result.exit_code == 2 and "not an empty directory" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
    (tmp_path / "empty").mkdir()
    assert render(Names("acme_chat", "Acme"), tmp_path / "empty")


def test_the_default_directory_and_the_next_steps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["new-channel", "acme_chat"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "siu-acme-chat" / "siu_acme_chat" / "plugin.py").is_file()
    for step in ("pip install -e", "siu channels acme_chat", "siu contract-test acme_chat"):
        assert step in result.output
