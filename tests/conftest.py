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
# devtools/dispatcher.py: in tests a handler failure during drain() fails the test unless the test
# wraps it in `dispatcher.expecting_failures()`
os.environ["LINDUNG_DISPATCH_STRICT"] = "1"
# the emulator's indexes are consistent at once, unless `make test-eventual` delays them (and sets this)
os.environ.setdefault("LINDUNG_INDEX_SETTLE_SECONDS", "0")


def pytest_collection_modifyitems(config, items):
    """`@pytest.mark.lane("localstack")` / `lane("moto")`: a test that belongs to one lane only is
    deselected in the others (LINDUNG_LANE, default moto), not skipped, so that "no test skipped"
    can hold in CI."""
    here = os.environ.get("LINDUNG_LANE", "moto")
    keep, drop = [], []
    for item in items:
        marks = [m.args[0] for m in item.iter_markers("lane")]
        (drop if marks and here not in marks else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_sessionfinish(session, exitstatus):
    """With CI=true a skipped test fails the run (devtools/ci.py): CI is green only when every
    test ran. On a developer's machine skips stay skips, listed by -ra."""
    from devtools import ci

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if ci.strict() and skipped and session.exitstatus == 0:
        for report in skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
            reporter.write_line(f"CI=true: skipped test fails the run: {report.nodeid}: {reason}", red=True)
        session.exitstatus = 1
