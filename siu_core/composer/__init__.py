"""The composer's own logic (saved replies' variables, ...): pure modules, no I/O."""
