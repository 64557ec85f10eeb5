"""siu, the social inbox unifier: the core.

The public API for channel plugins is :mod:`siu_core.plugin`: a plugin imports from it and from no
other ``siu_core`` module. Its names still resolve on ``siu_core`` itself, for plugins written before.
"""

import warnings
from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# The Lambda artifacts leave out requests' character-set guesser (siu_core.deploy.build.UNNEEDED_ON_LAMBDA:
# every API siu calls answers JSON, and requests falls back to UTF-8 without it); requests would say so
# in a warning at every cold start of a function that sends. That one warning is expected: silence it.
warnings.filterwarnings("ignore", message="Unable to find acceptable character detection dependency",
                        module="requests")


def __getattr__(name: str) -> Any:
    """Names plugins imported from ``siu_core`` before :mod:`siu_core.plugin` existed: served from it, lazily."""
    if name.startswith("__"):
        raise AttributeError(name)
    plugin = import_module("siu_core.plugin")
    if name in plugin.__all__:
        return getattr(plugin, name)
    raise AttributeError(f"module 'siu_core' has no attribute {name!r}")
