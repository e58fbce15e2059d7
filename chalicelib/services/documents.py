"""KTP photos and signed consent forms attached to an enrolment, stored in the private bucket.

Flow (the phone never holds AWS credentials, and the API never carries the file):
1. `POST /v1/enrolments/{eid}/documents` {kind, content_type, size} → a presigned POST for one
   new key, valid UPLOAD_EXPIRES s, that S3 accepts only with that Content-Type, at most the
   declared size (≤ 5 MB), and the SSE header (infra/storage.yaml also denies unencrypted puts).
2. The phone POSTs the file to S3.
3. `PUT /v1/enrolments/{eid}/documents/{kind}` {document_id} → the API checks the stored object
   against the rules (≤ 5 MB, JPEG/PNG/PDF, encrypted: DOCUMENT_INVALID) and against what
   step 1 declared (kept in store/document_slots): the same size in bytes
   (DOCUMENT_SIZE_MISMATCH), the declared Content-Type and content that starts with that
   type's magic bytes, JPEG FF D8 FF, PNG 89 50 4E 47 0D 0A 1A 0A, PDF %PDF-
   (DOCUMENT_TYPE_MISMATCH). A refused object is deleted.
   An accepted one is recorded on the enrolment: a new version with an audit entry, which the
   sync feed then carries to other devices.
4. `GET /v1/enrolments/{eid}/documents/{kind}` → a presigned GET valid DOWNLOAD_EXPIRES s.
Who: admins, and officers of the enrolment's village (scope checked by enrolments.get). Viewers
read registry data but not ID photos: least privilege for the most sensitive personal data.
"""

from __future__ import annotations

from chalicelib.auth import User
from chalicelib.domain.errors import Invalid, NotFound
from chalicelib.domain.inputs import MAX_DOCUMENT_BYTES, DocumentConfirm, DocumentUpload
from chalicelib.observability import logger
from chalicelib.services import access, enrolments
from chalicelib.services.deps import Deps
from chalicelib.store import document_slots, keys
from chalicelib.store.blobs import documents as bucket

UPLOAD_EXPIRES = 300
DOWNLOAD_EXPIRES = 120
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


def request_upload(deps: Deps, user: User, eid: str, data: DocumentUpload) -> dict:
    enrolments.get(user, eid)  # exists, not deleted, in the caller's villages
    doc_id = deps.new_id()
    key = keys.document_object(user.regency, eid, data.kind, doc_id)
    document_slots.issue(user.regency, eid, data.kind, doc_id, data.content_type, data.size, deps.now_iso(),
                         user.sub, int(deps.clock().timestamp()))
    post = bucket.upload_form(key, data.size, UPLOAD_EXPIRES, content_type=data.content_type)
    logger.info("document upload issued", extra={"enrolment_id": eid, "kind": data.kind, "document_id": doc_id})
    return {"document_id": doc_id, "kind": data.kind, "url": post["url"], "fields": post["fields"],
            "expires_in": UPLOAD_EXPIRES, "max_bytes": data.size}


def confirm(deps: Deps, user: User, eid: str, kind: str, data: DocumentConfirm) -> dict:
    _check_kind(kind)
    enrolments.get(user, eid)
    key = keys.document_object(user.regency, eid, kind, data.document_id)
    slot = document_slots.get(user.regency, eid, kind, data.document_id)
    found = bucket.head(key) if slot is not None else None
    if found is None:
        raise Invalid("DOCUMENT_NOT_UPLOADED", "Berkas belum diunggah atau tautan sudah kedaluwarsa",
                      {"document_id": "berkas tidak ditemukan"})
    refusal = _refusal(found, slot, lambda: bucket.first_bytes(key, _MAGIC_BYTES))
    if refusal is not None:
        bucket.delete(key)
        logger.info("document refused", extra={"enrolment_id": eid, "kind": kind, "code": refusal.code})
        raise refusal
    meta = {"id": data.document_id, "content_type": found["ContentType"], "size": int(found["ContentLength"]),
            "uploaded_at": deps.now_iso(), "uploaded_by": user.sub}
    updated = enrolments.attach_document(deps, user, eid, kind, meta)
    return {**meta, "kind": kind, "enrolment_version": updated.version}


_MAGIC = {"image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",), "application/pdf": (b"%PDF-",)}
_MAGIC_BYTES = 8
_NAMES = {"image/jpeg": "JPEG", "image/png": "PNG", "application/pdf": "PDF"}


def sniff(head_bytes: bytes) -> str | None:
    """The document type the content's first bytes say it is (JPEG, PNG, PDF), else None."""
    return next((t for t, magics in _MAGIC.items() if head_bytes.startswith(magics)), None)


def _refusal(head: dict, slot: document_slots.Slot, first_bytes) -> Invalid | None:
    """Why the stored object cannot be attached (checked in this order), or None."""
    problems = object_problems(head)
    if problems:
        return Invalid("DOCUMENT_INVALID", "Berkas ditolak", problems)
    size = int(head.get("ContentLength", 0))
    if size != slot.size:
        return Invalid("DOCUMENT_SIZE_MISMATCH", "Ukuran berkas yang tersimpan tidak sama dengan yang diumumkan; "
                       "unggah ulang berkas yang sama", {"size": f"tersimpan {size} byte, diumumkan {slot.size} byte"})
    declared = _NAMES[slot.content_type]
    if head.get("ContentType") != slot.content_type:
        return Invalid("DOCUMENT_TYPE_MISMATCH", f"Berkas tersimpan bukan {declared} seperti yang diumumkan",
                       {"content_type": f"tersimpan {head.get('ContentType')}, diumumkan {slot.content_type}"})
    actual = sniff(first_bytes())
    if actual != slot.content_type:
        what = f"isinya {_NAMES[actual]}" if actual else "isinya bukan JPEG, PNG atau PDF"
        return Invalid("DOCUMENT_TYPE_MISMATCH", f"Isi berkas bukan {declared}; unggah foto/berkas aslinya",
                       {"content": f"{what}, diumumkan {declared}"})
    return None


def object_problems(head: dict) -> dict[str, str]:
    """Checked again after upload: S3 enforces the POST policy, emulators may not."""
    problems = {}
    if not 1 <= int(head.get("ContentLength", 0)) <= MAX_DOCUMENT_BYTES:
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
    url = bucket.download_url(key, DOWNLOAD_EXPIRES, f"{kind}-{eid}.{_EXTENSIONS.get(meta['content_type'], 'bin')}",
                              content_type=meta["content_type"])
    access.note(enrolments=(eid,), programme=enrolment.programme_id)
    logger.info("document download issued", extra={"enrolment_id": eid, "kind": kind})
    return {**meta, "kind": kind, "url": url, "expires_in": DOWNLOAD_EXPIRES}


def _check_kind(kind: str) -> None:
    if kind not in {"ktp", "consent"}:
        raise NotFound("DOCUMENT_KIND_UNKNOWN", "Jenis dokumen tidak dikenal (ktp atau consent)")
