"""A customer's data on request: export it (access), erase it, and the retention periods that expire it."""
