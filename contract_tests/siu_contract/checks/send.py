"""send_reply checks: each cassette replays with body matching and maps to its typed result or error."""

from __future__ import annotations

from pydantic import ValidationError

from siu_contract.checks import ContractViolation, pretty
from siu_contract.manifest import SendCase
from siu_contract.replay import TracingSession, recorded_interactions, replay, traffic_problems
from siu_contract.target import ChannelUnderTest
from siu_core.errors import (
    InvalidReply,
    PermanentSendError,
    RateLimited,
    SendError,
    TransientSendError,
    WindowClosed,
)
from siu_core.models import ReplyRequest, SendResult

#: The error type each non-success outcome must raise.
OUTCOME_ERRORS: dict[str, type[SendError]] = {
    "window_closed": WindowClosed,
    "rate_limited": RateLimited,
    "permanent": PermanentSendError,
    "invalid": InvalidReply,
    "transient": TransientSendError,
}
#: Every outcome a send case can name, in report order.
OUTCOMES = ("success", "window_closed", "rate_limited", "permanent", "transient", "invalid")
#: Outcomes every channel must cover with a case unless the manifest skips them with a reason.
MANDATORY_OUTCOMES = ("success", "window_closed", "rate_limited", "permanent")


def _outcome_problem(case: SendCase, result: SendResult | None, error: BaseException | None) -> str | None:
    if case.outcome == "success":
        if error is not None:
            return f"expected success, send_reply raised {type(error).__name__}: {error}"
        expected = SendResult.model_validate(case.result)
        if result != expected:
            got = result.model_dump(mode="json") if result is not None else None
            return f"expected result {pretty(expected.model_dump(mode='json'))}, got {pretty(got)}"
        return None
    wanted = OUTCOME_ERRORS[case.outcome]
    if error is None:
        return f"expected {wanted.__name__}, send_reply returned {result!r}"
    if not isinstance(error, wanted) or (case.outcome == "permanent" and isinstance(error, InvalidReply)):
        return f"expected {wanted.__name__}, send_reply raised {type(error).__name__}: {error}"
    if case.outcome == "rate_limited" and case.retry_after is not None:
        retry = getattr(error, "retry_after", None)
        if retry != case.retry_after:
            return f"expected RateLimited.retry_after == {case.retry_after}, got {retry}"
    return None


def check_send(t: ChannelUnderTest, case: SendCase) -> None:
    """Replay the case's cassette, call send_reply with a fresh session, and hold it to the recorded outcome."""
    path = t.fixtures.path(case.cassette)
    recorded = recorded_interactions(path)
    try:
        request = ReplyRequest.model_validate(case.request)
    except ValidationError as exc:
        raise ContractViolation(f"send case {case.id}: 'request' is not a valid ReplyRequest:\n{exc}") from None
    session = TracingSession()
    result: SendResult | None = None
    error: BaseException | None = None
    with replay(path, t.secrets) as cassette:
        try:
            result = t.channel.send_reply(request, t.secrets, session, t.settings)
        except Exception as exc:
            error = exc
    problems = traffic_problems(session, cassette, recorded)
    if error is not None and not isinstance(error, SendError) and not session.unmatched:
        error.add_note(f"siu contract: send_reply must raise a typed SendError (case {case.id}: {case.outcome})")
        raise error
    problem = None if session.unmatched else _outcome_problem(case, result, error)
    if problem:
        problems.insert(0, problem)
    if problems:
        why = f" ({case.why})" if case.why else ""
        raise ContractViolation(f"send case {case.id}{why}:\n" + "\n".join(problems))
