"""The imports bucket: uploaded rosters, import chunks, error reports and large exports.

Presigned URLs let browsers move big files straight to and from S3, so a 30,000-row roster never
passes through API Gateway (10 MB request limit) or Lambda's 6 MB response limit.
"""

from __future__ import annotations

from chalicelib import aws, config


def put(key: str, body: bytes, content_type: str = "application/octet-stream") -> None:
    aws.client("s3").put_object(Bucket=config.imports_bucket(), Key=key, Body=body, ContentType=content_type)


def get(key: str) -> bytes:
    return aws.client("s3").get_object(Bucket=config.imports_bucket(), Key=key)["Body"].read()


def size(key: str) -> int | None:
    """Size of an object, or None when it does not exist."""
    s3 = aws.client("s3")
    try:
        return s3.head_object(Bucket=config.imports_bucket(), Key=key)["ContentLength"]
    except s3.exceptions.ClientError as exc:
        if exc.response["Error"]["Code"] in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise


def upload_form(key: str, max_bytes: int, expires_in: int) -> dict:
    """A presigned POST that accepts exactly this key and at most max_bytes."""
    return aws.client("s3").generate_presigned_post(
        Bucket=config.imports_bucket(), Key=key, ExpiresIn=expires_in,
        Conditions=[["content-length-range", 1, max_bytes]])


def download_url(key: str, expires_in: int, filename: str) -> str:
    return aws.client("s3").generate_presigned_url(
        "get_object", ExpiresIn=expires_in,
        Params={"Bucket": config.imports_bucket(), "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"'})


def first_bytes(key: str, n: int) -> bytes:
    """The start of an object (its magic number) without reading the whole upload."""
    return aws.client("s3").get_object(Bucket=config.imports_bucket(), Key=key, Range=f"bytes=0-{n - 1}")["Body"].read()


def keys_under(prefix: str) -> list[str]:
    """Every object key under `prefix` (ListObjectsV2, 1,000 a page)."""
    out: list[str] = []
    for page in aws.client("s3").get_paginator("list_objects_v2").paginate(Bucket=config.imports_bucket(),
                                                                          Prefix=prefix):
        out += [o["Key"] for o in page.get("Contents", [])]
    return out


def delete(key: str) -> None:
    aws.client("s3").delete_object(Bucket=config.imports_bucket(), Key=key)
