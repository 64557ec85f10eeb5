"""The core knows no platform: no module under ``siu_core`` names one; the plugins declare what is theirs.

Platform knowledge lives in the plugins as data the core reads (``ChannelInfo.secret_patterns`` for the
cassette scans, ``display_name``, ``simulate_webhook`` for scenarios). The few exceptions below are listed
with their reason, and the list can only shrink: an exception that no longer names a platform fails too.
"""

from __future__ import annotations

import re
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "siu_core"
PLATFORM = re.compile(r"whatsapp|instagram|messenger|facebook|telegram|graph\.facebook", re.IGNORECASE)

#: Module (relative to siu_core) -> why it may still name a platform.
EXCEPTIONS: dict[str, str] = {
    "hookspecs.py": "the hook documentation (docs/plugins.md is generated from it) cites the platform that "
                    "motivated a contract feature, as an example",
}


def core_modules() -> list[Path]:
    return sorted(p for p in CORE.rglob("*.py") if "__pycache__" not in p.parts)


def naming_lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [f"{number}: {line.strip()}" for number, line in enumerate(lines, start=1) if PLATFORM.search(line)]


def test_no_core_module_names_a_platform() -> None:
    offenders = {
        rel: found
        for path in core_modules()
        if (rel := path.relative_to(CORE).as_posix()) not in EXCEPTIONS and (found := naming_lines(path))
    }
    assert offenders == {}, "move platform knowledge into the plugin (as ChannelInfo data or a hook):\n" + "\n".join(
        f"siu_core/{rel}:{line}" for rel, found in offenders.items() for line in found
    )


def test_every_exception_is_still_needed() -> None:
    stale = [rel for rel in EXCEPTIONS if not (CORE / rel).is_file() or not naming_lines(CORE / rel)]
    assert stale == [], f"no longer names a platform: remove from EXCEPTIONS: {stale}"


def test_the_check_would_catch_a_platform_name() -> None:
    assert PLATFORM.search('base = {"WhatsApp": 659}') and PLATFORM.search("https://graph.facebook.com/v25.0")
    assert not PLATFORM.search("channel.info.display_name")
