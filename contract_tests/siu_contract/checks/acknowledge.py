"""acknowledge checks (optional hook, contract 1.3): the answer to every normalize sample is a short 2xx.

A plugin without the hook is skipped with :data:`NO_HOOK` (the core answers a plain 200 for it).
"""

from __future__ import annotations

from siu_contract.checks import ContractViolation
from siu_contract.manifest import NormalizeCase
from siu_contract.target import ChannelUnderTest
from siu_core.models import Acknowledgement, MessageEvent, Unreadable

NO_HOOK = "the plugin implements no acknowledge hook (optional since contract 1.3): the core answers a plain 200"


def check_acknowledge(t: ChannelUnderTest, case: NormalizeCase) -> None:
    """The plugin's answer to a sample is None or a 2xx Acknowledgement that carries none of the customer's words."""
    body = t.fixtures.read_bytes(case.webhook)
    headers = t.headers(case.headers)
    request = t.request(body, headers)
    found = t.channel.normalize(body, headers, t.settings, account_id=t.manifest.account_id, request=request)
    events = [e for e in found if not isinstance(e, Unreadable)]  # the core sets those aside before answering
    answer = t.channel.acknowledge(request, events, t.settings)
    if answer is None:
        return
    if not isinstance(answer, Acknowledgement):
        raise ContractViolation(f"acknowledge[{case.id}]: returned {type(answer).__name__}, not Acknowledgement")
    words = [e.text for e in events if isinstance(e, MessageEvent) and e.text and len(e.text) >= 4]
    leaked = [w for w in words if w in answer.body]
    if leaked:
        raise ContractViolation(f"acknowledge[{case.id}]: the answer body repeats the customer's text {leaked[0]!r}")
    again = t.channel.acknowledge(request, events, t.settings)
    if again != answer:
        raise ContractViolation(f"acknowledge[{case.id}]: a second call answers differently ({again!r})")
