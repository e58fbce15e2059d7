"""What a failed check on a field says, in words an operator can act on: pydantic's error types
in Bahasa Indonesia. One table for the HTTP edge (api/http.py), the roster check
(services/roster_check.py) and the sync's operations (services/sync.py, `validate`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import Invalid, Malformed

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

FIELD_MESSAGES = {
    "missing": "wajib diisi",
    "extra_forbidden": "kolom tidak dikenal atau tidak boleh diubah",
    "string_pattern_mismatch": "format tidak sesuai",
    "string_too_short": "terlalu pendek",
    "string_too_long": "terlalu panjang",
    "literal_error": "nilai tidak diizinkan",
    "date_from_datetime_parsing": "tanggal harus berformat YYYY-MM-DD",
    "date_parsing": "tanggal harus berformat YYYY-MM-DD",
    "date_type": "tanggal harus berformat YYYY-MM-DD",
    "int_parsing": "harus bilangan bulat",
    "int_type": "harus bilangan bulat",
    "int_from_float": "harus bilangan bulat",
    "greater_than_equal": "terlalu kecil",
    "less_than_equal": "terlalu besar",
    "string_type": "harus teks",
    "list_type": "harus daftar",
    "dict_type": "harus objek",
    "too_short": "terlalu sedikit isian",
    "too_long": "terlalu banyak isian",
    "value_error": "nilai tidak valid",
}


def field_message(error: dict[str, Any]) -> str:
    """The message for one of pydantic's `errors()`: a validator's own text (ValueError) as it is
    written, else the table's words, else pydantic's."""
    if error["type"] == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    return FIELD_MESSAGES.get(error["type"], error["msg"])


def validation_fields(exc: ValidationError, prefix: str = "") -> dict[str, str]:
    fields: dict[str, str] = {}
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        fields.setdefault(prefix + loc, field_message(err))
    return fields


def validate(schema: type[BaseModel], data: Any, code: str = "VALIDATION_FAILED") -> Any:
    from pydantic import ValidationError

    if not isinstance(data, dict):
        raise Malformed("BODY_MALFORMED", "Badan permintaan harus objek JSON")
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise Invalid(code, "Data tidak valid, periksa kolom yang ditandai", validation_fields(exc)) from None
