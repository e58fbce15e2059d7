"""Wiring: the clock and id generator every use case receives (cosmicpython's bootstrap).

Production code calls `default()`; tests pass a fixed clock to travel in time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime

from chalicelib.domain.clock import Clock, iso, system_clock
from chalicelib.domain.ids import IdFactory, ulid


@dataclass(frozen=True)
class Deps:
    clock: Clock = system_clock
    new_id: IdFactory = field(default=ulid)

    def now_iso(self) -> str:
        return iso(self.clock())


_DEFAULT = Deps()


def default() -> Deps:
    return _DEFAULT


@contextlib.contextmanager
def override(**changes) -> Iterator[Deps]:
    """Tests travel in time for code they cannot pass Deps to (schedules, SQS handlers)."""
    global _DEFAULT
    previous = _DEFAULT
    _DEFAULT = replace(previous, **changes)
    try:
        yield _DEFAULT
    finally:
        _DEFAULT = previous


def at(event_time: str | None) -> Deps:
    """Deps whose clock is a scheduled event's `time`: EventBridge says when the run is for."""
    if not event_time:
        return _DEFAULT
    moment = datetime.fromisoformat(event_time.replace("Z", "+00:00"))
    return replace(_DEFAULT, clock=lambda: moment)
