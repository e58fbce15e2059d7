"""The one S3 adapter: a `Bucket` per bucket (infra/storage.yaml), on the one S3 client (aws.py).

- `documents`: KTP photos and consent forms, uploaded by presigned POST (content type fixed,
  server-side encryption required) and read by presigned GET.
- `files`: the imports bucket: uploaded rosters, import chunks, error reports and large exports.
  Presigned URLs let browsers move big files straight to and from S3, so a 30,000-row roster never
  passes through API Gateway (10 MB request limit) or Lambda's 6 MB response limit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import ClientError

from chalicelib import aws, config

SSE = "AES256"


def s3():
    return aws.client("s3")


@dataclass(frozen=True)
class Bucket:
    name: Callable[[], str]  # read from config on each call: tests may point a stage elsewhere
    sse: str | None = None  # required of presigned uploads

    def put(self, key: str, body: bytes, content_type: str = "application/octet-stream") -> None:
        s3().put_object(Bucket=self.name(), Key=key, Body=body, ContentType=content_type)

    def get(self, key: str) -> bytes:
        return s3().get_object(Bucket=self.name(), Key=key)["Body"].read()

    def head(self, key: str) -> dict | None:
        """The object's metadata, or None when it does not exist."""
        try:
            return s3().head_object(Bucket=self.name(), Key=key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise

    def size(self, key: str) -> int | None:
        found = self.head(key)
        return found["ContentLength"] if found is not None else None

    def first_bytes(self, key: str, n: int) -> bytes:
        """The object's first `n` bytes (a ranged GET): enough to read a file's magic number."""
        return s3().get_object(Bucket=self.name(), Key=key, Range=f"bytes=0-{n - 1}")["Body"].read()

    def delete(self, key: str) -> None:
        s3().delete_object(Bucket=self.name(), Key=key)

    def upload_form(self, key: str, max_bytes: int, expires_in: int, content_type: str | None = None) -> dict:
        """A presigned POST that accepts only this key, at most max_bytes, and (when given) this
        content type; with the bucket's server-side encryption when it requires one."""
        fields: dict[str, str] = {}
        if content_type:
            fields["Content-Type"] = content_type
        if self.sse:
            fields["x-amz-server-side-encryption"] = self.sse
        conditions: list = [{name: value} for name, value in fields.items()]
        conditions.append(["content-length-range", 1, max_bytes])
        return s3().generate_presigned_post(self.name(), key, Fields=fields or None, Conditions=conditions,
                                            ExpiresIn=expires_in)

    def download_url(self, key: str, expires_in: int, filename: str, content_type: str | None = None) -> str:
        params = {"Bucket": self.name(), "Key": key, "ResponseContentDisposition": f'attachment; filename="{filename}"'}
        if content_type:
            params["ResponseContentType"] = content_type
        return s3().generate_presigned_url("get_object", ExpiresIn=expires_in, Params=params)

    def keys_under(self, prefix: str) -> list[str]:
        """Every object key under `prefix` (ListObjectsV2, 1,000 a page)."""
        out: list[str] = []
        for page in s3().get_paginator("list_objects_v2").paginate(Bucket=self.name(), Prefix=prefix):
            out += [o["Key"] for o in page.get("Contents", [])]
        return out

    def delete_everything_under(self, prefix: str) -> int:
        """Every version and delete marker under `prefix` (a versioned bucket: a plain delete would
        keep the old photo for the noncurrent-version lifecycle's 365 days). Returns how many."""
        client, bucket, removed = s3(), self.name(), 0
        for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
            doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                      for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
            if doomed:
                client.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})
                removed += len(doomed)
        return removed


documents = Bucket(config.documents_bucket, sse=SSE)
files = Bucket(config.imports_bucket)
