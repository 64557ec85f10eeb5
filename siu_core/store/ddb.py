"""DynamoDB mechanics shared by the table modules: typed values, transactions, batched reads, paging.

Table modules build request fragments with these helpers; nothing outside ``siu_core.store`` builds
a DynamoDB expression. Values go through :func:`to_ddb` / :func:`from_ddb` so floats become Decimals
on the way in and numbers come back as ``int`` (or ``float``) rather than ``Decimal``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from siu_core.aws import clients
from siu_core.errors import SiuError

#: One element of a TransactWriteItems request ({"Put": ...}, {"Update": ...}, ...).
TxItem = dict[str, Any]
Key = dict[str, Any]

MAX_TRANSACTION_ITEMS = 100
MAX_BATCH_GET_KEYS = 100


@cache
def _serializer() -> Any:
    from boto3.dynamodb.types import TypeSerializer

    return TypeSerializer()


@cache
def _deserializer() -> Any:
    from boto3.dynamodb.types import TypeDeserializer

    return TypeDeserializer()


def _prepare(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Mapping):
        return {str(k): _prepare(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_prepare(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, set):
        return {_plain(v) for v in value}
    return value


def to_ddb(value: Any) -> dict[str, Any]:
    """One Python value as a typed DynamoDB attribute value (None-valued map keys are dropped)."""
    result: dict[str, Any] = _serializer().serialize(_prepare(value))
    return result


def item(data: Mapping[str, Any]) -> dict[str, Any]:
    """A Python mapping as a DynamoDB item, skipping attributes whose value is None."""
    return {k: to_ddb(v) for k, v in data.items() if v is not None}


def from_ddb(raw: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A DynamoDB item as plain Python data (ints, floats, str, lists, dicts), or None."""
    if raw is None:
        return None
    return {k: _plain(_deserializer().deserialize(v)) for k, v in raw.items()}


def values(**named: Any) -> dict[str, Any]:
    """ExpressionAttributeValues from keyword arguments (``values(v=1)`` gives ``{":v": ...}``)."""
    return {f":{k}": to_ddb(v) for k, v in named.items()}


class TransactionConflict(SiuError):
    """A transaction was cancelled; ``failed`` lists the indexes whose condition did not hold."""

    def __init__(self, failed: list[int], codes: list[str], old: dict[int, dict[str, Any]]) -> None:
        super().__init__(f"transaction cancelled: conditions failed at {failed} ({codes})")
        self.failed = failed
        self.codes = codes
        self.old = old


#: Attempts of one TransactWriteItems that DynamoDB cancels only for contention with another
#: transaction on the same item (code ``TransactionConflict``); AWS advises retrying it with backoff.
CONTENTION_ATTEMPTS = 4
CONTENTION_BACKOFF_S = 0.025


def _written(items: Sequence[TxItem]) -> None:
    """After a write landed: move the inbox's change counter when it touched what the inbox shows."""
    from siu_core.aws.names import resource_names

    names = resource_names()
    shown = {names.threads, names.messages, names.assignments, names.roster}
    if any(body.get("TableName") in shown for op in items for body in op.values()):
        from siu_core.store import inbox_version

        inbox_version.bump()


def transact(items: Sequence[TxItem]) -> None:
    """Run TransactWriteItems; a failed condition raises TransactionConflict naming the items.

    A cancellation caused only by another transaction in flight on the same item is retried with
    jittered backoff (a cancelled transaction wrote nothing, so the same request is safe to repeat).
    """
    if not items:
        return
    if len(items) > MAX_TRANSACTION_ITEMS:
        raise ValueError(f"a transaction holds at most {MAX_TRANSACTION_ITEMS} items, not {len(items)}")
    client = clients.dynamodb()
    for attempt in range(CONTENTION_ATTEMPTS):
        try:
            client.transact_write_items(TransactItems=list(items))
            _written(items)
            return
        except client.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons") or []
            codes = [str(r.get("Code", "None")) for r in reasons]
            failed = [i for i, code in enumerate(codes) if code == "ConditionalCheckFailed"]
            if failed:
                old = {i: from_ddb(reasons[i].get("Item")) or {} for i in failed}
                raise TransactionConflict(failed, codes, old) from exc
            if "TransactionConflict" not in codes or attempt == CONTENTION_ATTEMPTS - 1:
                raise  # throttling, validation, or contention that outlasted the retries: the caller's retry
        time.sleep(random.uniform(0, CONTENTION_BACKOFF_S * 2**attempt))


@dataclass(frozen=True)
class GetRequest:
    """Keys to read from one table in a batched, strongly consistent read."""

    table: str
    keys: list[Key]


