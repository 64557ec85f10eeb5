"""HTTP wiring of the customer routes (:mod:`siu_core.inbox.customers`) on the inbox's resolver."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response

    from siu_core.inbox.authz import Actor
    from siu_core.inbox.services import InboxServices

    Reply = Response[str]

#: The routes this module adds (listed in :data:`siu_core.inbox.routes.ENDPOINTS`, documented in docs/inbox-api.md).
ENDPOINTS: tuple[tuple[str, str], ...] = (
    ("GET", "/api/customers/{id}"), ("PUT", "/api/customers/{id}"), ("GET", "/api/customers/{id}/suggestions"),
    ("POST", "/api/customers/{id}/merge"), ("POST", "/api/customers/{id}/unmerge"),
    ("GET", "/api/threads/{id}/customer"),
)


def register(app: LambdaFunctionUrlResolver, services: Callable[[], InboxServices], actor: Callable[[], Actor],
             event: Callable[[], Mapping[str, Any]], json: Callable[[int, Any], Reply]) -> None:
    """Add the customer routes to the inbox's resolver (the checks run in the API's usual order)."""
    from siu_core.inbox import bodies, customers
    from siu_core.inbox.customer_bodies import CustomerEditBody, CustomerLinkBody

    @app.get("/api/customers/<person_id>")
    def get_customer(person_id: str) -> Reply:
        return json(200, customers.detail(services(), actor(), unquote(person_id)))

    @app.put("/api/customers/<person_id>")
    def put_customer(person_id: str) -> Reply:
        who = actor()
        body = bodies.parse_body(event(), CustomerEditBody)
        return json(200, customers.edit(services(), who, unquote(person_id), body))

    @app.get("/api/customers/<person_id>/suggestions")
    def get_suggestions(person_id: str) -> Reply:
        return json(200, customers.suggestions(services(), actor(), unquote(person_id)))

    @app.post("/api/customers/<person_id>/merge")
    def post_merge(person_id: str) -> Reply:
        who = actor()
        body = bodies.parse_body(event(), CustomerLinkBody)
        return json(200, customers.link(services(), who, "merge", unquote(person_id), body))

    @app.post("/api/customers/<person_id>/unmerge")
    def post_unmerge(person_id: str) -> Reply:
        who = actor()
        body = bodies.parse_body(event(), CustomerLinkBody)
        return json(200, customers.link(services(), who, "unmerge", unquote(person_id), body))

    @app.get("/api/threads/<thread_id>/customer")
    def get_thread_customer(thread_id: str) -> Reply:
        return json(200, customers.for_thread(services(), actor(), unquote(thread_id)))
