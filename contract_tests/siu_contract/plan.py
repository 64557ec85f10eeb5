"""Turn a channel's manifest into the list of named checks: one per fixture, skips with their reasons.

Pure bookkeeping: nothing here calls the plugin; each planned check carries a callable that does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from siu_contract.checks import ContractViolation
from siu_contract.checks import acknowledge as ak
from siu_contract.checks import attachments as at
from siu_contract.checks import display as dp
from siu_contract.checks import handshake as hs
from siu_contract.checks import hygiene as hy
from siu_contract.checks import load as ld
from siu_contract.checks import media as md
from siu_contract.checks import normalize as nz
from siu_contract.checks import profile as pf
from siu_contract.checks import properties as pr
from siu_contract.checks import send as sd
from siu_contract.checks import signature as sg
from siu_contract.checks import standin as si
from siu_contract.checks import templates as tp
from siu_contract.target import ChannelUnderTest

#: Hook -> the checks that exercise it. ``tests/test_hook_docs.py`` fails when a hook of the contract
#: has no entry here, or an entry names a check the suite never schedules: a new hook needs a case.
HOOK_CHECKS: dict[str, tuple[Callable[..., None], ...]] = {
    "channel_info": (ld.check_load, ld.check_secrets, dp.check_display),
    "handshake": (hs.check_valid, hs.check_refused, hs.check_wrong_secret, hs.check_empty, hs.check_unsupported),
    "verify_signature": (sg.check_valid, sg.check_tampered, sg.check_wrong_secret, sg.check_missing_header,
                         sg.check_invalid, sg.check_escaped_unicode),
    "normalize": (nz.check_case, nz.check_batch, nz.check_partial_batch, nz.check_shape, nz.check_unknown,
                  nz.check_malformed, nz.check_no_secrets, pr.check_property),
    "send_reply": (sd.check_send, at.check_declared_kinds, at.check_never_given),
    "download_media": (md.check_media,),
    "simulate_webhook": (nz.check_simulate_roundtrip,),
    "stand_in_response": (si.check_send,),
    "message_templates": (tp.check_templates,),
    "acknowledge": (ak.check_acknowledge,),
    "fetch_profile": (pf.check_profile,),
}


#: The contract version from which a plugin must declare its shapes and show a partial batch: a plugin
#: written against an older contract keeps passing the suite it was written for.
SHAPES_SINCE = (1, 3)
OLDER_CONTRACT = ("the plugin declares contract {}: its handling of edits, deletions, unknown kinds and partial "
                  "batches is checked from contract 1.3 on (docs/plugins.md, Moving to contract 1.3)")


def declares_at_least(declared: str, version: tuple[int, int]) -> bool:
    """Whether a plugin's declared contract version (``"1.2"``) is at least ``version``."""
    try:
        major, minor = (int(part) for part in declared.split("."))
    except ValueError:
        return False
    return (major, minor) >= version


@dataclass(frozen=True)
class PlannedCheck:
    """One test: its id within the channel, what runs, or why it is skipped."""

    name: str
    run: Callable[[], None] | None = None
    skip: str | None = None


def _missing(message: str) -> Callable[[], None]:
    def fail() -> None:
        raise ContractViolation(message)

    return fail


def unique_ids(names: Iterable[str]) -> list[str]:
    """Readable ids from file stems or case ids; a repeat gets ``-2``, ``-3``... so every id is unique."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        base = PurePosixPath(name).stem or "body"
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return out


class Planner:
    """Collects checks for one channel, applying the manifest's ``skip`` entries by check key."""

    def __init__(self, t: ChannelUnderTest) -> None:
        self.t = t
        self.skip = dict(t.manifest.skip)
        self.checks: list[PlannedCheck] = []
        self._skipped_keys: set[str] = set()

    def add(self, key: str, name: str, run: Callable[[], None]) -> None:
        """Add a check, or (once per key) the skipped placeholder the manifest asked for."""
        if key in self.skip:
            if key not in self._skipped_keys:
                self._skipped_keys.add(key)
                self.checks.append(PlannedCheck(name=key, skip=f"skipped by the manifest: {self.skip[key]}"))
            return
        self.checks.append(PlannedCheck(name=name, run=run))

    def require(self, key: str, present: bool, message: str) -> None:
        """A mandatory check with no fixture fails, unless the manifest skips it with a reason."""
        if key in self.skip:
            self.add(key, key, _missing(message))
        elif not present:
            self.checks.append(PlannedCheck(name=key, run=_missing(message)))


