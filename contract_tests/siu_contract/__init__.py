"""The siu channel contract suite."""
