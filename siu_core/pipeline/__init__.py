"""The labeler's pipeline steps: place each event (dedupe, thread, label, route, reopen, annotate).

:mod:`siu_core.pipeline.decide` decides, from plain values, what an inbound message does (new
thread, follow-up, reopen, escalation, repeated content, routing); :mod:`siu_core.pipeline.ingest`
processes a batch and applies each decision in one conditional transaction;
:mod:`siu_core.pipeline.router` applies the pure routing policy of :mod:`siu_core.routing` to the
live roster and stamps due times by the one SLA rule, :func:`siu_core.sla.first_response_due`. The
Lambda handler (:mod:`siu_core.handlers.labeler`) is a thin shell around them.
"""
