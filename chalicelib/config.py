"""Configuration in a few small functions whose defaults are the local stack.

`.chalice/config.json` sets per-stage values for dev and prod; the local stage relies on these
defaults so that tests and `make run` can point the very same code elsewhere through the
environment (AWS_ENDPOINT_URL, LINDUNG_TABLE_PREFIX, ...).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def stage() -> str:
    return os.environ.get("LINDUNG_STAGE", "local")


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "ap-southeast-3"


def table_prefix() -> str:
    return os.environ.get("LINDUNG_TABLE_PREFIX", "lindung-local")


def main_table() -> str:
    return f"{table_prefix()}-main"


def default_regency() -> str:
    return os.environ.get("LINDUNG_DEFAULT_REGENCY", "16.03")


def auth_issuer() -> str:
    return os.environ.get("AUTH_ISSUER", "lindung-local")


def auth_audience() -> str:
    return os.environ.get("AUTH_AUDIENCE", "lindung-local")


def auth_jwks_url() -> str | None:
    """Cognito's JWKS in AWS; unset locally, where the key file below is trusted instead."""
    return os.environ.get("AUTH_JWKS_URL") or None


def auth_jwks_file() -> Path:
    return Path(os.environ.get("AUTH_JWKS_FILE", str(PROJECT_DIR / ".local" / "jwks.json")))


def auth_private_key_file() -> Path:
    """Only the local issuer (`make token`, tests) signs; AWS tokens come from Cognito."""
    return Path(os.environ.get("AUTH_PRIVATE_KEY_FILE", str(PROJECT_DIR / ".local" / "jwt-key.pem")))


def tracing_enabled() -> bool:
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "true").lower() in {"0", "false", "no"}


def queue_name(kind: str) -> str:
    """SQS queue of a kind ("reminders", "imports"); the same names infra/queues.yaml creates."""
    return f"{table_prefix()}-{kind}"


def imports_bucket() -> str:
    """Private, encrypted bucket for roster uploads, import chunks, error reports and exports
    (infra/imports.yaml names it `<prefix>-imports`; a stage may override the name)."""
    return os.environ.get("LINDUNG_IMPORTS_BUCKET") or f"{table_prefix()}-imports"


def regencies() -> list[str]:
    """Regencies this deployment serves (for schedules that walk them)."""
    return [r for r in os.environ.get("LINDUNG_REGENCIES", default_regency()).split(",") if r]
