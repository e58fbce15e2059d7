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
    """The deployment stage. Unset is *not* local: the local stage (login form, the admin served
    by the API, the local key file trusted, tokens minted) exists only where LINDUNG_STAGE=local
    is said explicitly (.chalice/config.json's local stage, `make run`, `make token`, the tests),
    so a function deployed without its stage variables fails closed (issue 12.4)."""
    return os.environ.get("LINDUNG_STAGE") or "unset"


def is_local() -> bool:
    return stage() == "local"


def gzip_in_app() -> bool:
    """Who gzips responses. In AWS (LINDUNG_COMPRESSION=api-gateway) the REST API does it
    (`minimum_compression_size` in .chalice/config.json): a body the function gzips itself reaches
    the client as base64 text unless the request's Accept matches a binary media type. `chalice
    local` has no API Gateway, so the local stage (LINDUNG_COMPRESSION=app, the default) gzips
    in the function, with the same threshold."""
    return os.environ.get("LINDUNG_COMPRESSION", "app") == "app"


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


def main_stream_arn() -> str:
    """The main table's stream, for Chalice's event source. `chalice package` cannot know it: the
    packaged template replaces it with the table's StreamArn (infra/overlays/functions.yaml);
    locally the dispatcher asks the emulator (DescribeTable)."""
    return os.environ.get("LINDUNG_MAIN_STREAM_ARN") or (
        f"arn:aws:dynamodb:{region()}:000000000000:table/{main_table()}/stream/from-the-template")


def queue_name(kind: str) -> str:
    """SQS queue of a kind ("reminders", "imports"); the same names infra/queues.yaml creates."""
    return f"{table_prefix()}-{kind}"


def admin_origin() -> str | None:
    """Where the web admin is served from in AWS (its S3/CloudFront origin), for CORS; unset
    locally, where the API serves the admin itself on the same origin."""
    return os.environ.get("LINDUNG_ADMIN_ORIGIN") or None


def admin_renew_link() -> str:
    """The admin's Perpanjang screen, for the renewal budget email: under the admin's origin in AWS
    (served at /), the local stage's /admin/ otherwise."""
    origin = admin_origin()
    return f"{origin.rstrip('/')}/#/renew" if origin else "http://localhost:8000/admin/index.html#/renew"


def admin_dir() -> Path:
    return Path(os.environ.get("LINDUNG_ADMIN_DIR", str(PROJECT_DIR / "admin")))


def field_dir() -> Path:
    """The field officers' app (served at /field/ by the local stage)."""
    return Path(os.environ.get("LINDUNG_FIELD_DIR", str(PROJECT_DIR / "field")))


def documents_bucket() -> str:
    """infra/storage.yaml names it `<prefix>-documents`; a stage may point elsewhere."""
    return os.environ.get("LINDUNG_DOCUMENTS_BUCKET") or f"{table_prefix()}-documents"


def cursor_secret_id() -> str | None:
    """The Secrets Manager secret that signs this stage's cursors (services/cursors.py): named per
    stage in .chalice/config.json, created by infra/secrets.yaml. Unset is allowed only locally."""
    return os.environ.get("LINDUNG_CURSOR_SECRET_ID") or None


def sync_settle_seconds() -> float:
    """How far behind "now" the changes feed stops (see services/sync.py: clock skew)."""
    return float(os.environ.get("LINDUNG_SYNC_SETTLE_SECONDS", "30"))


def index_settle_seconds() -> int:
    """How long after its writes a job reads them back through a GSI (eventually consistent in
    DynamoDB; usually well under a second): the summary refresh after an import waits this long."""
    return int(os.environ.get("LINDUNG_INDEX_SETTLE_SECONDS", "5"))


def op_receipt_days() -> int:
    """How long a sync operation's receipt is kept (DynamoDB TTL on `expires_at`)."""
    return int(os.environ.get("LINDUNG_OP_RECEIPT_DAYS", "45"))


# ---------- reminders (issue 4) ----------
def sender_email() -> str:
    """SES identity the reminders come from; verified on the emulator by devtools/stack.py."""
    return os.environ.get("LINDUNG_SENDER_EMAIL", "pengingat@lindung.example")


def sms_price_idr() -> int:
    """What the regency pays per SMS segment. A placeholder locally: set the provider's current
    price per stage in .chalice/config.json, since every message is paid for."""
    return int(os.environ.get("LINDUNG_SMS_PRICE_IDR", "500"))


def regencies() -> list[str]:
    """Regencies this deployment serves: the daily sweep walks them, and a token whose
    `custom:regency` is not one of them is refused (auth.py)."""
    return [r for r in os.environ.get("LINDUNG_REGENCIES", default_regency()).split(",") if r]


def sms_send_rate() -> float:
    """SMS a second this process may hand to SNS (LINDUNG_SMS_MPS; 0: unpaced). The account's
    transactional MPS is 20 by default (raised on request); with several processes sending at once
    (Lambda instances of send_reminders) each gets its share: the account rate / their concurrency."""
    return float(os.environ.get("LINDUNG_SMS_MPS", "20"))


def sns_opt_out_fresh_seconds() -> int:
    """How long the sweep's answer from SNS's opt-out list stands for the send of that SMS
    (LINDUNG_SNS_OPT_OUT_FRESH_SECONDS, default an hour: a sweep plans far ahead of its sends, and
    26,775 SMS at 20/s take 22 minutes); older messages ask SNS again before sending. SNS itself does
    not deliver to a number that opted out meanwhile; the answer decides what is counted opted_out."""
    return int(os.environ.get("LINDUNG_SNS_OPT_OUT_FRESH_SECONDS", "3600"))


def reminder_lease_seconds() -> int:
    """How long a claim protects a send in progress; after that a later run may take it over."""
    return int(os.environ.get("LINDUNG_REMINDER_LEASE_SECONDS", "900"))


def reminder_max_attempts() -> int:
    return int(os.environ.get("LINDUNG_REMINDER_MAX_ATTEMPTS", "5"))


def reminder_chunk() -> int:
    """Enrolments per SQS message: 10 messages a batch x 25 = 250 SMS per Lambda invocation."""
    return int(os.environ.get("LINDUNG_REMINDER_CHUNK", "25"))



def imports_bucket() -> str:
    """Private, encrypted bucket for roster uploads, import chunks, error reports and exports
    (infra/imports.yaml names it `<prefix>-imports`; a stage may override the name)."""
    return os.environ.get("LINDUNG_IMPORTS_BUCKET") or f"{table_prefix()}-imports"


# ---------- personal data (issue 15) ----------
def access_log_enabled() -> bool:
    """Off only for bench/access_log.py's baseline; every stage keeps it on."""
    return os.environ.get("LINDUNG_ACCESS_LOG", "on") != "off"


def access_log_days() -> int:
    """How long an access-log entry is kept (DynamoDB TTL on `expires_at`)."""
    return int(os.environ.get("LINDUNG_ACCESS_LOG_DAYS", "730"))


def retention_years() -> int:
    """The regency's archive schedule for enrolment records: years after a programme's period
    ends before the personal data in it is erased (a programme may set its own)."""
    return int(os.environ.get("LINDUNG_RETENTION_YEARS", "5"))


def retention_batch() -> int:
    """Records one retention run erases at most (the daily job continues the next day)."""
    return int(os.environ.get("LINDUNG_RETENTION_BATCH", "500"))
