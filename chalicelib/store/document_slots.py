"""Issued document uploads (DocumentSlotModel): the declared content type and size of each, so
the confirm step can compare the stored object with what was declared. moto does not enforce a
presigned POST's policy (S3 does), and the declaration must not come from the client twice."""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist

from chalicelib.store import keys
from chalicelib.store.models import DocumentSlotModel

KEEP_SECONDS = 86400


@dataclass(frozen=True)
class Slot:
    content_type: str
    size: int


def _sk(kind: str, doc_id: str) -> str:
    return f"DOCSLOT#{kind}#{doc_id}"


def issue(regency: str, eid: str, kind: str, doc_id: str, content_type: str, size: int, now: str, by: str,
          now_epoch: int) -> None:
    """A new id each time, so the conditional put only guards against an id generated twice."""
    DocumentSlotModel(keys.enrolment(regency, eid), _sk(kind, doc_id), content_type=content_type, size=size,
                      issued_at=now, issued_by=by, expires_at=now_epoch + KEEP_SECONDS).save(
        condition=DocumentSlotModel.pk.does_not_exist())


def get(regency: str, eid: str, kind: str, doc_id: str) -> Slot | None:
    try:
        m = DocumentSlotModel.get(keys.enrolment(regency, eid), _sk(kind, doc_id), consistent_read=True)
    except DoesNotExist:
        return None
    return Slot(m.content_type, int(m.size))
