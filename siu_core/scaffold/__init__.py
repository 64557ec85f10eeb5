"""``siu new-channel``'s generator: render the plugin-distribution template for a new channel.

Pure file rendering, no plugin loading: :func:`check_name` says whether a name can be a channel,
:func:`render` writes the files. Templates live in ``template/`` (shipped in the wheel); a path
part ``{package}`` becomes the plugin's package, ``.tmpl`` is dropped, and ``$name``-style
placeholders are filled with :class:`string.Template` (a misspelled placeholder fails loudly).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from siu_core import __version__ as core_version
from siu_core.event_data import CHANNEL_NAME_PATTERN
from siu_core.hookspecs import CONTRACT_VERSION

TEMPLATE_SUFFIX = ".tmpl"
#: File names that cannot be shipped as themselves inside a package (hidden files).
RENAMES = {"gitignore": ".gitignore"}
MAX_NAME_LENGTH = 64


class ScaffoldError(ValueError):
    """The name or the target directory cannot be used; the message says why."""


@dataclass(frozen=True)
class Names:
    """Every spelling of the new channel the template needs."""

    name: str
    display_name: str

    @property
    def package(self) -> str:
        """The import package: ``siu_<name>``."""
        return f"siu_{self.name}"

    @property
    def distribution(self) -> str:
        """The PyPI distribution: ``siu-<name>`` (underscores as hyphens, as PyPI normalizes them)."""
        return "siu-" + self.name.replace("_", "-")

    def substitutions(self) -> dict[str, str]:
        """The values ``$placeholders`` in the templates take."""
        major, minor = (int(p) for p in core_version.split(".")[:2])
        return {
            "name": self.name,
            "display_name": self.display_name,
            "package": self.package,
            "distribution": self.distribution,
            "core_requirement": f"siu-core>={major}.{minor},<{major}.{minor + 1}" if major == 0
            else f"siu-core>={major}.{minor},<{major + 1}",
            "contract_version": CONTRACT_VERSION,
            "contract_requirement": f"siu-contract>={major}.{minor}",
        }


def check_name(name: str, installed: set[str] | frozenset[str] = frozenset()) -> None:
    """Refuse a name that cannot be an entry-point channel name, or that an installed plugin already uses."""
    if not re.fullmatch(CHANNEL_NAME_PATTERN, name) or len(name) > MAX_NAME_LENGTH:
        raise ScaffoldError(
            f"{name!r} is not a channel name: use lowercase letters, digits and underscores, starting with a "
            f"letter (at most {MAX_NAME_LENGTH} characters), e.g. 'acme_chat' or 'line_works'"
        )
    if name in installed:
        raise ScaffoldError(f"a channel named {name!r} is already installed: pick another name")


def default_display_name(name: str) -> str:
    """``line_works`` -> ``Line Works``: a readable default for ``ChannelInfo.display_name``."""
    return " ".join(part.capitalize() for part in name.split("_") if part)


def template_root() -> Traversable:
    """The template tree, wherever siu-core is installed (a checkout, a wheel, a zip)."""
    return resources.files(__package__).joinpath("template")


def _walk(node: Traversable, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Traversable]]:
    out: list[tuple[tuple[str, ...], Traversable]] = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name == "__pycache__":
            continue
        if child.is_dir():
            out += _walk(child, (*prefix, child.name))
        elif child.name.endswith(TEMPLATE_SUFFIX):
            out.append(((*prefix, child.name), child))
    return out


def plan(names: Names) -> dict[str, str]:
    """Relative path -> rendered text of every file of the new distribution (nothing written)."""
    values = names.substitutions()
    files: dict[str, str] = {}
    for parts, source in _walk(template_root()):
        *dirs, filename = parts
        filename = filename[: -len(TEMPLATE_SUFFIX)]
        filename = RENAMES.get(filename, filename)
        relative = "/".join([*(d.replace("{package}", names.package) for d in dirs), filename])
        try:
            files[relative] = string.Template(source.read_text(encoding="utf-8")).substitute(values)
        except (KeyError, ValueError) as exc:  # a template bug, not the user's: say which file
            raise ScaffoldError(f"template {'/'.join(parts)} has a bad placeholder: {exc}") from exc
    return files


def render(names: Names, target: Path) -> list[Path]:
    """Write the distribution into ``target`` (created; refused when it exists and is not empty)."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target} exists and is not an empty directory: nothing was written")
    files = plan(names)
    written: list[Path] = []
    for relative, text in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
