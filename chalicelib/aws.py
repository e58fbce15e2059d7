"""boto3 clients made on first use, honouring AWS_ENDPOINT_URL(_<SERVICE>) like PynamoDB does."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from functools import cache

import boto3
from botocore.config import Config

from chalicelib import config

_RETRIES = Config(retries={"mode": "standard", "max_attempts": 6})


_MAKING = threading.Lock()


@cache
def _client(service: str):
    return boto3.client(service, region_name=config.region(), config=_config(service))


def _config(service: str) -> Config:
    """S3 signs with SigV4 (presigned POSTs and URLs); against an emulator on an IP address it
    needs path-style URLs, in AWS the default (virtual-hosted) applies."""
    if service != "s3":
        return _RETRIES
    style = "path" if (os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")) else "auto"
    return _RETRIES.merge(Config(signature_version="s3v4", s3={"addressing_style": style}))


def client(service: str):
    """One client per service and process. Made under a lock: boto3's default session is not safe
    to make clients from in several threads at once (the local dispatcher's consumers, chalice
    local's request threads); the clients themselves are."""
    with _MAKING:
        return _client(service)


@cache
def queue_url(kind: str) -> str:
    return client("sqs").get_queue_url(QueueName=config.queue_name(kind))["QueueUrl"]


def send_messages(kind: str, bodies: Iterable[dict], delay_seconds: int = 0) -> int:
    """Send JSON messages in batches of 10; raise if SQS refuses any (nothing silently dropped).
    `delay_seconds` (SQS DelaySeconds, at most 900): delivered no sooner than that."""
    sent, batch = 0, []
    for body in bodies:
        entry = {"Id": str(len(batch)), "MessageBody": json.dumps(body, separators=(",", ":"))}
        if delay_seconds > 0:
            entry["DelaySeconds"] = min(int(delay_seconds), 900)
        batch.append(entry)
        if len(batch) == 10:
            sent += _flush(kind, batch)
            batch = []
    if batch:
        sent += _flush(kind, batch)
    return sent


def _flush(kind: str, batch: list[dict]) -> int:
    pending = batch
    for _ in range(5):
        failed = client("sqs").send_message_batch(QueueUrl=queue_url(kind), Entries=pending).get("Failed", [])
        if not failed:
            return len(batch)
        failed_ids = {f["Id"] for f in failed}
        pending = [entry for entry in pending if entry["Id"] in failed_ids]
    raise RuntimeError(f"SQS refused {len(pending)} messages for {kind}")


def reset() -> None:
    """Forget cached clients (tests that repoint the endpoint)."""
    _client.cache_clear()
    queue_url.cache_clear()
