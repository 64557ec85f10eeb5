"""Attachment checks (contract 1.4): a plugin that declares ``ChannelInfo.attachments`` sends a sample file,
and one that does not is never given a file (the core refuses it before any HTTP call).
"""

from __future__ import annotations

from typing import Any

from siu_contract.checks import ContractViolation
from siu_contract.manifest import SendCase
from siu_contract.replay import TracingSession
from siu_contract.target import ChannelUnderTest
from siu_core.attachments import AttachmentRefused
from siu_core.models import OutboundAttachment, Participant, ReplyRequest

NO_CASE = ("the plugin declares ChannelInfo.attachments but the manifest has no success send case whose request "
           "carries 'attachments': record one (docs/plugins.md, Sending files)")
#: The file a plugin without the capability is offered, to see it refused.
SAMPLE = OutboundAttachment(kind="image", url="https://media.contract.invalid/uploads/sample.png",
                            content_type="image/png", size=1024, filename="sample.png")


def has_attachments(case: SendCase) -> bool:
    """Whether a send case's request carries files."""
    files: Any = case.request.get("attachments")
    return isinstance(files, list) and bool(files)


def check_declared_kinds(t: ChannelUnderTest, case: SendCase) -> None:
    """Every file of the case is within the declared rules (the core would refuse it otherwise)."""
    request = ReplyRequest.model_validate(case.request)
    from siu_core.attachments import check_request

    try:
        check_request(t.channel.info, request)
    except AttachmentRefused as exc:
        raise ContractViolation(f"send case {case.id}: its file breaks the declared capability: {exc}") from None


def check_never_given(t: ChannelUnderTest) -> None:
    """A plugin without the capability is not called with a file: the refusal comes first, with no HTTP call."""
    request = ReplyRequest(channel=t.name, account_id="contract-account", recipient=Participant(id="contract-customer"),
                           idempotency_key="contract-attachment", attachments=[SAMPLE])
    session = TracingSession()
    try:
        t.channel.send_reply(request, t.secrets, session, t.settings)
    except AttachmentRefused:
        if session.sent:
            raise ContractViolation(f"a request went out before the refusal: {session.sent}") from None
        return
    raise ContractViolation("a plugin that declares no attachment capability was handed a file")
