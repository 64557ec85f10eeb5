"""siu channel plugin for LINE (Messaging API), built only on siu's public plugin API (entry point ``line``)."""
