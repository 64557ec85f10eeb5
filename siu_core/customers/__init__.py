"""Customers: one person across channels (record, handles, merges, suggestions). See docs/customers.md.

The names other features rely on (export and erase) are exported here: :class:`Handle`,
:func:`handles_of` and :func:`forget_customer` (``tables`` is the deployment's
:class:`~siu_core.aws.names.ResourceNames`, as :func:`siu_core.aws.names.resource_names` returns).
"""

from siu_core.customers.record import Handle, forget_customer, handles_of

__all__ = ["Handle", "forget_customer", "handles_of"]
