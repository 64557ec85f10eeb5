"""The Bedrock labeler: one Converse call per new message, concurrent within a batch, never fatal.

Per message: up to ``max_attempts`` calls. Throttling and service errors (``ThrottlingException``,
``ServiceUnavailableException``, ``ModelNotReadyException``, 5xx, timeouts) are retried after a
jittered backoff; unusable answers (schema errors, a topic outside the taxonomy, a refusal,
``max_tokens``) are retried at once with a little sampling so the answer can change. Answers that
would come out the same (``content_filtered``, a guardrail) and client errors (access denied,
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

from siu_core.labeling.output import InvalidOutput, Usage, parse_labels
from siu_core.labeling.prompt import TOOL_NAME, PromptSpec
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
READ_TIMEOUT = 8.0
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
    """Labels each new message with one Converse call, concurrently, falling back to rules."""

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
        """Labels for every item, in order; model calls of the batch run concurrently."""
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
                if len(todo) == 1:
                    results = [self._label_safely(client, todo[0], deadline)]
                else:
                    workers = min(self.max_workers, len(todo))
                    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="siu-label") as pool:
                        results = list(pool.map(lambda it: self._label_safely(client, it, deadline), todo))
                for i, result in zip(needs_model, results, strict=True):
                    outcomes[i] = result
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

    def _label_safely(self, client: Any, item: LabelInput, deadline: float) -> LabelOutcome:
        """:meth:`_label_one`, with a net: a bug of ours costs the model labels, never the message."""
        try:
            return self._label_one(client, item, deadline)
        except Exception as exc:
            if self.strict:
                raise
            return self._fell_back(item, (Attempt("internal_error", type(exc).__name__),), Usage())

    def _label_one(self, client: Any, item: LabelInput, deadline: float) -> LabelOutcome:
        """Call the model for one message until it answers usably, the attempts run out, or time does."""
        attempts: list[Attempt] = []
        input_tokens = output_tokens = 0
        for attempt in range(1, self.max_attempts + 1):
            delay = self._backoff(attempt) if attempts and attempts[-1].kind not in _UNUSABLE_ANSWERS else 0.0
            if self._clock() + delay + self._read_timeout > deadline:
                attempts.append(Attempt("budget_exhausted"))
                break
            if delay:
                self._sleep(delay)
            try:
                resample = any(a.kind in _UNUSABLE_ANSWERS for a in attempts)
                response = client.converse(**self.prompt.request(item, resample=resample))
            except Exception as exc:
                failure = self._classify(exc)
                attempts.append(failure)
                if not failure.retryable:
                    break
                continue
            usage = Usage.of(response)
            input_tokens += usage.input_tokens
            output_tokens += usage.output_tokens
            try:
                labels = parse_labels(response, tool_name=TOOL_NAME, topics=self.prompt.topics, labeler=self.name)
            except InvalidOutput as bad:
                attempts.append(Attempt(bad.kind, bad.detail, bad.retryable))
                if not bad.retryable:
                    break
                continue
            attempts.append(Attempt("ok"))
            return LabelOutcome(item.message_id, labels, tuple(attempts), Usage(input_tokens, output_tokens))
        return self._fell_back(item, tuple(attempts), Usage(input_tokens, output_tokens))

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


#: Attempts recorded without a call having been made.
_NOT_CALLS = frozenset({"budget_exhausted", "client_unavailable"})
#: The service answered but the answer was unusable: retry at once, and resample.
_UNUSABLE_ANSWERS = frozenset({"invalid_output", "refusal", "max_tokens", "malformed"})


def _report(outcomes: Sequence[LabelOutcome], items: Sequence[LabelInput]) -> None:
    """Metrics and logs of a batch, from the calling thread (never message text)."""
    by_id = {item.message_id: item for item in items}
    errors: Counter[str] = Counter()
    fallbacks: Counter[str] = Counter()  # per channel: the labeler error-rate alarms are per channel
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
