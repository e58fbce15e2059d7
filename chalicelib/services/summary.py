"""Programme summary: kept up to date from the table's stream, read with one GetItem.

Enrolments are written by single creates, patches and soft deletes, by imports (BatchWriteItem),
renewals, field sync, submissions, lifecycle moves and erasure. Counters kept by each of those
writers would be wrong the first time one forgets them, and a counter item touched by every
transaction would turn concurrent enrolments into TransactionConflict errors. So no writer knows
about the summary: every enrolment change reaches DynamoDB Streams (NEW_AND_OLD_IMAGES, infra/
tables.yaml), and `apply_stream` (the `summary_aggregator` function; locally the dispatcher feeds
it the emulator's stream) applies each change as a delta, exactly once (store/summary.py says how).
A read is then one GetItem at any programme size, instead of a Query over the whole programme.

The full recount stays as the repair job and the tests' oracle: `?recount=true` (admins) reads
every record through the `by_programme` index, answers from it and stores it as the kept summary.
"""

from __future__ import annotations

from collections import defaultdict

from chalicelib.auth import ADMINS, User, require
from chalicelib.domain import fields as extra_fields
from chalicelib.domain import summary as rules
from chalicelib.observability import logger
from chalicelib.services import programmes
from chalicelib.services.deps import Deps
from chalicelib.store import db
from chalicelib.store import programmes as programme_repo
from chalicelib.store import summary as repo

COUNTED_TYPES = ("choice", "boolean")


def counted_fields(programme: dict | None) -> list[str]:
    """Fields the summary reports by value: active choices and yes/no (free text and numbers would
    be one bucket per record)."""
    return [d["key"] for d in extra_fields.active((programme or {}).get("fields")) if d["type"] in COUNTED_TYPES]


def kept_fields(programme: dict | None) -> list[str]:
    """Fields the kept summary counts: the counted ones, retired ones too, so a field brought back
    has its values counted all along (a new field has no values yet on older records)."""
    return [d["key"] for d in (programme or {}).get("fields") or [] if d.get("type") in COUNTED_TYPES]


RECOUNT_ATTEMPTS = 3


def recount(deps: Deps, regency: str, pid: str, programme: dict | None = None) -> tuple[dict, str]:
    """Count every record and store the counts as the kept summary, unless the aggregator moved the
    kept summary while the records were read (then count again; still moving after three counts:
    503 SERVICE_BUSY, as an import in full flow would keep it moving). The recount reads a GSI: a
    write of the last moment that the index does not show yet is missed, as after any GSI read."""
    programme = programme if programme is not None else programme_repo.get(regency, pid)
    for _ in range(RECOUNT_ATTEMPTS):
        before = repo.get(regency, pid)
        counts = rules.count(repo.records(regency, pid), kept_fields(programme))
        at = deps.now_iso()
        if repo.replace(regency, pid, counts, at, before.version if before else 0):
            return counts, at
        logger.info("kept summary moved during the recount; counting again", extra={"programme_id": pid})
    raise db.Busy(db.RETRY_AFTER)


def get(deps: Deps, user: User, pid: str, recount_now: bool) -> dict:
    programme = programmes.get(user, pid)
    kept = repo.get(user.regency, pid)
    if recount_now:
        require(user, ADMINS)
        counts, at = recount(deps, user.regency, pid, programme)
        source, differed = "recount", kept is None or _reported(programme, kept.counts) != _reported(programme, counts)
        if differed:
            logger.warning("kept summary differed from the recount", extra={"programme_id": pid})
    else:
        counts = kept.counts if kept else rules.empty()
        at = kept.updated_at if kept else programme.get("created_at") or deps.now_iso()
        source, differed = "kept", None
    return {**rules.report(programme, _reported(programme, counts)), "computed_at": at, "source": source,
            "differed": differed}


def _reported(programme: dict, counts: dict) -> dict:
    """The counts a reply shows: by_extra only for the programme's active counted fields."""
    by_extra = counts.get("by_extra") or {}
    return {**counts, "by_extra": {k: by_extra.get(k, {}) for k in counted_fields(programme)}}


def apply_stream(deps: Deps, stream_records: list[dict]) -> int:
    """The aggregator: one stream batch (Lambda's records) applied to the summaries it touches.
    Raises on failure, so the event source mapping retries (bisecting the batch) and, in the end,
    sends it to the dead-letter queue; what was applied before the failure is not applied again."""
    by_programme = defaultdict(list)
    for change in repo.changes(stream_records):
        by_programme[(change.regency, change.pid)].append(change)
    epoch = int(deps.clock().timestamp())
    applied = 0
    for (regency, pid), batch in by_programme.items():
        keys = kept_fields(programme_repo.get(regency, pid))

        def fold(counts: dict | None, changes: list[repo.Change], keys: list[str] = keys) -> dict:
            return rules.apply(counts, [(c.before, c.after) for c in changes], keys)

        applied += repo.apply(regency, pid, batch, fold, deps.now_iso(), epoch)
    if stream_records:
        logger.info("summary changes applied", extra={"records": len(stream_records), "applied": applied,
                                                      "programmes": len(by_programme)})
    return applied
