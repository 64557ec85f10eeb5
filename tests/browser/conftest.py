"""Browser tests: Playwright drives Debian's Chromium against an in-process ``siu dev`` stack.

They skip, saying why, where ``/usr/bin/chromium`` or the Playwright package is missing (a laptop
without them still passes ``make test``); ``.ci/run`` installs Chromium so CI runs them.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, Inbox, running_inbox


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "browser tests need the playwright package (pip install -e '.[dev]')"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every browser test, with the reason, when the browser or its driver is not installed."""
    reason = _missing()
    if reason is None:
        return
    for item in items:
        if "tests/browser/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Inbox]:
    """The whole pipeline and the inbox on loopback (module-wide: it takes about two seconds to start)."""
    with running_inbox(tmp_path_factory.mktemp("siu-browser")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module (each test gets its own context: no shared storage)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh tab at desktop size; the test fails on any script error or policy violation in it."""
    context = browser.new_context(viewport={"width": 1400, "height": 860}, locale="en-GB",
                                  timezone_id="Asia/Singapore")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    tab.on("console", lambda msg: problems.append(f"console: {msg.text}")
           if msg.type == "error" and ("Content Security Policy" in msg.text or "Refused to" in msg.text) else None)
    try:
        yield tab
    finally:
        context.close()
    assert not problems, problems
