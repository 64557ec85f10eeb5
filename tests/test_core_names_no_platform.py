"""The core knows no platform: no module under ``siu_core`` names one; the plugins declare what is theirs.

Platform knowledge lives in the plugins as data the core reads (``ChannelInfo.secret_patterns`` for the
cassette scans, ``display_name`` and the inbox's display fields, ``simulate_webhook`` for scenarios).
The inbox page counts as core: its JavaScript, HTML and CSS get every channel's name, icon, colour and
reply-window wording from ``GET /api/me`` (``siu_core/ui/channels.js``). The few exceptions below are listed
with their reason, and the list can only shrink: an exception that no longer names a platform fails too.
"""

from __future__ import annotations

import re
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "siu_core"
PLATFORM = re.compile(r"whatsapp|instagram|messenger|facebook|telegram|twilio|twiml|graph\.facebook", re.IGNORECASE)

#: Module (relative to siu_core) -> why it may still name a platform.
EXCEPTIONS: dict[str, str] = {
    "hookspecs.py": "the hook documentation (docs/plugins.md is generated from it) cites the platform that "
                    "motivated a contract feature, as an example",
}


#: What the core is written in: Python, and the inbox page's scripts, markup and styles.
SOURCE_SUFFIXES = {".py", ".js", ".html", ".css"}
#: Vendored third-party files, checked by their own project (and naming no platform today).
VENDORED = {"ui/chartjs.js"}


def core_modules() -> list[Path]:
    return sorted(
        p for p in CORE.rglob("*")
        if p.suffix in SOURCE_SUFFIXES and "__pycache__" not in p.parts
        and p.relative_to(CORE).as_posix() not in VENDORED
    )


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


def test_the_inbox_page_is_checked() -> None:
    checked = {p.relative_to(CORE).as_posix() for p in core_modules()}
    assert {"ui/channels.js", "ui/composer.js", "ui/index.html", "ui/app.css"} <= checked
    assert "ui/chartjs.js" not in checked
