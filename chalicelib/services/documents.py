"""KTP photos and signed consent forms attached to an enrolment, stored in the private bucket.

Flow (the phone never holds AWS credentials, and the API never carries the file):
1. `POST /v1/enrolments/{eid}/documents` {kind, content_type, size} → a presigned POST for one
   new key, valid UPLOAD_EXPIRES s, that S3 accepts only with that Content-Type, at most the
   declared size (≤ 5 MB), and the SSE header (infra/storage.yaml also denies unencrypted puts).
2. The phone POSTs the file to S3.
3. `PUT /v1/enrolments/{eid}/documents/{kind}` {document_id} → the API checks the stored object
   (size, type, encryption; a bad one is deleted) and records its metadata on the enrolment:
   a new version with an audit entry, which the sync feed then carries to other devices.
4. `GET /v1/enrolments/{eid}/documents/{kind}` → a presigned GET valid DOWNLOAD_EXPIRES s.
Who: admins, and officers of the enrolment's village (scope checked by enrolments.get). Viewers
read registry data but not ID photos: least privilege for the most sensitive personal data.
"""

from __future__ import annotations

from chalicelib.api import schemas
from chalicelib.auth import User
from chalicelib.domain.errors import Invalid, NotFound
from chalicelib.observability import logger
from chalicelib.services import enrolments
from chalicelib.services.deps import Deps
from chalicelib.store import blobs, keys

UPLOAD_EXPIRES = 300
DOWNLOAD_EXPIRES = 120
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


def request_upload(deps: Deps, user: User, eid: str, data: schemas.DocumentUploadIn) -> dict:
    enrolments.get(user, eid)  # exists, not deleted, in the caller's villages
    doc_id = deps.new_id()
    key = keys.document_object(user.regency, eid, data.kind, doc_id)
    post = blobs.presigned_upload(key, data.content_type, data.size, UPLOAD_EXPIRES)
    logger.info("document upload issued", extra={"enrolment_id": eid, "kind": data.kind, "document_id": doc_id})
    return {"document_id": doc_id, "kind": data.kind, "url": post["url"], "fields": post["fields"],
            "expires_in": UPLOAD_EXPIRES, "max_bytes": data.size}


def confirm(deps: Deps, user: User, eid: str, kind: str, data: schemas.DocumentConfirmIn) -> dict:
    _check_kind(kind)
    enrolments.get(user, eid)
    key = keys.document_object(user.regency, eid, kind, data.document_id)
    found = blobs.head(key)
    if found is None:
        raise Invalid("DOCUMENT_NOT_UPLOADED", "Berkas belum diunggah atau tautan sudah kedaluwarsa",
                      {"document_id": "berkas tidak ditemukan"})
    problems = object_problems(found)
    if problems:
        blobs.delete(key)
        raise Invalid("DOCUMENT_INVALID", "Berkas ditolak", problems)
    meta = {"id": data.document_id, "content_type": found["ContentType"], "size": int(found["ContentLength"]),
            "uploaded_at": deps.now_iso(), "uploaded_by": user.sub}
    updated = enrolments.attach_document(deps, user, eid, kind, meta)
    return {**meta, "kind": kind, "enrolment_version": updated.version}


def object_problems(head: dict) -> dict[str, str]:
    """Checked again after upload: S3 enforces the POST policy, emulators may not."""
    problems = {}
    if not 1 <= int(head.get("ContentLength", 0)) <= schemas.MAX_DOCUMENT_BYTES:
        problems["size"] = "maksimal 5 MB"
    if head.get("ContentType") not in _EXTENSIONS:
        problems["content_type"] = "hanya JPEG, PNG atau PDF"
    if head.get("ServerSideEncryption") not in {"AES256", "aws:kms"}:
        problems["encryption"] = "berkas harus terenkripsi"
    return problems


def download(user: User, eid: str, kind: str) -> dict:
    _check_kind(kind)
    enrolment = enrolments.get(user, eid)
    meta = enrolment.documents.get(kind)
    if meta is None:
        raise NotFound("DOCUMENT_NOT_FOUND", "Dokumen ini belum diunggah")
    key = keys.document_object(user.regency, eid, kind, meta["id"])
    url = blobs.presigned_download(key, meta["content_type"], DOWNLOAD_EXPIRES,
                                   f"{kind}-{eid}.{_EXTENSIONS.get(meta['content_type'], 'bin')}")
    logger.info("document download issued", extra={"enrolment_id": eid, "kind": kind})
    return {**meta, "kind": kind, "url": url, "expires_in": DOWNLOAD_EXPIRES}


def _check_kind(kind: str) -> None:
    if kind not in {"ktp", "consent"}:
        raise NotFound("DOCUMENT_KIND_UNKNOWN", "Jenis dokumen tidak dikenal (ktp atau consent)")
