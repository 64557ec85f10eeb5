"""Content fingerprints: ``sha256(sender|channel|normalized_text)``. Pure, no I/O.

Normalization, in this order:
1. Unicode NFKC (full-width letters, ligatures and compatibility forms fold to their plain form);
2. ``str.casefold()`` (case-insensitive, including ß -> ss);
3. every run of whitespace (spaces, tabs, newlines, no-break spaces) becomes one space, and the
   ends are trimmed.

So "Where is my ORDER?" and "where  is my order?\\n" are the same content. A message with media or
other non-text content adds a descriptor of it (attachment ids or hashes, coordinates, contacts,
button payloads) after the text, so two different photos never look alike; a message with nothing
identifying (an unsupported message) has no fingerprint and is never a content duplicate.
"""

from __future__ import annotations

import hashlib
import unicodedata

from siu_core.models import MessageEvent

_FIELD_SEP = "\x1f"


def normalize_text(text: str) -> str:
    """The comparable form of a text: NFKC, casefolded, whitespace collapsed and trimmed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def fingerprint(sender: str, channel: str, normalized_text: str) -> str:
    """The hex sha256 of ``sender|channel|normalized_text``."""
    return hashlib.sha256(f"{sender}|{channel}|{normalized_text}".encode()).hexdigest()


def content_descriptor(event: MessageEvent) -> str | None:
    """The normalized content of a message (text, then non-text parts), or None when it has none."""
    parts: list[str] = []
    if event.text:
        parts.append(normalize_text(event.text))
    for att in event.attachments:
        ident = att.sha256 or att.media_id or att.url or att.sticker_id
        if ident:
            parts.append(f"{att.type}:{ident}")
        if att.caption and not event.text:
            parts.append(normalize_text(att.caption))
    if event.location is not None:
        parts.append(f"location:{event.location.latitude:.6f},{event.location.longitude:.6f}")
    for contact in event.contacts:
        parts.append("contact:" + ",".join([normalize_text(contact.name), *contact.phones, *contact.emails]))
    if event.interaction is not None:
        ident = event.interaction.payload or event.interaction.id or event.interaction.title
        if ident:
            parts.append(f"{event.interaction.kind}:{ident}")
    if event.order is not None:
        items = ",".join(f"{i.product_id}x{i.quantity:g}" for i in event.order.items)
        parts.append(f"order:{event.order.catalog_id or ''}:{items}")
    if event.story is not None and event.story.id:
        parts.append(f"story:{event.story.kind}:{event.story.id}")
    parts = [p for p in parts if p]
    if not parts:
        return None
    return _FIELD_SEP.join(parts)


def message_fingerprint(event: MessageEvent) -> str | None:
    """The fingerprint of a customer message, or None when it carries nothing to compare."""
    descriptor = content_descriptor(event)
    if descriptor is None:
        return None
    return fingerprint(event.customer.id, event.channel, descriptor)
