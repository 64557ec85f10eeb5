"""Find a channel's shipped fixtures through its entry point and load its manifest strictly."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

from pydantic import ValidationError

from siu_contract.manifest import MANIFEST_DIR, MANIFEST_FILE, Manifest
from siu_core.plugins import ENTRY_POINT_GROUP, ONLY_ENV


class ManifestError(Exception):
    """The manifest is missing, unreadable or breaks the manifest model; the message says where."""


def channel_entry_points() -> dict[str, list[metadata.EntryPoint]]:
    """Installed ``siu.channels`` entry points by channel name (a list: duplicates are a load failure)."""
    found: dict[str, list[metadata.EntryPoint]] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, []).append(ep)
    return found


def installed_channels() -> list[str]:
    """Channel names the suite can test: every installed entry point, narrowed by ``$SIU_CHANNELS``."""
    names = set(channel_entry_points())
    only = {part.strip() for part in os.environ.get(ONLY_ENV, "").split(",") if part.strip()}
    return sorted(names & only if only else names)


def manifest_path_for(ep: metadata.EntryPoint) -> Path:
    """``<top-level package of the entry point's module>/contract/manifest.json``, as an installed file."""
    package = ep.module.split(".")[0]
    try:
        root = resources.files(package)
    except (ModuleNotFoundError, TypeError) as exc:
        raise ManifestError(f"cannot locate package {package!r} of entry point {ep.value!r}: {exc}") from exc
    path = Path(str(root)) / MANIFEST_DIR / MANIFEST_FILE
    if not path.is_file():
        raise ManifestError(
            f"no {MANIFEST_DIR}/{MANIFEST_FILE} in package {package!r} ({path}); "
            "ship the contract fixtures inside the plugin's wheel"
        )
    return path


def _readable(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "<root>"
        lines.append(f"  {where}: {err['msg']}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Fixtures:
    """A validated manifest and the folder its relative paths point into."""

    root: Path
    manifest: Manifest

    @property
    def manifest_path(self) -> Path:
        """Where the manifest was read from (for reports)."""
        return self.root / MANIFEST_FILE

    def path(self, relative: str) -> Path:
        """A fixture file by its manifest path; refuses paths that leave the fixture folder."""
        resolved = (self.root / relative).resolve()
        if not resolved.is_relative_to(self.root.resolve()):
            raise ManifestError(f"fixture path {relative!r} leaves the fixture folder")
        return resolved

    def read_bytes(self, relative: str) -> bytes:
        """The exact bytes of a fixture file (bodies are signed byte for byte: nothing is stripped)."""
        return self.path(relative).read_bytes()

    def read_json(self, relative: str) -> object:
        """A JSON fixture file, parsed."""
        try:
            return json.loads(self.read_bytes(relative))
        except ValueError as exc:
            raise ManifestError(f"{relative}: not valid JSON ({exc})") from exc

    def referenced_files(self) -> list[str]:
        """Every file the manifest names, in manifest order, without repeats."""
        m = self.manifest
        refs: list[str] = []
        refs += [s.body for s in m.signature.valid] + [s.body for s in m.signature.invalid]
        for case in m.normalize:
            refs += [case.webhook, case.expected]
        refs += list(m.unknown) + list(m.malformed)
        if m.shapes is not None:
            refs += [c.webhook for c in (m.shapes.edit, m.shapes.deletion, m.shapes.unknown_kind) if c.webhook]
        refs += [c.cassette for c in m.send] + [c.cassette for c in m.media]
        return list(dict.fromkeys(refs))


def load_fixtures(manifest_path: Path, channel: str | None = None) -> Fixtures:
    """Parse and strictly validate a manifest; every problem is reported at once in a ManifestError."""
    try:
        raw = json.loads(manifest_path.read_bytes())
    except OSError as exc:
        raise ManifestError(f"cannot read {manifest_path}: {exc}") from exc
    except ValueError as exc:
        raise ManifestError(f"{manifest_path}: not valid JSON ({exc})") from exc
    try:
        manifest = Manifest.model_validate(raw)
    except ValidationError as exc:
        raise ManifestError(f"{manifest_path} breaks the manifest contract:\n{_readable(exc)}") from None
    fixtures = Fixtures(root=manifest_path.parent, manifest=manifest)
    problems: list[str] = []
    if channel is not None and manifest.channel != channel:
        problems.append(f"manifest is for channel {manifest.channel!r}, not {channel!r}")
    for kind, ids in (
        ("normalize", [c.id for c in manifest.normalize]),
        ("send", [c.id for c in manifest.send]),
        ("media", [c.id for c in manifest.media]),
    ):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            problems.append(f"duplicate {kind} case id(s): {', '.join(dupes)}")
    for relative in fixtures.referenced_files():
        try:
            if not fixtures.path(relative).is_file():
                problems.append(f"missing fixture file {relative!r}")
        except ManifestError as exc:
            problems.append(str(exc))
    if problems:
        raise ManifestError(f"{manifest_path}:\n" + "\n".join(f"  {p}" for p in problems))
    return fixtures
