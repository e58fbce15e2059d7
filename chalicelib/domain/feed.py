"""The sync feed (services/sync.py pull) without storage: what a change partition holds and what a
device is sent for each item.

A partition (a village's enrolments, or the regency's programmes) is read in the order its items
last changed; `Entry.position` ("<updated_at>#<id>") is where the feed's cursor stands after it.
A device gets each record whole, or a tombstone without personal data: withdrawn or erased
(`deleted`), or now in a village outside this feed (`moved_out`, from the MOVED marker the move
left in the old village's partition).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.enrolment import Enrolment


@dataclass(frozen=True)
class Moved:
    """An enrolment left this village (its MOVED marker in the old village's partition)."""

    id: str
    version: int
    updated_at: str


@dataclass(frozen=True)
class Entry:
    """One item of a change partition, as the repository reads it. `item`: an enrolment (live or
    a tombstone), a Moved marker, a programme (dict), or None for an item of another kind."""

    position: str
    item: Enrolment | Moved | dict[str, Any] | None

    @property
    def stamped(self) -> str:
        """When the item was last written (ISO, UTC)."""
        return self.position.split("#", 1)[0]


@dataclass(frozen=True)
class Change:
    """What a device is sent for one entry."""

    type: str  # programme | enrolment
    id: str
    version: int
    updated_at: str
    deleted: bool | None = None
    moved_out: bool | None = None
    record: dict[str, Any] | None = None  # the whole record; None for a tombstone

    @property
    def tombstone(self) -> bool:
        return bool(self.deleted or self.moved_out)

    def as_dict(self) -> dict[str, Any]:
        """The values sent: the record's and the change's own."""
        own = {k: v for k, v in (("deleted", self.deleted), ("moved_out", self.moved_out)) if v is not None}
        return {**(self.record or {}), "type": self.type, "id": self.id, "version": self.version,
                "updated_at": self.updated_at, **own}


def change(entry: Entry) -> Change | None:
    """The change a device is sent for an entry; None for an item the feed does not serve."""
    item = entry.item
    if isinstance(item, Moved):
        return Change("enrolment", item.id, item.version, item.updated_at, moved_out=True)
    if isinstance(item, Enrolment):
        if item.deleted or item.erased:  # an erased record reaches phones as a tombstone without personal data
            return Change("enrolment", item.id, item.version, item.updated_at, deleted=True)
        return Change("enrolment", item.id, item.version, item.updated_at, record=item.as_dict())
    if isinstance(item, dict):
        return Change("programme", item["id"], item["version"], item["updated_at"], record=item)
    return None  # reminder rules (another feature) plug in here
