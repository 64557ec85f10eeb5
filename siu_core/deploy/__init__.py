"""Deploying siu to AWS: the connectors stack, Lambda artifacts, the deploy plan, IAM proof, cost.

Small modules, each importable on its own: :mod:`~siu_core.deploy.connectors` (the per-channel
template), :mod:`~siu_core.deploy.cfn` (reading and evaluating templates), :mod:`~siu_core.deploy.iam`
(what each role allows, what the code calls), :mod:`~siu_core.deploy.build` (artifacts),
:mod:`~siu_core.deploy.plan` (the contract-gated deploy), :mod:`~siu_core.deploy.cost` and
:mod:`~siu_core.deploy.prices` (the monthly bill), :mod:`~siu_core.deploy.validate` (offline SAM
translation and cfn-lint).
"""
