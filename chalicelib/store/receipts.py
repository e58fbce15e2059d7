"""Receipts of sync operations: the record that makes replaying a batch harmless.

One item per (user, op_id). When an operation changes data, its receipt is saved inside that
change's transaction (store/enrolments.py `receipt=`), so "applied" and "recorded" cannot come
apart; outcomes that change nothing (rejected, duplicate, conflict) are recorded afterwards by a
conditional put. Either way a receipt is written once and never overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.store import db, keys
from chalicelib.store.models import OpReceiptModel


def build(regency: str, sub: str, op_id: str, fingerprint: str, result: dict, at: str,
          expires_at: int) -> OpReceiptModel:
    return OpReceiptModel(keys.op_receipts(regency, sub), op_id, fingerprint=fingerprint,
                          status=result["status"], eid=result.get("id"), version=result.get("version"),
                          error=result.get("error"), at=at, expires_at=expires_at)


def as_result(m: OpReceiptModel) -> dict:
    result: dict = {"op_id": m.sk, "status": m.status}
    if m.eid:
        result["id"] = m.eid
    if m.version is not None:
        result["version"] = int(m.version)
    if m.error:
        result["error"] = m.error
    return result


def get_many(regency: str, sub: str, op_ids: Iterable[str]) -> dict[str, OpReceiptModel]:
    """One BatchGetItem per 100 ids, strongly consistent (a receipt written a moment ago counts)."""
    pk = keys.op_receipts(regency, sub)
    found = OpReceiptModel.batch_get([(pk, op_id) for op_id in op_ids], consistent_read=True)
    return {m.sk: m for m in found}


def get(regency: str, sub: str, op_id: str) -> OpReceiptModel | None:
    try:
        return OpReceiptModel.get(keys.op_receipts(regency, sub), op_id, consistent_read=True)
    except DoesNotExist:
        return None


def put_if_absent(receipt: OpReceiptModel) -> bool:
    """False when a receipt for this op exists already (a concurrent replay recorded it first)."""
    try:
        db.retrying(lambda: receipt.save(condition=OpReceiptModel.pk.does_not_exist()), "sync.receipt")
        return True
    except PutError as exc:
        if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
            return False
        raise
