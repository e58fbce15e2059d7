"""Wiring: the clock and id generator every use case receives (cosmicpython's bootstrap).

Production code calls `default()`; tests pass a fixed clock to travel in time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
