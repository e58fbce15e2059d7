"""Documents through the emulator's S3 over HTTP: presigned POST upload, confirm, presigned GET."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from tests.integration.helpers import VILLAGE_A, VILLAGE_B, new_person, new_programme
from tests.integration.sent import on_localstack

JPEG = b"\xff\xd8\xff\xe0" + b"KTP-photo-bytes" * 100 + b"\xff\xd9"


@pytest.fixture()
def enrolment(api, admin):
    p = new_programme(api, admin)
    return api.call("POST", f"/v1/programmes/{p['id']}/enrolments", admin, new_person(village=VILLAGE_A)).data


def upload(api, token, eid, body=JPEG, kind="ktp", content_type="image/jpeg", declared=None):
    slot = api.call("POST", f"/v1/enrolments/{eid}/documents", token,
                    {"kind": kind, "content_type": content_type, "size": declared or len(body)})
    assert slot.status_code == 201, slot.data
    sent = requests.post(slot.data["url"], data=slot.data["fields"], files={"file": ("f", body, content_type)},
                         timeout=10)
    assert sent.status_code in (200, 201, 204), sent.text
    return slot.data


def test_officer_uploads_ktp_and_admin_downloads_it(api, admin, tokens_for, enrolment):
    officer = tokens_for("officer", [VILLAGE_A], sub="operator-embawang-docs")
    eid = enrolment["id"]
    slot = upload(api, officer, eid)
    policy = json.loads(base64.b64decode(slot["fields"]["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 1, len(JPEG)] in conditions
    assert {"x-amz-server-side-encryption": "AES256"} in conditions and {"Content-Type": "image/jpeg"} in conditions
    assert slot["expires_in"] == 300 and slot["fields"]["key"].startswith(f"16.03/enrolments/{eid}/ktp/")
    assert enrolment["nik"] not in slot["fields"]["key"]

    done = api.call("PUT", f"/v1/enrolments/{eid}/documents/ktp", officer, {"document_id": slot["document_id"]})
    assert done.status_code == 200, done.data
    assert done.data["size"] == len(JPEG) and done.data["enrolment_version"] == 2

    record = api.call("GET", f"/v1/enrolments/{eid}", admin).data
    assert record["version"] == 2 and record["documents"]["ktp"]["id"] == slot["document_id"]
    audit = api.call("GET", f"/v1/enrolments/{eid}/audit", admin).data["items"][0]
    assert audit["actor"] == "operator-embawang-docs"
    assert audit["changes"]["documents.ktp"] == [None, slot["document_id"]]

    link = api.call("GET", f"/v1/enrolments/{eid}/documents/ktp", admin)
    assert link.status_code == 200, link.data
    assert parse_qs(urlparse(link.data["url"]).query)["X-Amz-Expires"] == ["120"]
    fetched = requests.get(link.data["url"], timeout=10)
    assert fetched.status_code == 200 and fetched.content == JPEG
    assert fetched.headers["Content-Type"] == "image/jpeg"


def test_signed_consent_pdf_replaces_nothing_else(api, admin, tokens_for, enrolment):
    officer = tokens_for("officer", [VILLAGE_A])
    eid = enrolment["id"]
    ktp = upload(api, officer, eid)
    api.call("PUT", f"/v1/enrolments/{eid}/documents/ktp", officer, {"document_id": ktp["document_id"]})
    consent = upload(api, officer, eid, body=b"%PDF-1.4 consent", kind="consent", content_type="application/pdf")
    r = api.call("PUT", f"/v1/enrolments/{eid}/documents/consent", officer, {"document_id": consent["document_id"]})
    assert r.status_code == 200 and r.data["enrolment_version"] == 3
    docs = api.call("GET", f"/v1/enrolments/{eid}", admin).data["documents"]
    assert set(docs) == {"ktp", "consent"} and docs["consent"]["content_type"] == "application/pdf"


@pytest.mark.parametrize(("body", "change", "status", "code"), [
    ({"kind": "ktp", "content_type": "image/gif", "size": 10}, None, 422, "VALIDATION_FAILED"),
    ({"kind": "ktp", "content_type": "image/jpeg", "size": 5 * 1024 * 1024 + 1}, None, 422, "VALIDATION_FAILED"),
    ({"kind": "selfie", "content_type": "image/jpeg", "size": 10}, None, 422, "VALIDATION_FAILED"),
])
def test_upload_limits(api, admin, enrolment, body, change, status, code):
    r = api.call("POST", f"/v1/enrolments/{enrolment['id']}/documents", admin, body)
    assert r.status_code == status and r.data["error"]["code"] == code
    assert set(r.data["error"]["fields"]) & {"content_type", "size", "kind"}


def test_an_object_that_breaks_the_rules_is_refused_and_deleted(api, admin, enrolment):
    """S3 enforces the POST policy; moto does not (LocalStack does), so the API checks again after upload."""
    from chalicelib import config
    from chalicelib.store import blobs

    eid = enrolment["id"]
    slot = api.call("POST", f"/v1/enrolments/{eid}/documents", admin,
                    {"kind": "ktp", "content_type": "image/jpeg", "size": 10}).data
    sent = requests.post(slot["url"], data=slot["fields"], files={"file": ("f", JPEG, "image/jpeg")}, timeout=10)
    r = api.call("PUT", f"/v1/enrolments/{eid}/documents/ktp", admin, {"document_id": slot["document_id"]})
    if on_localstack():  # it sends more than it declared: refused by the bucket, as in AWS
        assert sent.status_code == 400 and "EntityTooLarge" in sent.text
        assert r.status_code == 422 and r.data["error"]["code"] == "DOCUMENT_NOT_UPLOADED"
    else:  # moto stores it: the API compares the stored size with the declared one and deletes it
        assert sent.status_code in (200, 201, 204), sent.text
        assert r.status_code == 422 and r.data["error"]["code"] == "DOCUMENT_SIZE_MISMATCH", r.data
        assert blobs.documents.head(slot["fields"]["key"]) is None
    sneaky = api.call("POST", f"/v1/enrolments/{eid}/documents", admin,
                      {"kind": "consent", "content_type": "application/pdf", "size": 10}).data
    key = sneaky["fields"]["key"]
    blobs.s3().put_object(Bucket=config.documents_bucket(), Key=key, Body=b"<html>", ContentType="text/html")
    bad = api.call("PUT", f"/v1/enrolments/{eid}/documents/consent", admin, {"document_id": sneaky["document_id"]})
    assert bad.status_code == 422 and bad.data["error"]["code"] == "DOCUMENT_INVALID"
    assert "content_type" in bad.data["error"]["fields"]
    assert blobs.documents.head(key) is None
    never = api.call("PUT", f"/v1/enrolments/{eid}/documents/consent", admin,
                     {"document_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"})
    assert never.status_code == 422 and never.data["error"]["code"] == "DOCUMENT_NOT_UPLOADED"
    assert api.call("GET", f"/v1/enrolments/{eid}/documents/consent", admin).status_code == 404


def test_document_scope(api, admin, tokens_for, enrolment):
    eid = enrolment["id"]
    slot = upload(api, admin, eid)
    assert api.call("PUT", f"/v1/enrolments/{eid}/documents/ktp", admin,
                    {"document_id": slot["document_id"]}).status_code == 200
    body = {"kind": "ktp", "content_type": "image/jpeg", "size": 10}
    expected = {
        "admin": (tokens_for("admin"), 201, 200),
        "officer of the village": (tokens_for("officer", [VILLAGE_A]), 201, 200),
        "officer elsewhere": (tokens_for("officer", [VILLAGE_B]), 403, 403),
        "viewer": (tokens_for("viewer"), 403, 403),
    }
    for who, (token, upload_status, download_status) in expected.items():
        up = api.call("POST", f"/v1/enrolments/{eid}/documents", token, body)
        down = api.call("GET", f"/v1/enrolments/{eid}/documents/ktp", token)
        assert (up.status_code, down.status_code) == (upload_status, download_status), who
        if down.status_code == 403:
            assert "url" not in (down.data or {}) and down.data["error"]["code"] in {"VILLAGE_FORBIDDEN",
                                                                                   "ROLE_FORBIDDEN"}


def test_documents_are_not_readable_without_authorisation(api, admin, tokens_for, enrolment):
    """No token, a bad or expired one: 401; an officer of another village or a viewer: 403. A
    presigned URL is only ever in the answer to an authorised caller, and an enrolment's record
    names its documents without any link or storage key."""
    eid = enrolment["id"]
    slot = upload(api, admin, eid)
    assert api.call("PUT", f"/v1/enrolments/{eid}/documents/ktp", admin,
                    {"document_id": slot["document_id"]}).status_code == 200
    good = tokens_for("officer", [VILLAGE_A])
    forged = good[:-6] + ("AAAAAA" if not good.endswith("AAAAAA") else "BBBBBB")
    refused = {
        "no token": (None, 401),
        "forged signature": (forged, 401),
        "expired": (tokens_for("officer", [VILLAGE_A], ttl=-60), 401),
        "officer elsewhere": (tokens_for("officer", [VILLAGE_B]), 403),
        "viewer": (tokens_for("viewer"), 403),
    }
    new_slot = {"kind": "consent", "content_type": "application/pdf", "size": 10}
    for who, (token, status) in refused.items():
        calls = [api.call("GET", f"/v1/enrolments/{eid}/documents/ktp", token),
                 api.call("POST", f"/v1/enrolments/{eid}/documents", token, new_slot),
                 api.call("PUT", f"/v1/enrolments/{eid}/documents/ktp", token, {"document_id": slot["document_id"]})]
        assert [c.status_code for c in calls] == [status] * 3, who
        for c in calls:
            assert set(c.data) == {"error"} and "url" not in json.dumps(c.data), who
    for token in (admin, good, tokens_for("viewer")):
        record = api.call("GET", f"/v1/enrolments/{eid}", token)
        if record.status_code == 200:
            docs = json.dumps(record.data.get("documents"))
            assert "http" not in docs and "X-Amz" not in docs and slot["fields"]["key"] not in docs
    assert "url" in api.call("GET", f"/v1/enrolments/{eid}/documents/ktp", good).data


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 200
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def _slot(api, token, eid, kind, content_type, size):
    r = api.call("POST", f"/v1/enrolments/{eid}/documents", token, {"kind": kind, "content_type": content_type,
                                                                    "size": size})
    assert r.status_code == 201, r.data
    return r.data


def _store(slot, body, content_type):
    """Put bytes at the slot's key directly (what a client ignoring the POST policy leaves behind)."""
    from chalicelib import config
    from chalicelib.store import blobs

    blobs.s3().put_object(Bucket=config.documents_bucket(), Key=slot["fields"]["key"], Body=body,
                          ContentType=content_type, ServerSideEncryption="AES256")


