"""siu channel plugin: Twilio Programmable Messaging (SMS, MMS and WhatsApp through Twilio)."""
