"""The port every channel implements: one small interface, so WhatsApp or push can be added later.

A sender gets an `Outgoing` message and returns the provider's message id, or raises
`SendFailed`; it never decides whether to retry (the reminder records do that).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "text/csv"


@dataclass(frozen=True)
class Outgoing:
    channel: str  # "sms" | "email" (later: "whatsapp", "push")
    to: tuple[str, ...]  # E.164 phone numbers or email addresses
    body: str
    subject: str | None = None
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)


class SendFailed(Exception):
    """The provider refused or was unreachable; `code` is safe to store and log (no recipient)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class Notifier(abc.ABC):
    channel: str

    @abc.abstractmethod
    def send(self, message: Outgoing) -> str:
        """Deliver the message; return the provider's message id or raise SendFailed."""

    def opted_out(self, recipient: str) -> bool:
        """The provider's own opt-out list (SNS: the person replied STOP). Default: none."""
        return False


Notifiers = dict[str, Notifier]
