"""The documents bucket (infra/storage.yaml): presigned upload/download and object checks.

The client is made on first use. boto3 honours AWS_ENDPOINT_URL (moto, LocalStack); against an
emulator on an IP address S3 needs path-style URLs, in AWS the default (virtual-hosted) applies.
"""

from __future__ import annotations

import os
from functools import cache

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from chalicelib import config

SSE = "AES256"


@cache
def s3():
    style = "path" if (os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")) else "auto"
    return boto3.client("s3", region_name=config.region(),
                        config=Config(signature_version="s3v4", s3={"addressing_style": style}))


def presigned_upload(key: str, content_type: str, max_bytes: int, expires_in: int) -> dict:
    """A POST policy that only accepts this key, this content type, at most max_bytes, with SSE."""
    fields = {"Content-Type": content_type, "x-amz-server-side-encryption": SSE}
    conditions = [{"Content-Type": content_type}, {"x-amz-server-side-encryption": SSE},
                  ["content-length-range", 1, max_bytes]]
    return s3().generate_presigned_post(config.documents_bucket(), key, Fields=fields, Conditions=conditions,
                                        ExpiresIn=expires_in)


def presigned_download(key: str, content_type: str, expires_in: int, filename: str) -> str:
    return s3().generate_presigned_url("get_object", ExpiresIn=expires_in, Params={
        "Bucket": config.documents_bucket(), "Key": key, "ResponseContentType": content_type,
        "ResponseContentDisposition": f'attachment; filename="{filename}"'})


def head(key: str) -> dict | None:
    try:
        return s3().head_object(Bucket=config.documents_bucket(), Key=key)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise


def first_bytes(key: str, n: int) -> bytes:
    """The object's first `n` bytes (a ranged GET): enough to read a file's magic number."""
    return s3().get_object(Bucket=config.documents_bucket(), Key=key, Range=f"bytes=0-{n - 1}")["Body"].read()


def delete(key: str) -> None:
    s3().delete_object(Bucket=config.documents_bucket(), Key=key)


def reset() -> None:
    s3.cache_clear()


def delete_everything_under(prefix: str) -> int:
    """Every version and delete marker under `prefix` (the bucket is versioned: a plain delete
    would keep the old photo for the noncurrent-version lifecycle's 365 days). Returns how many."""
    client, bucket, removed = s3(), config.documents_bucket(), 0
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                  for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        if doomed:
            client.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})
            removed += len(doomed)
    return removed
