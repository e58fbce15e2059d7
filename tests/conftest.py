"""Test-wide isolation, set before chalicelib is imported: own table prefix, own signing key."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

_KEYS = Path(tempfile.mkdtemp(prefix="lindung-test-keys-"))
os.environ["LINDUNG_STAGE"] = "local"  # said explicitly: an unset stage is not local (issue 12.4)
os.environ["LINDUNG_TABLE_PREFIX"] = f"lindung-test-{uuid.uuid4().hex[:8]}"
os.environ["AUTH_JWKS_FILE"] = str(_KEYS / "jwks.json")
os.environ["AUTH_PRIVATE_KEY_FILE"] = str(_KEYS / "jwt-key.pem")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
os.environ.setdefault("AWS_DEFAULT_REGION", "ap-southeast-3")
os.environ.setdefault("AWS_REGION", os.environ["AWS_DEFAULT_REGION"])
os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
