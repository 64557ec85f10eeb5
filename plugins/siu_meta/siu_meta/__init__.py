"""Meta Graph helpers shared by siu's WhatsApp, Messenger and Instagram plugins (a library, not a channel).

:mod:`siu_meta.graph` holds the Graph mechanics all three use (hub handshake, ``X-Hub-Signature-256``,
timestamps, error mapping); :mod:`siu_meta.messaging` the Messenger Platform hooks Messenger and
Instagram share. Built only on the core's plugin API, :mod:`siu_core.plugin`.
"""
