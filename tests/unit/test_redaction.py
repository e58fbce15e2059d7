"""The logger redacts NIKs and phone numbers wherever they hide in a record."""

from __future__ import annotations

import io
import logging

from chalicelib.observability import logger, redact

NIK = "1603012805767920"
PHONE = "+6281377778888"


def _capture(emit) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    try:
        emit()
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_redact_spellings():
    assert NIK not in redact(f"nik={NIK}") and "160301" in redact(NIK)
    for phone in (PHONE, "6281377778888", "081377778888"):
        assert phone not in redact(f"phone {phone}.")


def test_nested_extra_and_exception_text_are_redacted():
    def emit():
        logger.info("saved", extra={"item": {"pk": f"R#16.03#W#{NIK}", "phone": PHONE}})
        try:
            raise ValueError(f"conditional check failed for R#16.03#W#{NIK} / {PHONE}")
        except ValueError:
            logger.exception("storage error")

    out = _capture(emit)
    assert "saved" in out and "storage error" in out and "ValueError" in out
    assert NIK not in out and PHONE not in out and PHONE[1:] not in out
