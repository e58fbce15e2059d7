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


# ---------- issue 12.12: spelled and encoded forms, exception texts ----------
import re  # noqa: E402
from urllib.parse import quote, unquote  # noqa: E402

import pytest  # noqa: E402


def _normalised(text: str) -> str:
    """What a reader (or a grep) recovers: percent-decoded twice, separators between digits gone."""
    return re.sub(r"(?<=\d)[-. _/+]+(?=\d)", "", unquote(unquote(text)))


def _groups(digits: str, sep: str, size: int = 4) -> str:
    return sep.join(digits[i:i + size] for i in range(0, len(digits), size))


NIK_SPELLINGS = [
    f"%3{NIK[0]}{NIK[1:]}",                    # the review's GET /v1/workers/%31603...
    _groups(NIK, "-"), _groups(NIK, " "), _groups(NIK, "."), _groups(NIK, "/"), _groups(NIK, "%20"),
    _groups(NIK, "%2D"), _groups(NIK, "+"), "".join(f"%{ord(c):02X}" for c in NIK), quote(quote(_groups(NIK, "-"))),
    f"%25{ord(NIK[0]):02X}{NIK[1:]}", _groups(NIK, " - "), f"{NIK[:6]} {NIK[6:12]} {NIK[12:]}",
]
PHONE_SPELLINGS = ["0813-7777-8888", "+62 813 7777 8888", "%2B6281377778888", "0813%207777%208888", "62-813-777-78888",
                   "(0813) 7777 8888", "0813.7777.8888", "%30%38%31%33%37%37%37%37%38%38%38%38"]


@pytest.mark.parametrize("spelled", NIK_SPELLINGS)
def test_a_nik_spelled_or_percent_encoded_is_redacted(spelled):
    for line in (f'127.0.0.1 - - "GET /v1/workers/{spelled} HTTP/1.1" 200 -', f"q={spelled}&limit=5", spelled):
        out = redact(line)
        assert NIK not in _normalised(out), (spelled, out)
        assert NIK[:6] in _normalised(out), "the region prefix stays, as for a plain NIK"


@pytest.mark.parametrize("spelled", PHONE_SPELLINGS)
def test_a_phone_spelled_or_percent_encoded_is_redacted(spelled):
    out = redact(f"GET /v1/x?phone={spelled} 200")
    assert "81377778888" not in _normalised(out), (spelled, out)


@pytest.mark.parametrize("text", [
    '{"timestamp":"2026-12-01 21:33:38,627+0000","village":"16.03.01.2011","id":"01M8SRE3DSATRVGCCAS400XKTG"}',
    "imported 26,775 rows in 59.6 s; 3,749 requests",
    "GET /v1/programmes/01M8SS0HTT1SSQ1D7PW9D2JZ57/enrolments?limit=50",
    "coverage 2025-10-01 to 2025-12-31, rate 16800", "kpj 25110000001",
])
def test_ordinary_log_text_is_left_alone(text):
    assert redact(text) == text


def test_exception_texts_never_reach_the_log():
    """openpyxl's IllegalCharacterError (and any other exception) puts the value in its message."""
    from openpyxl.utils.exceptions import IllegalCharacterError

    name = "Siti Aminah binti Rusdi"

    def emit():
        try:
            try:
                raise IllegalCharacterError(f"{name}\x01 cannot be used in worksheets.")
            except IllegalCharacterError as inner:
                raise RuntimeError(f"export failed for {name}") from inner
        except RuntimeError:
            logger.exception("export failed")

    out = _capture(emit)
    assert "export failed" in out and "IllegalCharacterError" in out and "RuntimeError" in out
    assert name not in out and "Siti" not in out, out
    assert "test_redaction.py" in out, "the frames stay: where it failed is not personal data"
