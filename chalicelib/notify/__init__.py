"""Senders behind one small interface (`Notifier`), and the one wiring function that builds them.

Production code calls `notifiers()`; tests wrap or replace them with `override(...)` (for example
to make the SMS provider fail for some recipients during a sweep).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from chalicelib import config
from chalicelib.notify.base import Attachment, Notifier, Notifiers, Outgoing, SendFailed

__all__ = ["Attachment", "Notifier", "Notifiers", "Outgoing", "SendFailed", "build", "notifiers", "override"]

_override: Notifiers | None = None
_built: Notifiers | None = None


def build() -> Notifiers:
    """The real senders: SMS through SNS, email through SES from the configured sender."""
    from chalicelib.notify.ses_email import SesEmailNotifier
    from chalicelib.notify.sns_sms import SnsSmsNotifier

    return {"sms": SnsSmsNotifier(), "email": SesEmailNotifier(config.sender_email())}


def notifiers() -> Notifiers:
    global _built
    if _override is not None:
        return _override
    if _built is None:
        _built = build()
    return _built


@contextlib.contextmanager
def override(replacement: Notifiers) -> Iterator[Notifiers]:
    global _override
    previous, _override = _override, replacement
    try:
        yield replacement
    finally:
        _override = previous
