"""siu channel plugin: Instagram."""
