"""Offline-first sync for field officers' phones: push a batch of queued operations, pull changes.

Push (`POST /v1/sync`)
  Each operation goes through the same use cases as the REST routes (services/enrolments.py),
  so validation, NIK uniqueness, versions, scope and audit are the same code. Idempotency is a
  conditional-write scheme rather than powertools Idempotency: the operation's receipt
  (store/receipts.py, keyed by user sub + op_id) is saved *in the same transaction* as the change
  it describes. powertools would record "completed" in a separate write after the change, so a
  Lambda killed between the two would re-run the operation on replay and report `duplicate`
  where the first run had `applied`; here a change and its receipt commit together or not at
  all, and a replay returns the stored result byte for byte.
  - applied / duplicate / conflict / rejected are final and recorded: replaying the op_id
    returns the same result. A conflict or rejection is resolved by a *new* operation.
  - `failed` (an addition to the contract's four statuses) means "not done, nothing recorded,
    send the same op again": a storage error, the store staying busy (`SERVICE_BUSY`: its
    transaction kept meeting conflicts or throttling after store/db.py's retries), or the
    Lambda running out of time. Operations are
    independent and each commits on its own, so a batch that fails half-way keeps the half that
    succeeded, and the replay applies only the rest.
  - Receipts expire after LINDUNG_OP_RECEIPT_DAYS (TTL). A replay after that cannot double
    anything: a create meets the NIK marker (`duplicate`), an update a newer version
    (`conflict`).

Pull (`GET /v1/sync?since=`)
  Queries the `by_village_changes` index: one partition per village (enrolments, tombstones
  and MOVED markers) plus one per regency for programmes (`R#<r>#PROG`; reminder-rule items
  from the rules feature join it by setting the same g_chg/g_chg_sk). The signed cursor keeps a
  position (`<updated_at>#<id>`) per partition, so adding a village starts it from the top
  (a fresh device or a new assignment gets the whole roster) and removing one forgets it.
  Clock skew: `updated_at` is stamped before the transaction commits and the index is updated
  asynchronously, so an item can become visible *after* a newer one was served. The feed
  therefore never serves (nor moves the cursor past) anything stamped later than
  now - LINDUNG_SYNC_SETTLE_SECONDS (30 s by default, longer than an API request can last):
  anything stamped before the horizon has committed and is indexed by the time it is read.
  The price is that a change reaches other devices 30 s later, which field work does not notice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import timedelta

from chalicelib import config
from chalicelib.auth import User
from chalicelib.domain import feed
from chalicelib.domain.bodies import MAX_BODY_DEPTH, contains_too_deep
from chalicelib.domain.clock import iso
from chalicelib.domain.enrolment import Enrolment
from chalicelib.domain.errors import Busy, Conflict, DomainError, Invalid, Malformed
from chalicelib.domain.inputs import FeedQuery, SyncBatch, SyncOperation
from chalicelib.domain.messages import validate
from chalicelib.domain.receipt import Receipt
from chalicelib.observability import logger, metrics
from chalicelib.services import cursors, enrolments
from chalicelib.services.deps import Deps
from chalicelib.store import db, receipts
from chalicelib.store import enrolments as enrolment_repo
from chalicelib.store import programmes as programme_repo

TIME_RESERVE_MS = 3000  # stop starting operations when the Lambda has less than this left
MAX_ADMIN_VILLAGES = 20
_PROGRAMMES = "P"  # the cursor's label for the regency-wide partition


# ---------- push ----------
def fingerprint(op: SyncOperation) -> str:
    """What the op says, without its id: the same op_id with different content is refused."""
    said = {"op": op.op, "type": op.type, "programme_id": op.programme_id, "id": op.id, "version": op.version,
            "data": op.data}
    body = json.dumps(said, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()[:32]


def push(deps: Deps, user: User, batch: SyncBatch, time_left_ms: Callable[[], int] | None = None) -> dict:
    stored = receipts.get_many(user.regency, user.sub, [op.op_id for op in batch.operations])
    results = []
    for op in batch.operations:
        fp = fingerprint(op)
        if op.op_id in stored:
            results.append(_replayed(stored[op.op_id], fp))
        elif time_left_ms is not None and time_left_ms() < TIME_RESERVE_MS:
            results.append(_failed(op, "TIME_BUDGET", "Waktu habis sebelum operasi ini diproses; kirim ulang"))
        else:
            results.append(apply(deps, user, op, fp))
    counts: dict[str, int] = {}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    for status, n in counts.items():
        metrics.add_metric(name=f"SyncOps_{status}", unit="Count", value=n)
    logger.info("sync batch", extra={"operations": len(results), "outcomes": counts})
    return {"results": results}


def _replayed(receipt: Receipt, fp: str) -> dict:
    if receipt.fingerprint != fp:
        error = _error("OP_ID_REUSED", "op_id ini sudah dipakai untuk operasi lain", {"op_id": "sudah dipakai"})
        return {"op_id": receipt.op_id, "status": "rejected", "error": error}
    return receipt.result


def apply(deps: Deps, user: User, op: SyncOperation, fp: str) -> dict:
    """Apply one operation once; returns its result (recorded unless `failed`)."""
    now = deps.now_iso()
    expires = int(deps.clock().timestamp()) + config.op_receipt_days() * 86400
    in_transaction = False

    def receipt_for(e: Enrolment):
        nonlocal in_transaction
        in_transaction = True
        return Receipt(user.regency, user.sub, op.op_id, fp, _applied(op, e), now, expires)

    try:
        result = _applied(op, _run(deps, user, op, receipt_for))
        if in_transaction:
            return result
    except db.AlreadyRecorded:
        return _stored_or_failed(user, op)
    except Busy:  # conflicts/throttling outlasted the retries: nothing written, nothing recorded
        return _failed(op, "SERVICE_BUSY", "Sistem sedang sibuk; operasi ini belum diproses, kirim ulang")
    except Conflict as exc:
        result = _conflict(op, exc)
    except DomainError as exc:
        result = {"op_id": op.op_id, "status": "rejected", "error": _error(exc.code, exc.message, exc.fields)}
    except Exception:
        logger.exception("sync operation failed", extra={"op_id": op.op_id, "op": op.op})
        return _stored_or_failed(user, op)
    # Nothing was written (or a no-op update): record the outcome on its own, once.
    if receipts.put_if_absent(Receipt(user.regency, user.sub, op.op_id, fp, result, now, expires)):
        return result
    return _stored_or_failed(user, op)


def _run(deps: Deps, user: User, op: SyncOperation, receipt_for) -> Enrolment:
    if contains_too_deep(op.data):  # cut off at parse time (api/http.py): this operation alone fails
        raise Malformed("DATA_TOO_DEEP", f"Data operasi ini bersarang terlalu dalam (maksimal {MAX_BODY_DEPTH} "
                        "tingkat untuk seluruh badan permintaan)", {"data": "terlalu dalam"})
    from chalicelib.domain import validation  # pydantic, on first use (domain/validation.py)

    if op.op == "create":
        data = validate(validation.EnrolmentIn, op.data)
        return enrolments.enrol(deps, user, op.programme_id, data, eid=op.id, receipt=receipt_for)
    if op.id is None:
        raise Invalid("VALIDATION_FAILED", "Operasi ini wajib menyebut id data", {"id": "wajib diisi"})
    if op.op == "update":
        if op.version is None:
            raise Invalid("VALIDATION_FAILED", "Perubahan wajib menyebut versi data", {"version": "wajib diisi"})
        return enrolments.patch(deps, user, op.id, validate(validation.EnrolmentPatch, op.data), op.version,
                                receipt=receipt_for)
    if op.data:
        raise Invalid("VALIDATION_FAILED", "Penghapusan tidak membawa data", {"data": "harus kosong"})
    return enrolments.delete(deps, user, op.id, op.version, receipt=receipt_for)


def _applied(op: SyncOperation, e: Enrolment) -> dict:
    return {"op_id": op.op_id, "status": "applied", "id": e.id, "version": e.version}


def _conflict(op: SyncOperation, exc: Conflict) -> dict:
    error = _error(exc.code, exc.message, exc.fields)
    if exc.code == "ENROLMENT_DUPLICATE":
        return {"op_id": op.op_id, "status": "duplicate", "id": exc.extra.get("existing_id"), "error": error}
    if exc.code == "VERSION_STALE":
        result = {"op_id": op.op_id, "status": "conflict", "id": op.id, "error": error}
        if exc.extra.get("current_version") is not None:
            result["version"] = exc.extra["current_version"]
        return result
    return {"op_id": op.op_id, "status": "rejected", "error": error}


def _stored_or_failed(user: User, op: SyncOperation) -> dict:
    """After a race or an error: if a receipt made it, that is the answer; else retry later."""
    try:
        found = receipts.get(user.regency, user.sub, op.op_id)
    except Exception:
        found = None
    if found is not None:
        return found.result
    return _failed(op, "TEMPORARY_FAILURE", "Operasi belum diproses karena gangguan sementara; kirim ulang")


def _failed(op: SyncOperation, code: str, message: str) -> dict:
    return {"op_id": op.op_id, "status": "failed", "error": _error(code, message, {})}


def _error(code: str, message: str, fields: dict[str, str]) -> dict:
    return {"code": code, "message": message, "fields": dict(fields)}


# ---------- pull ----------
def feed_villages(user: User, requested: str | None) -> list[str]:
    asked = sorted(set(requested.split(","))) if requested else None
    if user.role == "officer":
        if asked is None:
            return sorted(user.villages)
        outside = [v for v in asked if v not in user.villages]
        if outside:
            raise enrolments.outside_villages("villages", f"di luar wilayah tugas: {', '.join(outside)}")
        return asked
    if not asked:
        raise Invalid("VILLAGES_REQUIRED", "Sebutkan desa yang ingin disinkronkan (maksimal 20)",
                      {"villages": "wajib diisi"})
    if len(asked) > MAX_ADMIN_VILLAGES:
        raise Invalid("VALIDATION_FAILED", "Terlalu banyak desa", {"villages": "maksimal 20"})
    return asked


def pull(deps: Deps, user: User, query: FeedQuery) -> dict:
    villages = feed_villages(user, query.villages)
    scope = f"sync|{user.regency}|{user.sub}"
    state = cursors.decode(query.since, scope, _is_feed_state) or {}
    labels = [_PROGRAMMES, *villages]
    positions: dict[str, str] = {k: v for k, v in (state.get("p") or {}).items() if k in labels}
    horizon = iso(deps.clock() - timedelta(seconds=config.sync_settle_seconds()))
    # Partitions in their first pass, with the horizon that pass started at: tombstones stamped
    # before it are of records this device never received, so they are not worth 2G bytes.
    fresh: dict[str, str] = {k: v for k, v in (state.get("f") or {}).items() if k in labels}
    fresh.update({k: horizon for k in labels if k not in positions and k not in fresh})
    changes: list[feed.Change] = []
    has_more = False
    for label in labels:
        room = query.limit - len(changes)
        if room <= 0:
            has_more = True
            break
        items = _changes_since(user.regency, label, positions.get(label), min(room + 1, 100))
        caught_up = True
        for entry in items:
            if entry.stamped > horizon:
                break
            if len(changes) == query.limit:
                has_more, caught_up = True, False
                break
            change = feed.change(entry)
            positions[label] = entry.position
            if change is None or (change.tombstone and label in fresh and entry.stamped <= fresh[label]):
                continue
            changes.append(change)
        if caught_up:
            fresh.pop(label, None)
    next_state = {"p": positions, "f": fresh, "v": 1}
    return {"changes": changes, "next_cursor": cursors.encode(next_state, scope), "has_more": has_more,
            "villages": villages}


def _is_feed_state(state: dict) -> bool:
    """pull's cursor: {"p": {partition: last g_chg_sk}, "f": {partition: first-pass horizon}, "v": 1}."""
    return (set(state) <= {"p", "f", "v"} and cursors.is_text_map(state.get("p", {}))
            and cursors.is_text_map(state.get("f", {})) and cursors.is_count(state.get("v", 1)))


def _changes_since(regency: str, label: str, position: str | None, page_size: int) -> Iterator[feed.Entry]:
    if label == _PROGRAMMES:
        return programme_repo.changes_since(regency, position, page_size)
    return enrolment_repo.changes_since(regency, label, position, page_size)