def plan_checks(t: ChannelUnderTest) -> list[PlannedCheck]:
    """Every check for this channel, in a stable order: load, handshake, signature, normalize, send, media, stand-in,
    templates, hygiene."""
    p = Planner(t)
    m = t.manifest
    p.checks.append(PlannedCheck("load.secrets", functools.partial(ld.check_secrets, m, t.registry, t.name)))
    p.checks.append(PlannedCheck("load.display", functools.partial(dp.check_display, t.registry, t.name)))

    spec = m.handshake
    if spec.unsupported is not None:
        p.add("handshake", "handshake.unsupported", functools.partial(hs.check_unsupported, t))
    else:
        p.add("handshake", "handshake[valid]", functools.partial(hs.check_valid, t))
        for number, refused in enumerate(spec.refused, start=1):
            p.add("handshake", f"handshake[refused-{number}]", functools.partial(hs.check_refused, t, refused))
        p.add("handshake", "handshake[wrong-secret]", functools.partial(hs.check_wrong_secret, t))
        p.add("handshake", "handshake[empty]", functools.partial(hs.check_empty, t))

    valid_ids = unique_ids(s.body for s in m.signature.valid)
    for sid, sample in zip(valid_ids, m.signature.valid, strict=True):
        p.checks.append(PlannedCheck(f"signature[{sid}]", functools.partial(sg.check_valid, t, sample)))
    for key, check in (
        ("signature.tampered_byte", sg.check_tampered),
        ("signature.wrong_secret", sg.check_wrong_secret),
        ("signature.missing_header", sg.check_missing_header),
    ):
        for sid, sample in zip(valid_ids, m.signature.valid, strict=True):
            p.add(key, f"{key}[{sid}]", functools.partial(check, t, sample))
    for sid, sample in zip(unique_ids(s.body for s in m.signature.invalid), m.signature.invalid, strict=True):
        p.checks.append(PlannedCheck(f"signature.invalid[{sid}]", functools.partial(sg.check_invalid, t, sample)))
    p.add("signature.escaped_unicode", "signature.escaped_unicode", functools.partial(sg.check_escaped_unicode, t))

    for ncase in m.normalize:
        p.checks.append(PlannedCheck(f"normalize[{ncase.id}]", functools.partial(nz.check_case, t, ncase)))
    p.add("normalize.batch", "normalize.batch", functools.partial(nz.check_batch, t))
    declared = t.channel.info.contract_version
    older = not declares_at_least(declared, SHAPES_SINCE)
    if older and not any(case.unreadable for case in m.normalize):
        p.checks.append(PlannedCheck("normalize.partial_batch", skip=OLDER_CONTRACT.format(declared)))
    else:
        p.add("normalize.partial_batch", "normalize.partial_batch", functools.partial(nz.check_partial_batch, t))
    if older and m.shapes is None:
        p.checks.append(PlannedCheck("normalize.shapes", skip=OLDER_CONTRACT.format(declared)))
    else:
        p.require("normalize.shapes", m.shapes is not None,
                  "no 'shapes': declare what the plugin does with edits, deletions and unknown message kinds")
    if m.shapes is not None and "normalize.shapes" not in p.skip:
        for shape in ("edit", "deletion", "unknown_kind"):
            case = getattr(m.shapes, shape)
            if case.handling == "not_on_platform":
                p.checks.append(PlannedCheck(f"normalize.shape[{shape}]", skip=f"not on the platform: {case.why}"))
            else:
                p.add("normalize.shapes", f"normalize.shape[{shape}]",
                      functools.partial(nz.check_shape, t, shape, case))
    p.require("normalize.unknown", bool(m.unknown),
              "no 'unknown' bodies: add webhooks of event kinds the channel ignores (they must yield [])")
    for uid, relative in zip(unique_ids(m.unknown), m.unknown, strict=True):
        p.add("normalize.unknown", f"normalize.unknown[{uid}]", functools.partial(nz.check_unknown, t, relative))
    p.require("normalize.malformed", bool(m.malformed),
              "no 'malformed' bodies: add bodies the channel cannot read (they must raise MalformedPayload)")
    for mid, relative in zip(unique_ids(m.malformed), m.malformed, strict=True):
        p.add("normalize.malformed", f"normalize.malformed[{mid}]",
              functools.partial(nz.check_malformed, t, relative))
    if t.channel.has_hook("acknowledge"):
        for ncase in m.normalize:
            p.add("acknowledge", f"acknowledge[{ncase.id}]", functools.partial(ak.check_acknowledge, t, ncase))
    else:
        p.checks.append(PlannedCheck("acknowledge", skip=ak.NO_HOOK))
    p.checks.append(PlannedCheck("normalize.no_secrets", functools.partial(nz.check_no_secrets, t)))
    if t.channel.has_hook("simulate_webhook"):
        p.add("normalize.simulate_roundtrip", "normalize.simulate_roundtrip",
              functools.partial(nz.check_simulate_roundtrip, t))
    for kind in pr.PROPERTY_KINDS:
        p.checks.append(PlannedCheck(f"normalize.property[{kind}]", functools.partial(pr.check_property, t, kind)))

    outcomes = {case.outcome for case in m.send}
    for outcome in sd.OUTCOMES:
        message = f"no send case with outcome {outcome!r}: record one, or skip 'send.{outcome}' with a reason"
        p.require(f"send.{outcome}", outcome in outcomes or outcome not in sd.MANDATORY_OUTCOMES, message)
    for scase in m.send:
        key = f"send.{scase.outcome}"
        run = functools.partial(sd.check_send, t, scase)
        if key in p.skip:
            p.add(key, key, run)
        else:
            p.checks.append(PlannedCheck(f"send[{scase.id}]", run))

    with_files = [case for case in m.send if case.outcome == "success" and at.has_attachments(case)]
    if t.channel.info.attachments is not None:
        p.require("attachments", bool(with_files), at.NO_CASE)
        for scase in with_files:
            p.add("attachments", f"attachments[{scase.id}]", functools.partial(at.check_declared_kinds, t, scase))
    else:
        p.add("attachments", "attachments.never_given", functools.partial(at.check_never_given, t))

    if t.channel.has_hook("download_media") or m.media:
        p.require("media", bool(m.media),
                  "the plugin implements download_media but the manifest has no media case")
        for mcase in m.media:
            p.add("media", f"media[{mcase.id}]", functools.partial(md.check_media, t, mcase))

    if t.channel.has_hook("stand_in_response"):
        success = [case for case in m.send if case.outcome == "success"]
        p.require("stand_in", bool(success),
                  "the plugin implements stand_in_response but the manifest has no success send case to send "
                  "through it")
        for scase in [*success[:1], *with_files[:1]]:  # a text reply, and a file when the plugin sends files
            p.add("stand_in", f"stand_in.send[{scase.id}]", functools.partial(si.check_send, t, scase))

    if t.channel.has_hook("fetch_profile"):
        success = [case for case in m.send if case.outcome == "success"]
        p.require("profile", bool(success),
                  "the plugin implements fetch_profile but the manifest has no success send case naming a customer")
        for scase in success[:1]:
            p.add("profile", f"profile[{scase.id}]", functools.partial(pf.check_profile, t, scase))

    if t.channel.has_hook("message_templates") or m.templates:
        p.require("templates", bool(m.templates),
                  "the plugin implements message_templates but the manifest has no templates case")
        for tcase in m.templates:
            p.add("templates", f"templates[{tcase.id}]", functools.partial(tp.check_templates, t, tcase))
    else:
        p.checks.append(PlannedCheck("templates", skip=tp.NO_HOOK))

    for relative in hy.cassette_files(t):
        p.checks.append(PlannedCheck(f"hygiene[{relative}]", functools.partial(hy.check_cassette, t, relative)))
    p.checks.append(PlannedCheck("hygiene[fixtures]", functools.partial(hy.check_fixture_files, t)))
    for key in p.skip:  # a skip for a check this channel does not otherwise reach still shows, with its reason
        p.add(key, key, _missing(key))
    return p.checks
