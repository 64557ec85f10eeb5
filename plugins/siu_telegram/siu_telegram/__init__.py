"""siu channel plugin for Telegram, built only on siu's public plugin API (entry point ``telegram``)."""
