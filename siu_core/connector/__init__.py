"""The connector's parts, one concern each; ``siu_core.handlers.connector`` wires them per request.

- :mod:`~siu_core.connector.request`: the Function URL request (method, raw body, query) and answers;
- :mod:`~siu_core.connector.inbound`: the request the plugin's hooks see (public URL, parsed form), its answer;
- :mod:`~siu_core.connector.bodies`: events -> queue bodies (JSON, ASCII-safe), their logged ids;
- :mod:`~siu_core.connector.pointer`: an event too big for the queue, stored and pointed at;
- :mod:`~siu_core.connector.queue`: bodies -> SendMessageBatch calls, with retries;
- :mod:`~siu_core.connector.signature`: the signature check, re-reading a rotated secret once;
- :mod:`~siu_core.connector.settings`: the deployment's settings overrides (`$SIU_CHANNEL_SETTINGS`).

Importing this package switches pydantic's plugin discovery off for the process unless the environment
says otherwise: it scans every installed distribution's entry points the first time a model is built
(tens of milliseconds of a connector's cold start), and siu uses no pydantic plugin. The deployed
connector sets ``PYDANTIC_DISABLE_PLUGINS`` in its environment too.
"""

import os

#: pydantic reads this when it first builds a model (pydantic.plugin._loader), so it must be set before.
PYDANTIC_PLUGINS_ENV = "PYDANTIC_DISABLE_PLUGINS"
os.environ.setdefault(PYDANTIC_PLUGINS_ENV, "__all__")
