"""siu channel plugin: WhatsApp."""
