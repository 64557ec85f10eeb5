"""siu channel plugin: Facebook Messenger."""
