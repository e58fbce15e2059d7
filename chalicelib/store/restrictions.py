"""Open processing restrictions (models.RestrictionModel), one partition per regency."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib.store import keys
from chalicelib.store.models import RestrictionModel


def _as_dict(m: RestrictionModel) -> dict:
    return {"reason": m.reason, "opened_on": m.opened_on, "recorded_at": m.recorded_at,
            "recorded_by": m.recorded_by}


def put(regency: str, nik: str, reason: str, opened_on: str, at: str, by: str) -> dict:
    m = RestrictionModel(keys.restrictions(regency), nik, reason=reason, opened_on=opened_on, recorded_at=at,
                         recorded_by=by)
    m.save()
    return _as_dict(m)


def get(regency: str, nik: str) -> dict | None:
    try:
        return _as_dict(RestrictionModel.get(keys.restrictions(regency), nik, consistent_read=True))
    except DoesNotExist:
        return None


def held(regency: str, niks) -> set[str]:
    """The NIKs among `niks` with an open restriction (consistent BatchGetItem, 100 a call)."""
    wanted = sorted(set(niks))
    if not wanted:
        return set()
    return {m.sk for m in RestrictionModel.batch_get([(keys.restrictions(regency), n) for n in wanted],
                                                     consistent_read=True)}


def delete(regency: str, nik: str) -> bool:
    try:
        RestrictionModel.get(keys.restrictions(regency), nik, consistent_read=True).delete()
        return True
    except DoesNotExist:
        return False


def restricted(regency: str) -> set[str]:
    """Every NIK with an open restriction in the regency (one Query)."""
    return {m.sk for m in RestrictionModel.query(keys.restrictions(regency), consistent_read=True)}
