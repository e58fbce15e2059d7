import io
import json
import logging
import os
import subprocess
import sys

from chalicelib.observability import logger, redact


def test_redact_masks_nik_and_phones():
    text = "nik 1603015708900001 hp 081234567890 / +6281234567890 id 01ARZ3NDEKTSV4RRFFQ69G5FAV"
    out = redact(text)
    assert "1603015708900001" not in out and "160301**********" in out
    assert "081234567890" not in out and "+6281234567890" not in out
    assert "01ARZ3NDEKTSV4RRFFQ69G5FAV" in out  # ids are kept


def test_logger_never_writes_a_full_nik_or_phone():
    buffer = io.StringIO()
    handler = logger.registered_handler
    previous = handler.setStream(buffer)
    try:
        logger.info("enrolment for 1603015708900001", extra={"phone": "+6281234567890", "nik": "1603021203850002"})
        logger.warning("caller %s", "081298765432")
    finally:
        handler.setStream(previous)
    printed = buffer.getvalue()
    lines = [json.loads(line) for line in printed.strip().splitlines()]
    assert len(lines) == 2
    for secret in ("1603015708900001", "6281234567890", "1603021203850002", "081298765432"):
        assert secret not in printed
    assert lines[0]["nik"] == "160302**********"


def test_redaction_filter_is_installed_on_the_powertools_logger():
    assert any(type(f).__name__ == "_RedactFilter" for f in logger._logger.filters) or any(
        type(f).__name__ == "_RedactFilter" for f in logging.getLogger("lindung").filters)


def test_app_import_does_not_pull_xray_when_tracing_is_off():
    code = "import sys, app; assert 'aws_xray_sdk' not in sys.modules, 'tracer imported at cold start'"
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_app_import_leaves_pydantic_and_the_schemas_to_the_first_request():
    """Cold start (bench/run.py): schedules and queue workers import app.py and never pay for ~60
    models; the API loads them when a request first needs one (chalicelib/api/__init__.py)."""
    code = ("import sys, app\n"
            "from chalicelib.api import schemas as s\n"  # app.py names schemas only by string
            "assert 'pydantic' not in sys.modules, 'pydantic imported at cold start'\n"
            "assert s.EnrolmentIn.__name__ == 'EnrolmentIn' and 'pydantic' in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
