"""The plugin API is declared: plugins import ``siu_core.plugin`` and nothing else of the core, and the core no plugin.

What is checked is the code a plugin ships (its wheel's packages): every distribution under
``plugins/`` (siu-meta, a library, included) and the ``siu new-channel`` template's package. A
plugin's tests and tools may drive the core (``load_channels``, the cassette recorder), as the core's
own tests do.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path
from string import Template

import pytest

import siu_core
from siu_core import plugin

ROOT = Path(__file__).resolve().parents[1]
API = "siu_core.plugin"
TEMPLATE_PACKAGE = ROOT / "siu_core" / "scaffold" / "template" / "{package}"
#: Top-level packages of the plugins' distributions: the core must import none of them.
PLUGIN_PACKAGES = {"siu_meta", "siu_whatsapp", "siu_facebook", "siu_instagram", "siu_telegram", "siu_twilio"}


def shipped_packages() -> list[Path]:
    """The package directories each distribution under plugins/ puts in its wheel."""
    found = []
    for pyproject in sorted(ROOT.glob("plugins/*/pyproject.toml")):
        config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        packages = config["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
        found += [pyproject.parent / p for p in packages]
    return found


def sources() -> Iterator[tuple[str, str]]:
    """(label, Python source) of every shipped plugin module and of the template's package."""
    for package in shipped_packages():
        for path in sorted(package.rglob("*.py")):
            yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")
    for path in sorted(TEMPLATE_PACKAGE.rglob("*.py.tmpl")):
        text = Template(path.read_text(encoding="utf-8")).safe_substitute(
            name="acme_chat", display_name="Acme Chat", distribution="siu-acme-chat", package="siu_acme_chat")
        yield str(path.relative_to(ROOT)), text


def core_imports(source: str) -> Iterator[tuple[int, str]]:
    """(line, what) of every import that reaches into ``siu_core`` anywhere but the plugin API."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "siu_core" and alias.name != API:
                    yield node.lineno, f"import {alias.name}"
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "siu_core":
                wrong = [a.name for a in node.names if a.name != "plugin"]
                if wrong:
                    yield node.lineno, f"from siu_core import {', '.join(wrong)}"
            elif node.module.split(".")[0] == "siu_core" and node.module != API:
                yield node.lineno, f"from {node.module} import ..."


def test_every_distribution_and_the_template_are_scanned() -> None:
    names = {p.name for p in shipped_packages()}
    assert {"siu_meta", "siu_whatsapp", "siu_facebook", "siu_instagram", "siu_telegram"} <= names
    labels = [label for label, _ in sources()]
    assert any(label.endswith("plugin.py.tmpl") for label in labels)
    assert len(labels) > 20


@pytest.mark.parametrize(("label", "source"), list(sources()), ids=lambda v: v if "\n" not in v else "")
def test_plugins_import_only_the_plugin_api_from_the_core(label: str, source: str) -> None:
    wrong = [f"line {line}: {what}" for line, what in core_imports(source)]
    assert not wrong, f"{label} imports from the core beyond {API}: {wrong}"


def test_the_scan_catches_each_way_of_reaching_into_the_core() -> None:
    source = ("import siu_core.models\nfrom siu_core import graph\nfrom siu_core.errors import X\n"
              "from siu_core import plugin\nfrom siu_core.plugin import hookimpl\nimport siu_core.plugin\n")
    assert [line for line, _ in core_imports(source)] == [1, 2, 3]


def test_the_core_imports_no_plugin() -> None:
    wrong = []
    for path in sorted((ROOT / "siu_core").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else [])
            wrong += [f"{path.relative_to(ROOT)}: {m}" for m in modules if m.split(".")[0] in PLUGIN_PACKAGES]
    assert not wrong


def test_the_api_exports_what_it_lists_and_everything_siu_core_exported_before() -> None:
    assert all(hasattr(plugin, name) for name in plugin.__all__)
    assert len(set(plugin.__all__)) == len(plugin.__all__)
    # Plugins written before siu_core.plugin imported these names from siu_core itself: they still resolve.
    before = {"CONTRACT_VERSION", "hookimpl", "InvalidReply", "MalformedPayload", "PermanentSendError", "RateLimited",
              "SendError", "SignatureError", "TransientSendError", "WindowClosed", "Attachment", "ChannelInfo",
              "ContactCard", "EditEvent", "Event", "HandshakeResponse", "Interaction", "Labels", "Location",
              "MediaContent", "MessageEvent", "Order", "OrderItem", "Participant", "PlatformError",
              "PlatformErrorEvent", "ReactionEvent", "Referral", "ReplyRequest", "ReplyWindowPolicy", "SendResult",
              "SimulatedMessage", "StatusEvent", "Story", "TemplateRef", "UnsendEvent", "WebhookRequest"}
    assert all(getattr(siu_core, name) is getattr(plugin, name) for name in before | set(plugin.__all__))
    with pytest.raises(AttributeError):
        siu_core.graph_get  # noqa: B018 - nothing else is reachable that way
    assert {"StandInResponse", "MissingSignature", "MissingSecret", "require_secret", "hookimpl",
            "CustomerProfile"} <= set(
        plugin.__all__)
