"""All DynamoDB and S3 access of the core: one module per table or concern.

Modules build requests through :mod:`siu_core.store.ddb`; handlers and pipeline steps call named
functions here and never build DynamoDB expressions themselves. Cross-table changes of a thread
(assignment + counter + audit in one transaction) live in :mod:`siu_core.store.lifecycle`.
"""