def batch_get(requests: Sequence[GetRequest]) -> dict[str, list[dict[str, Any]]]:
    """Strongly consistent BatchGetItem over several tables, following UnprocessedKeys; table -> items."""
    pending: dict[str, dict[str, Any]] = {}
    for req in requests:
        seen: set[str] = set()
        for key in req.keys:
            marker = repr(sorted(key.items()))
            if marker in seen:
                continue
            seen.add(marker)
            pending.setdefault(req.table, {"Keys": [], "ConsistentRead": True})["Keys"].append(
                {k: to_ddb(v) for k, v in key.items()}
            )
    out: dict[str, list[dict[str, Any]]] = {req.table: [] for req in requests}
    client = clients.dynamodb()
    # Split into requests of at most 100 keys, then follow UnprocessedKeys until none are left.
    queue: list[dict[str, dict[str, Any]]] = []
    chunk: dict[str, dict[str, Any]] = {}
    count = 0
    for table, spec in pending.items():
        for key in spec["Keys"]:
            if count == MAX_BATCH_GET_KEYS:
                queue.append(chunk)
                chunk, count = {}, 0
            chunk.setdefault(table, {"Keys": [], "ConsistentRead": True})["Keys"].append(key)
            count += 1
    if chunk:
        queue.append(chunk)
    attempts = 0
    while queue:
        request = queue.pop(0)
        response = client.batch_get_item(RequestItems=request)
        for table, raw_items in response.get("Responses", {}).items():
            out.setdefault(table, []).extend(from_ddb(r) or {} for r in raw_items)
        unprocessed = response.get("UnprocessedKeys") or {}
        if unprocessed:
            attempts += 1
            if attempts > 8:
                raise SiuError("BatchGetItem kept returning unprocessed keys (throttled)")
            _backoff(attempts)
            queue.append(unprocessed)
    return out


def _backoff(attempt: int) -> None:
    import random
    import time

    time.sleep(min(1.0, 0.02 * 2**attempt) * random.random())


def get(table: str, key: Key) -> dict[str, Any] | None:
    """One item by key, strongly consistent, or None."""
    response = clients.dynamodb().get_item(
        TableName=table, Key={k: to_ddb(v) for k, v in key.items()}, ConsistentRead=True
    )
    return from_ddb(response.get("Item"))


def query(table: str, *, index: str | None = None, key_condition: str, names: Mapping[str, str] | None = None,
          vals: Mapping[str, Any], forward: bool = True, limit: int | None = None,
          start: Key | None = None) -> tuple[list[dict[str, Any]], Key | None]:
    """One page of a Query: the items and the key to continue from (None at the end)."""
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": key_condition,
        "ExpressionAttributeValues": dict(vals),
        "ScanIndexForward": forward,
    }
    if names:
        request["ExpressionAttributeNames"] = dict(names)
    if index:
        request["IndexName"] = index
    if limit:
        request["Limit"] = limit
    if start:
        request["ExclusiveStartKey"] = start
    response = clients.dynamodb().query(**request)
    items = [from_ddb(r) or {} for r in response.get("Items", [])]
    return items, response.get("LastEvaluatedKey")


