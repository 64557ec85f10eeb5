"""The labeler's pipeline steps: place each event (dedupe, thread, label, route, reopen, annotate).

:mod:`siu_core.pipeline.ingest` processes a batch, :mod:`siu_core.pipeline.router` applies the pure
routing policy of :mod:`siu_core.routing` to the live roster, :mod:`siu_core.pipeline.reopen` decides
what a new message does to its customer's current thread. The Lambda handler
(:mod:`siu_core.handlers.labeler`) is a thin shell around them.
"""
