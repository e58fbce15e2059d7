"""Programme summary: a periodic aggregate, not transactional counters. Why:

Enrolments are written by single creates, patches and soft deletes (transactions), by imports
(BatchWriteItem, which cannot update a counter atomically with the rows), by renewal and by field
sync. Counters kept in every one of those writers would be wrong the first time one writer forgets
them, and a counter item touched by every transaction turns concurrent enrolments into
TransactionConflict errors. So the summary is always *computed from the records*: one Query over
the sparse `by_programme` index (deleted records are not in it), stored as a snapshot item with
`computed_at`. The snapshot is refreshed
- when an import finishes (its last chunk),
- by a schedule (`app.refresh_summaries`, every 30 minutes, programmes still running),
- on demand: `?refresh=true`, or any read of a snapshot older than MAX_AGE_SECONDS.
Every reply says `computed_at` and whether it is a snapshot or fresh. At the seed's scale (27k
records) a refresh reads ~30 pages of the index; the snapshot makes a dashboard read one GetItem.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib import config
from chalicelib.auth import User
from chalicelib.domain import fields as extra_fields
from chalicelib.domain import summary as rules
from chalicelib.domain.clock import today_wib
from chalicelib.observability import logger
from chalicelib.services import programmes
from chalicelib.services.deps import Deps
from chalicelib.store import programmes as programme_repo
from chalicelib.store import summary as repo

MAX_AGE_SECONDS = 300


def counted_fields(programme: dict | None) -> list[str]:
    """Fields the summary breaks down by value: choices and yes/no (free text and numbers would
    be one bucket per record)."""
    definitions = extra_fields.active((programme or {}).get("fields"))
    return [d["key"] for d in definitions if d["type"] in ("choice", "boolean")]


def refresh(deps: Deps, regency: str, pid: str) -> tuple[dict, str]:
    counts = rules.count(repo.records(regency, pid), counted_fields(programme_repo.get(regency, pid)))
    computed_at = deps.now_iso()
    repo.put(regency, pid, counts, computed_at)
    return counts, computed_at


def get(deps: Deps, user: User, pid: str, fresh: bool) -> dict:
    programme = programmes.get(user, pid)
    snapshot = None if fresh else repo.get(user.regency, pid)
    if snapshot is not None and _age_seconds(deps, snapshot.computed_at) <= MAX_AGE_SECONDS:
        counts, computed_at, source = snapshot.counts, snapshot.computed_at, "snapshot"
    else:
        (counts, computed_at), source = refresh(deps, user.regency, pid), "fresh"
    return {**rules.report(programme, counts), "computed_at": computed_at, "source": source}


def _age_seconds(deps: Deps, computed_at: str) -> float:
    return (deps.clock() - datetime.fromisoformat(computed_at.replace("Z", "+00:00"))).total_seconds()


def refresh_running(deps: Deps) -> int:
    """The schedule: refresh every programme whose cover has not ended more than 60 days ago."""
    cutoff = (today_wib(deps.clock) - timedelta(days=60)).isoformat()
    done = 0
    for regency in config.regencies():
        for m in programme_repo.list_page(regency, None, 100):
            if m.coverage_end >= cutoff:
                refresh(deps, regency, m.pid)
                done += 1
    logger.info("summaries refreshed", extra={"programmes": done})
    return done
