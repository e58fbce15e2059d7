"""Pure pieces of the field API: gzip negotiation and encoding, op fingerprints, scope of the
feed, document checks. No AWS."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
from chalice import Response

from chalicelib.api.http import GZIP_MIN_BYTES, GzipResponse, accepts_gzip, encode
from chalicelib.api.schemas import SyncOperation
from chalicelib.auth import User
from chalicelib.domain.errors import Forbidden, Invalid
from chalicelib.services.documents import object_problems
from chalicelib.services.sync import feed_villages, fingerprint


@pytest.mark.parametrize(("header", "ok"), [
    (None, False), ("", False), ("gzip", True), ("deflate, gzip;q=0.8", True), ("gzip;q=0", False),
    ("br", False), ("*", True), ("GZIP", True), ("identity", False),
])
def test_accepts_gzip(header, ok):
    assert accepts_gzip(header) is ok


def test_encode_gzips_large_bodies_only_when_asked():
    big = {"changes": [{"id": str(i), "name": "Siti Rahman"} for i in range(100)]}
    zipped = encode(Response(body=big, headers={"Content-Type": "application/json"}), "gzip")
    assert isinstance(zipped, GzipResponse) and zipped.headers["Content-Encoding"] == "gzip"
    event = zipped.to_dict(["application/octet-stream"])
    assert event["isBase64Encoded"] is True
    assert json.loads(gzip.decompress(base64.b64decode(event["body"]))) == big
    plain = encode(Response(body=big, headers={"Content-Type": "application/json"}), None)
    assert "Content-Encoding" not in plain.headers and json.loads(plain.body) == big
    small = encode(Response(body={"status": "ok"}), "gzip")
    assert len(json.dumps({"status": "ok"})) < GZIP_MIN_BYTES and "Content-Encoding" not in small.headers


def _op(**kw):
    return SyncOperation.model_validate({"op_id": "a1", "op": "create", "type": "enrolment", "programme_id": "P",
                                         "data": {"name": "Budi", "nik": "1"}, **kw})


def test_fingerprint_ignores_op_id_and_key_order_but_not_content():
    assert fingerprint(_op()) == fingerprint(_op(op_id="other"))
    reordered = SyncOperation.model_validate({"data": {"nik": "1", "name": "Budi"}, "programme_id": "P",
                                              "type": "enrolment", "op": "create", "op_id": "a1"})
    assert fingerprint(reordered) == fingerprint(_op())
    assert fingerprint(_op(data={"name": "Budi", "nik": "2"})) != fingerprint(_op())


def test_feed_villages_by_role():
    officer = User("o", "officer", "16.03", frozenset({"16.03.01.2011", "16.03.01.2012"}))
    assert feed_villages(officer, None) == ["16.03.01.2011", "16.03.01.2012"]
    assert feed_villages(officer, "16.03.01.2012") == ["16.03.01.2012"]
    with pytest.raises(Forbidden):
        feed_villages(officer, "16.03.01.2013")
    viewer = User("v", "viewer", "16.03")
    with pytest.raises(Invalid):
        feed_villages(viewer, None)
    assert feed_villages(viewer, "16.03.01.2013,16.03.01.2011") == ["16.03.01.2011", "16.03.01.2013"]


@pytest.mark.parametrize(("head", "bad"), [
    ({"ContentLength": 10, "ContentType": "image/jpeg", "ServerSideEncryption": "AES256"}, set()),
    ({"ContentLength": 10, "ContentType": "image/png", "ServerSideEncryption": "aws:kms"}, set()),
    ({"ContentLength": 6 * 1024 * 1024, "ContentType": "image/jpeg", "ServerSideEncryption": "AES256"}, {"size"}),
    ({"ContentLength": 10, "ContentType": "text/html", "ServerSideEncryption": "AES256"}, {"content_type"}),
    ({"ContentLength": 10, "ContentType": "application/pdf"}, {"encryption"}),
])
def test_uploaded_objects_are_checked(head, bad):
    assert set(object_problems(head)) == bad


def test_storage_template_keeps_the_bucket_private_and_encrypted():
    from chalicelib import config

    text = (config.PROJECT_DIR / "infra" / "storage.yaml").read_text()
    for needle in ("BlockPublicAcls: true", "RestrictPublicBuckets: true", "SSEAlgorithm: AES256"):
        assert needle in text
    policies = (config.PROJECT_DIR / "infra" / "bucket-policies.yaml").read_text()  # deploy-only: moto skips them
    for needle in ("${TablePrefix}-documents", "aws:SecureTransport", "s3:x-amz-server-side-encryption"):
        assert needle in policies
    assert "AttributeName: expires_at" in (config.PROJECT_DIR / "infra" / "tables.yaml").read_text()
