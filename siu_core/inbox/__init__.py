"""The inbox API: what teammates and admins do all day, over HTTP (a Lambda Function URL).

One module per concern: :mod:`~siu_core.inbox.routes` (HTTP wiring), :mod:`~siu_core.inbox.authz`
(who may do what, pure), :mod:`~siu_core.inbox.bodies` (request bodies), :mod:`~siu_core.inbox.views`
(JSON shapes, pure), :mod:`~siu_core.inbox.reads` (queue and thread reads), :mod:`~siu_core.inbox.reply`
(the reply path), :mod:`~siu_core.inbox.actions` (reassign, close, claim, label corrections) and
:mod:`~siu_core.inbox.admin` (roster and audit). The Lambda handler is :mod:`siu_core.handlers.inbox`.
"""