@pytest.mark.parametrize(("kind", "content_type", "body"), [("ktp", "image/png", PNG),
                                                           ("consent", "application/pdf", PDF)])
def test_png_and_pdf_by_their_magic_bytes_are_accepted(api, admin, enrolment, kind, content_type, body):
    slot = upload(api, admin, enrolment["id"], body=body, kind=kind, content_type=content_type)
    r = api.call("PUT", f"/v1/enrolments/{enrolment['id']}/documents/{kind}", admin,
                 {"document_id": slot["document_id"]})
    assert r.status_code == 200 and r.data["size"] == len(body), r.data


@pytest.mark.parametrize(("declared_type", "body", "stored_type", "code"), [
    ("image/jpeg", b"MZ\x90\x00" + b"\x00" * 500, "image/jpeg", "DOCUMENT_TYPE_MISMATCH"),  # an .exe
    ("image/jpeg", PNG, "image/jpeg", "DOCUMENT_TYPE_MISMATCH"),  # a real PNG sent as JPEG
    ("application/pdf", b"<html><script>alert(1)</script></html>", "application/pdf", "DOCUMENT_TYPE_MISMATCH"),
    ("image/png", PNG, "image/jpeg", "DOCUMENT_TYPE_MISMATCH"),  # stored with another Content-Type
])
def test_content_that_is_not_what_was_declared_is_deleted_and_refused(api, admin, enrolment, declared_type, body,
                                                                      stored_type, code):
    from chalicelib.store import blobs

    eid = enrolment["id"]
    slot = _slot(api, admin, eid, "ktp", declared_type, len(body))
    _store(slot, body, stored_type)
    r = api.call("PUT", f"/v1/enrolments/{eid}/documents/ktp", admin, {"document_id": slot["document_id"]})
    assert r.status_code == 422 and r.data["error"]["code"] == code, r.data
    assert r.data["error"]["message"] and r.data["error"]["fields"]
    assert blobs.documents.head(slot["fields"]["key"]) is None, "deleted"
    after = api.call("GET", f"/v1/enrolments/{eid}", admin).data
    assert after["version"] == enrolment["version"] and not after.get("documents"), "nothing attached"


def test_a_2_mb_upload_declared_as_1000_bytes_is_deleted_and_refused(api, admin, enrolment):
    from chalicelib.store import blobs

    eid = enrolment["id"]
    big = JPEG[:-2] + b"\x00" * (2 * 1024 * 1024) + b"\xff\xd9"
    slot = _slot(api, admin, eid, "ktp", "image/jpeg", 1000)
    _store(slot, big, "image/jpeg")
    r = api.call("PUT", f"/v1/enrolments/{eid}/documents/ktp", admin, {"document_id": slot["document_id"]})
    assert r.status_code == 422 and r.data["error"]["code"] == "DOCUMENT_SIZE_MISMATCH", r.data
    assert "1000" in r.data["error"]["fields"]["size"]
    assert blobs.documents.head(slot["fields"]["key"]) is None
    unissued = api.call("PUT", f"/v1/enrolments/{eid}/documents/ktp", admin,
                        {"document_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"})
    assert unissued.status_code == 422 and unissued.data["error"]["code"] == "DOCUMENT_NOT_UPLOADED"
