"""OpenAPI 3.1 document generated from the routes' own schemas (the ones that validate requests)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from chalicelib.api import schemas
from chalicelib.api.http import JSON, Operation

if TYPE_CHECKING:
    from pydantic import BaseModel

_ERROR_TEXT = {
    400: "Malformed request", 401: "Missing or invalid token", 403: "Role or village not allowed",
    404: "Not found", 409: "Duplicate or stale version", 415: "Unsupported media type",
    422: "Invalid values", 503: "Busy, retry later",
}


def document(operations: list[Operation], version: str) -> dict[str, Any]:
    from pydantic.json_schema import models_json_schema

    models: set[type[BaseModel]] = {schemas.ErrorOut}
    for op in operations:
        models.update(m for m in (op.model("body"), op.model("returns")) if m is not None)
    bodies = {op.model("body") for op in operations}
    keyed = sorted(((m, "validation" if m in bodies else "serialization")
                    for m in models), key=lambda pair: pair[0].__name__)
    refs, schema = models_json_schema(keyed, ref_template="#/components/schemas/{model}")
    components = schema.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Lindung API", "version": version,
                 "description": "Pendaftaran dan pengingat jaminan sosial BPJS Ketenagakerjaan "
                                "untuk pekerja rentan. Errors: {error: {code, message, fields}}."},
        "servers": [{"url": "/"}],
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "paths": paths,
    }


def _ref(refs: dict, model: type[BaseModel], mode: str) -> dict[str, Any]:
    return refs[(model, mode)]


def _operation(op: Operation, refs: dict) -> dict[str, Any]:
    doc: dict[str, Any] = {"operationId": op.name, "summary": op.summary, "tags": list(op.tags)}
    params = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
              for p in re.findall(r"{(\w+)}", op.path)]
    query = op.model("query")
    if query is not None:
        for name, info in query.model_fields.items():
            name = info.alias or name  # `from` is a Python keyword: the field is from_, alias from
            prop = query.model_json_schema()["properties"][name]
            params.append({"name": name, "in": "query", "required": info.is_required(), "schema": prop})
    if params:
        doc["parameters"] = params
    content: dict[str, Any] = {}
    if op.body is not None:
        content[JSON] = {"schema": _ref(refs, op.model("body"), "validation")}
    for ct in op.content_types:  # files (text/csv, XLSX) next to or instead of JSON
        if ct != JSON:
            content[ct] = {"schema": {"type": "string", "format": "binary"}}
    if content:
        doc["requestBody"] = {"required": True, "content": content}
    ok: dict[str, Any] = {"description": "OK"}
    if op.returns is not None:
        ok["content"] = {"application/json": {"schema": _ref(refs, op.model("returns"), "serialization")}}
    for ct in op.produces:  # a file instead of JSON (found by fuzzing's content-type conformance check)
        ok.setdefault("content", {})[ct] = {"schema": {"type": "string", "format": "binary"}}
    doc["responses"] = {str(op.status): ok}
    error_codes = set(op.errors) | {500}
    if op.roles is not None:
        doc["security"] = [{"bearer": []}]
        error_codes |= {401, 403}
    if content:
        error_codes |= {400, 415, 422}
    if op.query is not None:
        error_codes |= {400, 422}
    error_schema = _ref(refs, schemas.ErrorOut, "serialization")
    for code in sorted(error_codes):
        doc["responses"][str(code)] = {"description": _ERROR_TEXT.get(code, "Server error"),
                                       "content": {"application/json": {"schema": error_schema}}}
    return doc
