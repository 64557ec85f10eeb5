"""The plugin API is cheap to import: a plugin module's ``from siu_core.plugin import ...`` loads no pydantic.

The connector's cold start pays for every module its plugin imports; the names of ``siu_core.plugin``
are served lazily (module ``__getattr__``), so only a name that is a model imports the models. Checked
in a fresh interpreter (``sys.modules`` of this one already holds everything).
"""

from __future__ import annotations

import json
import subprocess
import sys

from siu_core import plugin

PROBE = """
import json, sys
from siu_core.plugin import CONTRACT_VERSION, MalformedPayload, MessageEventData, hookimpl, require_secret, utc_text
before = "pydantic" in sys.modules
from siu_core.plugin import MessageEvent
print(json.dumps({"before": before, "after": "pydantic" in sys.modules, "version": CONTRACT_VERSION}))
"""


def test_importing_hook_markers_errors_and_event_mappings_loads_no_pydantic() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    found = json.loads(out.stdout)
    assert found == {"before": False, "after": True, "version": plugin.CONTRACT_VERSION}


def test_every_exported_name_resolves_and_an_unknown_one_is_an_attribute_error() -> None:
    for name in plugin.__all__:
        assert getattr(plugin, name) is not None, name
    try:
        plugin.NoSuchName  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchName" in str(exc)
    else:
        raise AssertionError("an unknown name resolved")
