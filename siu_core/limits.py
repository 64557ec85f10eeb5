"""Size limits the core enforces on what platforms send it, the same for every channel."""

#: The largest webhook body a connector reads (the largest any supported platform sends is 3 MB, plus
#: headroom); a bigger one is answered 413 before any plugin sees it.
MAX_WEBHOOK_BODY_BYTES = 4 * 1024 * 1024
