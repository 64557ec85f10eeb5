"""message_templates checks (optional hook, contract 1.2): the template list reads through its cassette.

A plugin without the hook is skipped with :data:`NO_HOOK`; one with it must ship at least one case.
"""

from __future__ import annotations

from typing import Any

from siu_contract.checks import ContractViolation, pretty
from siu_contract.manifest import TemplatesCase
from siu_contract.replay import TracingSession, recorded_interactions, replay, traffic_problems
from siu_contract.target import ChannelUnderTest

NO_HOOK = "the plugin implements no message_templates hook (optional since contract 1.2): templates are not checked"
#: What each returned entry must carry, and the type of each value.
ENTRY_FIELDS: dict[str, tuple[type, ...]] = {
    "name": (str,), "language": (str,), "status": (str,), "category": (str, type(None)), "param_count": (int,),
}


def entry_problems(entries: Any) -> list[str]:
    """What is wrong with a returned list: not a list, missing or mistyped fields, lower-case status."""
    if not isinstance(entries, list):
        return [f"message_templates returned {type(entries).__name__}, expected a list (or None)"]
    problems = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(f"entry {i} is {type(entry).__name__}, expected an object")
            continue
        for key, types in ENTRY_FIELDS.items():
            value = entry.get(key)
            if not isinstance(value, types) or isinstance(value, bool) or (isinstance(value, str) and not value):
                problems.append(f"entry {i}: {key!r} is {value!r}, expected {' or '.join(t.__name__ for t in types)}")
        status, count = entry.get("status"), entry.get("param_count")
        if isinstance(status, str) and status != status.upper():
            problems.append(f"entry {i}: status {status!r} must be upper case (APPROVED, PENDING, ...)")
        if isinstance(count, int) and count < 0:
            problems.append(f"entry {i}: param_count {count} is negative")
    return problems


def check_templates(t: ChannelUnderTest, case: TemplatesCase) -> None:
    """Replay the cassette through a fresh session: the list has the contract's shape and the expected entries."""
    path = t.fixtures.path(case.cassette)
    recorded = recorded_interactions(path)
    session = TracingSession()
    with replay(path, t.secrets) as cassette:
        try:
            entries = t.channel.message_templates(t.secrets, session, t.settings)
        except Exception as exc:
            if session.unmatched:
                raise ContractViolation(f"templates case {case.id}: a request is not in the cassette") from exc
            raise
    problems = traffic_problems(session, cassette, recorded)
    problems += entry_problems(entries)
    if not problems and entries != case.expected:
        problems.append(f"expected {pretty(case.expected)}, got {pretty(entries)}")
    if problems:
        raise ContractViolation(f"templates case {case.id}:\n" + "\n".join(problems))

