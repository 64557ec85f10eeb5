"""A person the privacy tests export and erase, and a search of every store for their identifiers."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from pipeline_support import NOW, echo, inbound, install_services, reaction, run_batch, status

from siu_core.aws import clients
from siu_core.aws.names import resource_names
from siu_core.models import Participant
from siu_core.store import ddb, keys, messages, notes, threads

PHONE, BSUID, NAME = "6591234567", "SG.7741203395518822", "Rosalind Quek"
WORDS = "lavender parcel went missing"
SUBJECT = keys.customer_key("whatsapp", "acct-1", BSUID)
OTHER = keys.customer_key("whatsapp", "acct-1", "other-9")


def person_message(mid: str, text: str, minutes: int, **fields: Any) -> Any:
    who = Participant(id=BSUID, phone=PHONE, name=NAME, username="rosq")
    return inbound(mid, text, at=NOW - timedelta(minutes=minutes), **fields).model_copy(update={"customer": who})


def seed_person(aws: Any) -> Any:
    """The person wrote twice (with a photo), the shop answered, a teammate noted; someone else wrote too."""
    install_services(aws.config)
    run_batch([person_message("wamid.r1", f"my {WORDS}, order 5521", 30),
               inbound("wamid.o1", "hello", customer="other-9")])
    run_batch([echo("wamid.e1", f"Sorry {NAME}, checking", customer=BSUID)])
    run_batch([person_message("wamid.r2", "urgent please", 10)])
    # a reaction and a delivery status: events of their own, each with its raw snapshot
    run_batch([reaction("wamid.e1", "\u2764", customer=BSUID, at=NOW - timedelta(minutes=9)),
               status(["wamid.e1"], "read", customer=BSUID, at=NOW - timedelta(minutes=8))])
    thread = threads.for_customer(SUBJECT)[0]
    # a downloaded photo, as the pipeline stores one (two versions: a re-upload)
    media = f"media/whatsapp/{keys.short_hash('acct-1', 16)}/2026/03/04/{keys.short_hash('wamid.r2')}/0"
    for body in (b"jpeg of Rosalind Quek", b"jpeg again"):
        clients.s3().put_object(Bucket=resource_names().bucket, Key=media, Body=body)
    ddb.run(ddb.update_op(messages.table(), messages.key(keys.message_key("whatsapp", "acct-1", "wamid.r2")),
                          set_={"attachments": [{"type": "image", "media_key": media}]}))
    notes.add(str(thread["thread_id"]), "n1", f"{NAME} is a regular", ["ana"], by="user:ben", author="ben",
              at=NOW)
    return aws


def everything() -> list[str]:
    """Every item of every table and every version of every object, as text."""
    names = resource_names()
    out = [json.dumps(i, default=str) for t in (names.dedupe, names.threads, names.messages, names.customers,
                                                 names.assignments, names.loadcount, names.audit, names.composer)
           for i in ddb.scan_all(t)]
    s3 = clients.s3()
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=names.bucket):
        for v in page.get("Versions", []):
            body = s3.get_object(Bucket=names.bucket, Key=v["Key"], VersionId=v["VersionId"])["Body"].read()
            out.append(v["Key"] + " " + body.decode("utf-8", "replace"))
        out += [m["Key"] for m in page.get("DeleteMarkers", [])]
    return out


IDENTIFIERS = (BSUID, PHONE, NAME, "rosq", WORDS, "wamid.r1", "wamid.r2", "wamid.e1", keys.short_hash("wamid.r2"))


def traces() -> list[str]:
    return [text for text in everything() if any(i in text for i in IDENTIFIERS)]
