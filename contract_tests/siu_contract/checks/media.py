"""Media checks: an attachment downloads through its cassette to exactly the recorded bytes."""

from __future__ import annotations

import hashlib

from pydantic import ValidationError

from siu_contract.checks import ContractViolation
from siu_contract.manifest import MediaCase
from siu_contract.replay import TracingSession, recorded_interactions, replay, traffic_problems, unmatched_summary
from siu_contract.target import ChannelUnderTest
from siu_core.models import Attachment, MediaContent


def check_media(t: ChannelUnderTest, case: MediaCase) -> None:
    """download_media returns the bytes and mime type the platform served, via the given session only."""
    if not t.channel.has_hook("download_media"):
        raise ContractViolation("the manifest has media cases but the plugin implements no download_media hook")
    path = t.fixtures.path(case.cassette)
    recorded = recorded_interactions(path)
    try:
        attachment = Attachment.model_validate(case.attachment)
    except ValidationError as exc:
        raise ContractViolation(f"media case {case.id}: 'attachment' is not a valid Attachment:\n{exc}") from None
    session = TracingSession()
    with replay(path, t.secrets) as cassette:
        try:
            content = t.channel.download_media(attachment, t.secrets, session, t.settings)
        except Exception as exc:
            if session.unmatched:
                raise ContractViolation(f"media case {case.id}:\n" + unmatched_summary(session.unmatched[0])) from exc
            raise
    problems = traffic_problems(session, cassette, recorded)
    if not isinstance(content, MediaContent):
        problems.insert(0, f"download_media returned {type(content).__name__}, expected MediaContent")
    else:
        digest = hashlib.sha256(content.content).hexdigest()
        if digest != case.sha256:
            problems.insert(0, f"sha256 of the {len(content.content)} downloaded bytes is {digest}, "
                               f"expected {case.sha256}")
        if case.mime_type is not None and content.mime_type != case.mime_type:
            problems.insert(0, f"mime type is {content.mime_type!r}, expected {case.mime_type!r}")
    if problems:
        raise ContractViolation(f"media case {case.id}:\n" + "\n".join(problems))
