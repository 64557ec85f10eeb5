"""The inbox UI's first load stays small: everything ``index.html`` pulls in, gzipped, under 200 KB."""

from __future__ import annotations

import re
from collections.abc import Iterable

from siu_core import ui

BUDGET_BYTES = 200 * 1024
PREFIX = "/inbox/"


def _body(name: str, encoding: str | None = "gzip") -> bytes:
    found = ui.asset(name, accept_encoding=encoding)
    assert found is not None, name
    return found[2]


def _page_refs(html: str) -> list[str]:
    """What the page itself loads: scripts, stylesheets, module preloads, its icon."""
    refs = re.findall(r"""<(?:script|link)\b[^>]*?\b(?:src|href)=["']([^"']+)["']""", html)
    out = []
    for ref in refs:
        assert ref.startswith(PREFIX), f"{ref} is not served by the inbox (absolute /inbox/ paths only)"
        out.append(ref[len(PREFIX):])
    return out


def _imports(js: str) -> list[str]:
    return re.findall(r"""(?:from|import)\s+["']\./([^"']+)["']""", js)


def first_load() -> dict[str, int]:
    """Bytes transferred (gzipped) for each file the first visit fetches, the page included."""
    page = _body("index.html", None).decode("utf-8")
    sizes = {"index.html": len(_body("index.html"))}
    queue: list[str] = list(_page_refs(page))
    while queue:
        name = queue.pop()
        if name in sizes:
            continue
        body = _body(name)
        sizes[name] = len(body)
        if name.endswith(".js"):
            queue.extend(_imports(_body(name, None).decode("utf-8")))
    return sizes


def _module_graph(roots: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(_imports(_body(name, None).decode("utf-8")))
    return seen


def test_first_load_is_under_200_kb_gzipped() -> None:
    sizes = first_load()
    total = sum(sizes.values())
    print(f"first load: {total} bytes gzipped in {len(sizes)} files: {sizes}")
    assert {"index.html", "app.js", "app.css", "api.js", "thread.js"} <= set(sizes)
    assert total < BUDGET_BYTES, f"first load is {total} bytes: over the {BUDGET_BYTES} budget"


def lazy_loads() -> dict[str, int]:
    """Bytes (gzipped) of the modules a page loads only when a view needs them (``import("./x.js")``)."""
    names = {target for name in ui.names() if name.endswith(".js")
             for target in re.findall(r"""\bimport\(\s*["']\./([^"']+)["']\s*\)""", _body(name, None).decode("utf-8"))}
    return {name: len(_body(name)) for name in names}


def test_every_shipped_file_is_part_of_the_page() -> None:
    """No dead weight: each asset is reachable from the page (and so counted by the budget), or loaded by a view."""
    assert set(first_load()) | set(lazy_loads()) == set(ui.names())


def test_the_page_and_what_its_views_load_later_stay_under_the_budget() -> None:
    lazy = lazy_loads()
    assert "chartjs.js" in lazy  # the reports page's charting library is not part of the first load
    assert not set(lazy) & set(first_load())
    assert sum(first_load().values()) + sum(lazy.values()) < BUDGET_BYTES


def test_every_module_is_preloaded_so_the_first_load_has_no_waterfall() -> None:
    page = _body("index.html", None).decode("utf-8")
    preloaded = set(re.findall(r'rel="modulepreload" href="/inbox/([^"]+)"', page))
    graph = _module_graph(["app.js"])
    assert graph - {"app.js"} <= preloaded, f"not preloaded: {sorted(graph - {'app.js'} - preloaded)}"
    assert preloaded <= graph, f"preloaded but never imported: {sorted(preloaded - graph)}"
