"""Docs that describe code are checked against it (Datasette-style meta-tests)."""

from __future__ import annotations

from siu_core import docgen, hookspecs


def test_hook_reference_in_docs_is_generated_from_the_hookspecs() -> None:
    text = docgen.DOC.read_text(encoding="utf-8")
    assert docgen.render(text) == text, "docs/plugins.md is stale: run `python -m siu_core.docgen`"


def test_every_hook_is_documented_with_its_signature() -> None:
    text = docgen.DOC.read_text(encoding="utf-8")
    for name in docgen.hook_names():
        assert f"### `{name}`" in text
        assert f"def {name}(" in text
    assert set(docgen.hook_names()) == {n for n in vars(hookspecs.ChannelSpec) if not n.startswith("_")}


def test_every_hook_has_a_docstring() -> None:
    for name in docgen.hook_names():
        assert (getattr(hookspecs.ChannelSpec, name).__doc__ or "").strip(), name
