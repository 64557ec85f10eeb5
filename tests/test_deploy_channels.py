"""A channel that is not Meta-shaped deploys (and runs under ``siu dev``) like the Meta ones.

Nothing in the deploy may name a platform: ``siu deploy --channels line,twilio`` gets a Function URL,
a secret holding the fields each plugin declares, its settings (``public_url`` included) and the
contract gate for exactly those channels.
"""

from __future__ import annotations

import json

from form_channel import NAME, form_registry

from siu_core.config import example_config, parse_config
from siu_core.deploy import plan as p
from siu_core.deploy.connectors import connectors_template
from siu_core.deploy.stacks import core_template
from siu_core.dev.stack import account_id_for, dev_secret_values

CHANNELS = ["line", "twilio"]
FIELDS = {"line": ["channel_secret", "channel_access_token"], "twilio": ["account_sid", "auth_token"]}
PUBLIC = "https://hooks.example.com/siu/twilio"


def config_with_settings() -> object:
    data = example_config().model_dump()
    data["channels"] = {"twilio": {"public_url": PUBLIC}}
    return parse_config(data)


def test_each_new_channel_gets_a_function_url_a_secret_with_its_fields_and_its_settings() -> None:
    template = connectors_template(CHANNELS, FIELDS)
    resources, outputs = template["Resources"], template["Outputs"]
    for name, stem in (("line", "Line"), ("twilio", "Twilio")):
        function = resources[f"{stem}ConnectorFunction"]["Properties"]
        assert function["FunctionUrlConfig"] == {"AuthType": "NONE"}
        assert function["Environment"]["Variables"]["SIU_CHANNEL"] == name
        assert function["Environment"]["Variables"]["SIU_CHANNEL_SETTINGS"] == {"Ref": f"{stem}Settings"}
        # pydantic's plugin discovery (a scan of every distribution at cold start) is off in the connector.
        assert function["Environment"]["Variables"]["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
        assert outputs[f"{stem}WebhookUrl"]["Value"] == {"Fn::GetAtt": [f"{stem}ConnectorFunctionUrl", "FunctionUrl"]}
        secret = outputs[f"{stem}SecretName"]  # a SecureString `siu deploy` creates (CloudFormation cannot)
        assert secret["Value"] == {"Fn::Sub": "/${NamePrefix}/secrets/" + name}
        assert all(field in secret["Description"] for field in FIELDS[name])
        assert f"{stem}SecretReaders" in resources


def test_the_plan_gates_exactly_those_channels_and_passes_their_settings() -> None:
    steps = p.plan(CHANNELS, config_with_settings())
    assert steps.contract.argv[-3:] == ("line", "twilio", "labeler")
    assert steps.core_parameters["Channels"] == "line,twilio"
    assert json.loads(steps.connectors_parameters["TwilioSettings"]) == {"public_url": PUBLIC}
    assert steps.connectors_parameters["LineSettings"] == ""
    declared = connectors_template(CHANNELS, FIELDS)["Parameters"]
    assert set(steps.connectors_parameters) <= set(declared)


def test_the_core_stack_names_no_platform() -> None:
    text = json.dumps(core_template()).lower()
    assert not [w for w in ("whatsapp", "instagram", "facebook", "messenger", "telegram") if w in text]


def test_siu_dev_makes_up_every_declared_secret_of_any_plugin() -> None:
    channel = form_registry().get(NAME)
    first, second = dev_secret_values(channel), dev_secret_values(channel)
    assert set(first) == {"account_sid", "auth_token"}
    assert first["account_sid"] == second["account_sid"] == account_id_for(channel, first)  # the account: stable
    assert first["auth_token"] != second["auth_token"] and first["auth_token"].startswith("dev-formfake-auth-token-")
