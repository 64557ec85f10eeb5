"""The Bedrock labeler: one Converse call for a batch of new messages, never fatal.

The messages of a batch go to the model in one call (:func:`~siu_core.labeling.prompt.split_batches`
splits a batch too big for one; those calls run concurrently) and come back as per-message labels
keyed by a batch-local id. Per message: up to ``max_attempts`` calls; an answer's good entries are
kept and only the messages without usable labels are asked again. Throttling and service errors
(``ThrottlingException``, ``ServiceUnavailableException``, ``ModelNotReadyException``, 5xx,
timeouts) are retried after a jittered backoff; unusable answers (schema errors, a topic outside
the taxonomy, a refusal, ``max_tokens``) are retried at once with a little sampling so the answer
can change. Answers that would come out the same (``content_filtered``, a guardrail) and client errors (access denied,
validation) are not retried. When the model gives nothing usable, the rule-based labeler answers
with ``fallback=True``: a message is never lost, nor raised, because of the model.

botocore's own retries are off (``total_max_attempts=1``): retrying in one place keeps the worst
case inside the Lambda's time budget (``budget_seconds``: no attempt starts that could end after
it) and lets invalid answers share the same bounded loop as throttling.

Errors that are neither the service's nor the network's (a bug, or VCR's "Can't play back this
request") are never retried; with ``strict=True`` (tests, the contract check) they are raised so a
missing cassette cannot hide behind the fallback.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from siu_core.labeling.output import InvalidOutput, Usage, parse_batch
from siu_core.labeling.prompt import TOOL_NAME, PromptSpec, local_ids, split_batches
from siu_core.labeling.rules import FALLBACK_NAME, OTHER, RuleLabeler
from siu_core.models import Labels

if TYPE_CHECKING:
    from siu_core.config import SiuConfig
    from siu_core.labeling import LabelInput

#: Service error codes worth another attempt after a pause.
TRANSIENT_ERROR_CODES = frozenset(
    {
        "ThrottlingException",
        "ServiceUnavailableException",
        "ModelNotReadyException",
        "InternalServerException",
        "ModelTimeoutException",
        "ModelErrorException",
    }
)

DEFAULT_MAX_WORKERS = 10
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_BUDGET_SECONDS = 20.0
CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 10.0  # a batch of 10 answers ~500 output tokens
BACKOFF_BASE = 0.5
BACKOFF_CAP = 4.0
#: The Powertools service whose logger the labeler's warnings go to (the labeler handler's).
LOG_SERVICE = "labeler"


@dataclass(frozen=True)
class Attempt:
    """One model call and what came of it (``ok``, or an error kind); ``detail`` is safe to log."""

    kind: str
    detail: str = ""
    retryable: bool = False


@dataclass(frozen=True)
class LabelOutcome:
    """The labels of one message plus how they were reached (for metrics, logs and tests)."""

    message_id: str
    labels: Labels
    attempts: tuple[Attempt, ...] = ()
    usage: Usage = field(default_factory=Usage)

    @property
    def model_calls(self) -> int:
        """How many Converse calls were made for this message."""
        return sum(1 for a in self.attempts if a.kind not in _NOT_CALLS)

    @property
    def errors(self) -> list[str]:
        """The error kinds of the failed attempts, in order."""
        return [a.kind for a in self.attempts if a.kind != "ok"]


def _transport_errors() -> tuple[type[BaseException], ...]:
    from botocore.exceptions import ConnectionClosedError, ReadTimeoutError
    from botocore.exceptions import ConnectionError as BotoConnectionError

    return (BotoConnectionError, ReadTimeoutError, ConnectionClosedError)


def last_resort_labels(item: LabelInput) -> Labels:
    """Labels that need no code that could fail: used only if the rules themselves fail."""
    return Labels(topic=OTHER, urgency="normal", language="und", summary="", labeler=FALLBACK_NAME, fallback=True)


class BedrockLabeler:
    """Labels new messages in batched Converse calls, falling back to rules per message."""

    def __init__(
        self,
        prompt: PromptSpec,
        fallback: RuleLabeler,
        *,
        client: Any | None = None,
        endpoint_url: str | None = None,
        max_workers: int = DEFAULT_MAX_WORKERS,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        budget_seconds: float = DEFAULT_BUDGET_SECONDS,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        strict: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        if max_workers < 1 or max_attempts < 1:
            raise ValueError("max_workers and max_attempts must be at least 1")
        if budget_seconds < read_timeout:
            raise ValueError("budget_seconds must leave room for one call (at least read_timeout)")
        self.prompt = prompt
        self.fallback = fallback
        self.name = f"bedrock:{prompt.model_id}"
        self.max_workers = max_workers
        self.max_attempts = max_attempts
        self.budget_seconds = budget_seconds
        self.strict = strict
        self._client = client
        self._endpoint_url = endpoint_url
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: SiuConfig, *, client: Any | None = None, **options: Any) -> BedrockLabeler:
        """The labeler of a deployment: its model id and taxonomy, its rules as the fallback."""
        return cls(PromptSpec.from_config(config), RuleLabeler.from_config(config), client=client, **options)

    # --- the client --------------------------------------------------------------------------------

    def client(self) -> Any:
        """The bedrock-runtime client, created on first use (never at import: moto/VCR must see it)."""
        with self._lock:
            if self._client is None:
                import boto3
                from botocore.config import Config

                config = Config(
                    connect_timeout=self._connect_timeout,
                    read_timeout=self._read_timeout,
                    retries={"total_max_attempts": 1, "mode": "standard"},
                    max_pool_connections=max(self.max_workers, 10),
                    tcp_keepalive=True,
                )
                self._client = boto3.client("bedrock-runtime", config=config, endpoint_url=self._endpoint_url)
            return self._client

    # --- labeling ----------------------------------------------------------------------------------

    def label_batch(self, items: Sequence[LabelInput]) -> list[Labels]:
        """Labels for every item, in order; one model call per batch (split calls run concurrently)."""
        return [outcome.labels for outcome in self.label_batch_detailed(items)]

    def label_batch_detailed(self, items: Sequence[LabelInput]) -> list[LabelOutcome]:
        """Like :meth:`label_batch`, with the attempts behind each label (metrics are emitted here)."""
        if not items:
            return []
        deadline = self._clock() + self.budget_seconds
        needs_model = [i for i, item in enumerate(items) if (item.text or "").strip()]
        outcomes: list[LabelOutcome | None] = [None] * len(items)
        for i, item in enumerate(items):
            if i not in needs_model:  # nothing to read: the rules say what was sent, no model call
                outcomes[i] = LabelOutcome(item.message_id, self._rules(item, fallback=False))
        if needs_model:
            try:
                client = self.client()
            except Exception as exc:
                if self.strict:
                    raise
                failed = (Attempt("client_unavailable", type(exc).__name__),)
                for i in needs_model:
                    outcomes[i] = self._fell_back(items[i], failed, Usage())
            else:
                todo = [items[i] for i in needs_model]
                groups = [[todo[i] for i in group] for group in split_batches(todo)]
                if len(groups) == 1:
                    results = [self._label_safely(client, groups[0], deadline)]
                else:
                    workers = min(self.max_workers, len(groups))
                    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="siu-label") as pool:
                        results = list(pool.map(lambda group: self._label_safely(client, group, deadline), groups))
                by_id = {o.message_id: o for result in results for o in result}
                for i in needs_model:
                    outcomes[i] = by_id[items[i].message_id]
        done = [o for o in outcomes if o is not None]
        _report(done, items)
        return done

    def _rules(self, item: LabelInput, *, fallback: bool) -> Labels:
        try:
            return self.fallback.label(item, fallback=fallback)
        except Exception:
            if self.strict:
                raise
            return last_resort_labels(item)

    def _fell_back(self, item: LabelInput, attempts: tuple[Attempt, ...], usage: Usage) -> LabelOutcome:
        return LabelOutcome(item.message_id, self._rules(item, fallback=True), attempts, usage)

    def _backoff(self, attempt: int) -> float:
        return self._rng.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 2)))

    def _label_safely(self, client: Any, group: Sequence[LabelInput], deadline: float) -> list[LabelOutcome]:
        """:meth:`_label_group`, with a net: a bug of ours costs the model labels, never the messages."""
        try:
            return self._label_group(client, group, deadline)
        except Exception as exc:
            if self.strict:
                raise
            failed = (Attempt("internal_error", type(exc).__name__),)
            return [self._fell_back(item, failed, Usage()) for item in group]

    def _label_group(self, client: Any, group: Sequence[LabelInput], deadline: float) -> list[LabelOutcome]:
        """Label the messages of one call until each has usable labels, the attempts run out, or time does.

        Each attempt sends the messages still without labels in one call; an answer's good entries
        are kept, its bad ones asked again (with a little sampling). A fault of the whole call is a
        failed attempt of every message in it. A call's tokens are shared among its messages.
        """
        attempts: dict[str, list[Attempt]] = {item.message_id: [] for item in group}
        spent: dict[str, Usage] = {item.message_id: Usage() for item in group}
        done: dict[str, LabelOutcome] = {}
        pending = list(group)
        resample = False
        last_kind = ""
        for attempt in range(1, self.max_attempts + 1):
            delay = self._backoff(attempt) if attempt > 1 and last_kind not in _UNUSABLE_ANSWERS else 0.0
            if self._clock() + delay + self._read_timeout > deadline:
                for item in pending:
                    attempts[item.message_id].append(Attempt("budget_exhausted"))
                break
            if delay:
                self._sleep(delay)
            try:
                response = client.converse(**self.prompt.request(pending, resample=resample))
            except Exception as exc:
                failure = self._classify(exc)
                last_kind = failure.kind
                for item in pending:
                    attempts[item.message_id].append(failure)
                if not failure.retryable:
                    break
                continue
            _share(Usage.of(response), pending, spent)
            ids = local_ids(len(pending))
            try:
                answer = parse_batch(response, mode=self.prompt.mode, tool_name=TOOL_NAME, ids=ids,
                                     topics=self.prompt.topics, labeler=self.name)
            except InvalidOutput as bad:
                last_kind, resample = bad.kind, True
                for item in pending:
                    attempts[item.message_id].append(Attempt(bad.kind, bad.detail, bad.retryable))
                if not bad.retryable:
                    break
                continue
            still: list[LabelInput] = []
            for local, item in zip(ids, pending, strict=True):
                key = item.message_id
                if local in answer.labels:
                    attempts[key].append(Attempt("ok"))
                    done[key] = LabelOutcome(key, answer.labels[local], tuple(attempts[key]), spent[key])
                    continue
                problem = answer.problems[local]
                attempts[key].append(Attempt(problem.kind, problem.detail, problem.retryable))
                if problem.retryable:
                    still.append(item)
                else:
                    done[key] = self._fell_back(item, tuple(attempts[key]), spent[key])
            pending = still
            if not pending:
                break
            last_kind, resample = "invalid_output", True
        for item in pending:
            done[item.message_id] = self._fell_back(item, tuple(attempts[item.message_id]), spent[item.message_id])
        return [done[item.message_id] for item in group]

    def _classify(self, exc: Exception) -> Attempt:
        """Whether a failed call is worth repeating; unknown errors are not (and raise when strict)."""
        from botocore.exceptions import ClientError

        if isinstance(exc, ClientError):
            error = exc.response.get("Error") or {}
            code = str(error.get("Code") or "ClientError")
            status = int((exc.response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
            retryable = code in TRANSIENT_ERROR_CODES or status == 429 or status >= 500
            return Attempt(code, f"HTTP {status}", retryable)
        if isinstance(exc, _transport_errors()):
            return Attempt("transport", type(exc).__name__, True)
        if self.strict:
            raise exc
        return Attempt("unexpected", type(exc).__name__, False)


def _share(usage: Usage, items: Sequence[LabelInput], spent: dict[str, Usage]) -> None:
    """Add a call's tokens to its messages' tallies, split evenly (the remainder to the first ones)."""
    count = len(items)
    for n, item in enumerate(items):
        extra_in = 1 if n < usage.input_tokens % count else 0
        extra_out = 1 if n < usage.output_tokens % count else 0
        before = spent[item.message_id]
        spent[item.message_id] = Usage(before.input_tokens + usage.input_tokens // count + extra_in,
                                       before.output_tokens + usage.output_tokens // count + extra_out)


#: Attempts recorded without a call having been made.
_NOT_CALLS = frozenset({"budget_exhausted", "client_unavailable"})
#: The service answered but the answer was unusable: retry at once, and resample.
_UNUSABLE_ANSWERS = frozenset({"invalid_output", "refusal", "max_tokens", "malformed"})


def _report(outcomes: Sequence[LabelOutcome], items: Sequence[LabelInput]) -> None:
    """Metrics and logs of a batch, from the calling thread (never message text)."""
    by_id = {item.message_id: item for item in items}
    errors: Counter[str] = Counter()
    fallbacks: Counter[str] = Counter()  # per channel: the fallback-labels alarm groups by channel
    for outcome in outcomes:
        errors.update(outcome.errors)
        if outcome.labels.fallback:
            item = by_id.get(outcome.message_id)
            fallbacks[item.channel if item is not None else "unknown"] += 1
    if not errors and not fallbacks:
        return
    from siu_core.obs import get_logger, metric

    for kind, count in sorted(errors.items()):
        metric("LabelerErrors", count, reason=kind)
    for channel, count in sorted(fallbacks.items()):
        metric("FallbackLabels", count, channel=channel)
    logger = get_logger(LOG_SERVICE)
    for outcome in outcomes:
        if outcome.labels.fallback:
            item = by_id.get(outcome.message_id)
            logger.warning(
                "model labels unavailable; rule-based fallback used",
                extra={
                    "message_id": outcome.message_id,
                    "channel": item.channel if item else None,
                    "attempts": [f"{a.kind}:{a.detail}" if a.detail else a.kind for a in outcome.attempts],
                },
            )
