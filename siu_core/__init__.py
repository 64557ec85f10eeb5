"""siu, the social inbox unifier: the core.

The public API for channel plugins is :mod:`siu_core.plugin`: a plugin imports from it and from no
other ``siu_core`` module. Its names still resolve on ``siu_core`` itself, for plugins written before.
"""

from importlib import import_module
from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Names plugins imported from ``siu_core`` before :mod:`siu_core.plugin` existed: served from it, lazily."""
    if name.startswith("__"):
        raise AttributeError(name)
    plugin = import_module("siu_core.plugin")
    if name in plugin.__all__:
        return getattr(plugin, name)
    raise AttributeError(f"module 'siu_core' has no attribute {name!r}")