def query_all(table: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item of a Query, page after page."""
    start: Key | None = None
    while True:
        items, start = query(table, start=start, **kwargs)
        yield from items
        if not start:
            return


def scan_all(table: str) -> Iterator[dict[str, Any]]:
    """Every item of a (small) table: the roster and the load counters."""
    client = clients.dynamodb()
    request: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        response = client.scan(**request)
        for raw in response.get("Items", []):
            yield from_ddb(raw) or {}
        last = response.get("LastEvaluatedKey")
        if not last:
            return
        request["ExclusiveStartKey"] = last


# --- expressions -----------------------------------------------------------------------------------


class Expr:
    """Accumulates aliased attribute names and values so expressions never hit reserved words."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.vals: dict[str, Any] = {}
        self._n = 0

    def name(self, attr: str) -> str:
        """The alias of an attribute name (dotted paths become aliased segments)."""
        parts = []
        for segment in attr.split("."):
            alias = next((k for k, v in self.names.items() if v == segment), None)
            if alias is None:
                alias = f"#n{len(self.names)}"
                self.names[alias] = segment
            parts.append(alias)
        return ".".join(parts)

    def value(self, value: Any) -> str:
        """The placeholder of a value."""
        self._n += 1
        placeholder = f":v{self._n}"
        self.vals[placeholder] = to_ddb(value)
        return placeholder


@dataclass(frozen=True)
class Cond:
    """A condition expression over one item, composable with ``&`` and ``|``."""

    op: str
    attr: str = ""
    value: Any = None
    parts: tuple[Cond, ...] = ()

    @classmethod
    def eq(cls, attr: str, value: Any) -> Cond:
        """attr = value."""
        return cls("=", attr, value)

    @classmethod
    def lt(cls, attr: str, value: Any) -> Cond:
        """attr < value."""
        return cls("<", attr, value)

    @classmethod
    def le(cls, attr: str, value: Any) -> Cond:
        """attr <= value."""
        return cls("<=", attr, value)

    @classmethod
    def ge(cls, attr: str, value: Any) -> Cond:
        """attr >= value."""
        return cls(">=", attr, value)

    @classmethod
    def exists(cls, attr: str) -> Cond:
        """The attribute is present."""
        return cls("exists", attr)

    @classmethod
    def missing(cls, attr: str) -> Cond:
        """The attribute is absent (for the key attribute: the item does not exist)."""
        return cls("missing", attr)

    def __and__(self, other: Cond) -> Cond:
        return Cond("AND", parts=(self, other))

    def __or__(self, other: Cond) -> Cond:
        return Cond("OR", parts=(self, other))

    def render(self, expr: Expr) -> str:
        """The condition as expression text, registering names and values in ``expr``."""
        if self.op in ("AND", "OR"):
            return "(" + f" {self.op} ".join(p.render(expr) for p in self.parts) + ")"
        if self.op == "exists":
            return f"attribute_exists({expr.name(self.attr)})"
        if self.op == "missing":
            return f"attribute_not_exists({expr.name(self.attr)})"
        return f"{expr.name(self.attr)} {self.op} {expr.value(self.value)}"


def _conditional(body: dict[str, Any], condition: Cond | None) -> dict[str, Any]:
    """The request body with the condition rendered into it (unchanged without one)."""
    if condition is not None:
        expr = Expr()
        body["ConditionExpression"] = condition.render(expr)
        body["ExpressionAttributeNames"] = expr.names
        if expr.vals:
            body["ExpressionAttributeValues"] = expr.vals
    return body


def put_op(table: str, data: Mapping[str, Any], condition: Cond | None = None) -> TxItem:
    """A Put (for a transaction or :func:`run`), optionally conditional."""
    return {"Put": _conditional({"TableName": table, "Item": item(data)}, condition)}


def update_op(
    table: str,
    key: Key,
    *,
    set_: Mapping[str, Any] | None = None,
    set_if_missing: Mapping[str, Any] | None = None,
    add: Mapping[str, int | float] | None = None,
    remove: Sequence[str] = (),
    condition: Cond | None = None,
    append: Mapping[str, Sequence[Any]] | None = None,
) -> TxItem:
    """An Update: SET (None values are REMOVEd), SET-if-missing, ADD counters, REMOVE, list appends, condition."""
    expr = Expr()
    sets: list[str] = []
    removes = [expr.name(r) for r in remove]
    for attr, value in (set_ or {}).items():
        if value is None:
            removes.append(expr.name(attr))
        else:
            sets.append(f"{expr.name(attr)} = {expr.value(value)}")
    for attr, value in (set_if_missing or {}).items():
        alias = expr.name(attr)
        sets.append(f"{alias} = if_not_exists({alias}, {expr.value(value)})")
    for attr, items in (append or {}).items():
        alias = expr.name(attr)
        sets.append(f"{alias} = list_append(if_not_exists({alias}, {expr.value([])}), {expr.value(list(items))})")
    clauses = []
    if sets:
        clauses.append("SET " + ", ".join(sets))
    if add:
        clauses.append("ADD " + ", ".join(f"{expr.name(a)} {expr.value(v)}" for a, v in add.items()))
    if removes:
        clauses.append("REMOVE " + ", ".join(removes))
    if not clauses:
        raise ValueError("an update needs at least one SET, ADD or REMOVE")
    body: dict[str, Any] = {
        "TableName": table,
        "Key": {k: to_ddb(v) for k, v in key.items()},
        "UpdateExpression": " ".join(clauses),
    }
    if condition is not None:
        body["ConditionExpression"] = condition.render(expr)
    body["ExpressionAttributeNames"] = expr.names
    if expr.vals:
        body["ExpressionAttributeValues"] = expr.vals
    return {"Update": body}


def delete_op(table: str, key: Key, condition: Cond | None = None) -> TxItem:
    """A Delete (for a transaction), optionally conditional."""
    return {"Delete": _conditional({"TableName": table, "Key": {k: to_ddb(v) for k, v in key.items()}}, condition)}


def condition_check_op(table: str, key: Key, condition: Cond) -> TxItem:
    """A ConditionCheck: the transaction only commits if another item is as expected."""
    expr = Expr()
    body: dict[str, Any] = {
        "TableName": table,
        "Key": {k: to_ddb(v) for k, v in key.items()},
        "ConditionExpression": condition.render(expr),
        "ExpressionAttributeNames": expr.names,
    }
    if expr.vals:
        body["ExpressionAttributeValues"] = expr.vals
    return {"ConditionCheck": body}


class ConditionFailed(SiuError):
    """A single conditional write did not apply because its condition was false."""


def run(op: TxItem) -> dict[str, Any] | None:
    """Execute one Put or Update outside a transaction; ConditionFailed when its condition is false.

    Updates return the item as it is afterwards.
    """
    client = clients.dynamodb()
    try:
        if "Put" in op:
            client.put_item(**op["Put"])
            _written([op])
            return None
        if "Update" in op:
            response = client.update_item(**op["Update"], ReturnValues="ALL_NEW")
            _written([op])
            return from_ddb(response.get("Attributes"))
    except client.exceptions.ConditionalCheckFailedException as exc:
        raise ConditionFailed(str(exc)) from exc
    raise ValueError(f"cannot run {sorted(op)} outside a transaction")
