"""Receipts of sync operations: the record that makes replaying a batch harmless.

One item per (user, op_id). When an operation changes data, its receipt is saved inside that
change's transaction (store/enrolments.py `receipt=`), so "applied" and "recorded" cannot come
apart; outcomes that change nothing (rejected, duplicate, conflict) are recorded afterwards by a
conditional put. Either way a receipt is written once and never overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.domain.receipt import Receipt
from chalicelib.store import db, keys
from chalicelib.store.models import OpReceiptModel


def model(r: Receipt) -> OpReceiptModel:
    """The receipt's item (store/enrolments.py saves it inside the change's transaction)."""
    return OpReceiptModel(keys.op_receipts(r.regency, r.sub), r.op_id, fingerprint=r.fingerprint,
                          status=r.result["status"], eid=r.result.get("id"), version=r.result.get("version"),
                          error=r.result.get("error"), at=r.at, expires_at=r.expires_at)


def _from_model(regency: str, sub: str, m: OpReceiptModel) -> Receipt:
    result: dict = {"op_id": m.sk, "status": m.status}
    if m.eid:
        result["id"] = m.eid
    if m.version is not None:
        result["version"] = int(m.version)
    if m.error:
        result["error"] = m.error
    return Receipt(regency, sub, m.sk, m.fingerprint, result, m.at, int(m.expires_at))


def get_many(regency: str, sub: str, op_ids: Iterable[str]) -> dict[str, Receipt]:
    """One BatchGetItem per 100 ids, strongly consistent (a receipt written a moment ago counts)."""
    pk = keys.op_receipts(regency, sub)
    found = OpReceiptModel.batch_get([(pk, op_id) for op_id in op_ids], consistent_read=True)
    return {m.sk: _from_model(regency, sub, m) for m in found}


def get(regency: str, sub: str, op_id: str) -> Receipt | None:
    try:
        return _from_model(regency, sub, OpReceiptModel.get(keys.op_receipts(regency, sub), op_id,
                                                            consistent_read=True))
    except DoesNotExist:
        return None


def put_if_absent(receipt: Receipt) -> bool:
    """False when a receipt for this op exists already (a concurrent replay recorded it first)."""
    item = model(receipt)
    try:
        db.retrying(lambda: item.save(condition=OpReceiptModel.pk.does_not_exist()), "sync.receipt")
        return True
    except PutError as exc:
        if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
            return False
        raise
