"""Opt-outs from messages recorded for a worker (models.OptOutModel)."""

from __future__ import annotations

from collections.abc import Iterable

from pynamodb.exceptions import DoesNotExist

from chalicelib.store import keys
from chalicelib.store.models import OptOutModel


def _as_dict(m: OptOutModel) -> dict:
    return {"channel": m.channel, "asked_on": m.asked_on, "asked_via": m.asked_via, "note": m.note,
            "recorded_at": m.recorded_at, "recorded_by": m.recorded_by}


def put(regency: str, nik: str, channel: str, asked_on: str, asked_via: str, note: str | None, at: str,
        by: str) -> dict:
    m = OptOutModel(keys.worker(regency, nik), f"OPTOUT#{channel}", channel=channel, asked_on=asked_on,
                    asked_via=asked_via, note=note, recorded_at=at, recorded_by=by)
    m.save()  # the latest request wins: a person may say it again, differently
    return _as_dict(m)


def get(regency: str, nik: str, channel: str) -> dict | None:
    try:
        return _as_dict(OptOutModel.get(keys.worker(regency, nik), f"OPTOUT#{channel}", consistent_read=True))
    except DoesNotExist:
        return None


def delete(regency: str, nik: str, channel: str) -> bool:
    try:
        OptOutModel.get(keys.worker(regency, nik), f"OPTOUT#{channel}").delete()
        return True
    except DoesNotExist:
        return False


def opted_out(regency: str, niks: Iterable[str], channel: str = "sms") -> set[str]:
    """The NIKs among `niks` with a recorded opt-out (consistent BatchGetItem, 100 a call)."""
    wanted = sorted(set(niks))
    if not wanted:
        return set()
    found = OptOutModel.batch_get([(keys.worker(regency, n), f"OPTOUT#{channel}") for n in wanted],
                                  consistent_read=True)
    prefix = len(keys.worker(regency, ""))
    return {m.pk[prefix:] for m in found}
