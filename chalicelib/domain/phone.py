"""Indonesian mobile numbers, normalised to E.164 (+628...) so SMS and wa.me links work."""

from __future__ import annotations

import re

_MOBILE = re.compile(r"\+628\d{7,11}")


class PhoneError(ValueError):
    code = "PHONE_INVALID"


def normalise(raw: str) -> str:
    """Accept 0812..., 62812..., +62 812-..., (0812) ...; return +62812... or raise."""
    digits = re.sub(r"[\s().\-]", "", raw or "")
    if digits.startswith("+62"):
        candidate = digits
    elif digits.startswith("62"):
        candidate = "+" + digits
    elif digits.startswith("0"):
        candidate = "+62" + digits[1:]
    elif digits.startswith("8"):
        candidate = "+62" + digits
    else:
        candidate = digits
    if not _MOBILE.fullmatch(candidate):
        raise PhoneError("Nomor HP harus nomor seluler Indonesia, mis. 0812xxxxxxxx")
    return candidate


def masked(phone: str | None) -> str:
    """`+62812****90`: the one phone mask (domain/privacy.py), for logs and reminder recipients."""
    from chalicelib.domain.privacy import mask_phone

    return mask_phone(phone) if phone else ""
