"""Notifiers for tests: one that records, and a wrapper that fails for chosen recipients."""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.notify.base import Notifier, Outgoing, SendFailed


class FakeNotifier(Notifier):
    def __init__(self, channel: str):
        self.channel = channel
        self.sent: list[Outgoing] = []

    def send(self, message: Outgoing) -> str:
        self.sent.append(message)
        return f"fake-{len(self.sent)}"


class FailingFor(Notifier):
    """Wraps a real notifier and fails for `recipients` (the first `times` attempts each; None = always)."""

    def __init__(self, inner: Notifier, recipients: Iterable[str], times: int | None = 1, code: str = "FAULT_INJECTED"):
        self.inner = inner
        self.channel = inner.channel
        self.remaining = {r: times for r in recipients}
        self.code = code
        self.failed: list[str] = []

    def opted_out(self, recipient: str) -> bool:
        return self.inner.opted_out(recipient)

    def send(self, message: Outgoing) -> str:
        for recipient in message.to:
            if recipient in self.remaining and self.remaining[recipient] != 0:
                if self.remaining[recipient] is not None:
                    self.remaining[recipient] -= 1
                self.failed.append(recipient)
                raise SendFailed(self.code)
        return self.inner.send(message)
