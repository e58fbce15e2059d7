"""The HTTP edge: one decorator that authenticates, parses, calls the use case and responds.

Every route in app.py goes through `Router.route`, so the error shape, the role check, request
validation and the OpenAPI entry are each written once. Domain errors become HTTP errors here
and nowhere else.

Scope: after the token is verified, `scope(user)` (services/officers.scoped) replaces an
officer's villages with the stored assignment, on every request, in every stage.

gzip: a JSON body of at least GZIP_MIN_BYTES is gzipped when the request's Accept-Encoding
allows it (field phones on 2G). Such a response is a `GzipResponse`, which hands Chalice a
base64 body flagged `isBase64Encoded` (the Lambda proxy format for bytes), the same in
`chalice local`, the test client and Lambda. Content-Type stays application/json, which is not
in Chalice's binary types, so responses without gzip are untouched and clients need no Accept
header. In AWS, API Gateway must be told to decode that body: see README "gzip".
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import gzip
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from chalice import Chalice, Response
from chalice.app import Request
from pynamodb.exceptions import PynamoDBException

from chalicelib import auth, config
from chalicelib.api import schemas
from chalicelib.domain.bodies import MAX_BODY_BYTES, MAX_BODY_DEPTH, TOO_DEEP, contains_too_deep  # noqa: F401
from chalicelib.domain.errors import Busy, DomainError, Invalid, Malformed
from chalicelib.domain.messages import validate, validation_fields  # noqa: F401
from chalicelib.domain.privacy import Disclosure, minimise
from chalicelib.observability import logger, metrics
from chalicelib.services import cursors

if TYPE_CHECKING:
    from pydantic import BaseModel

    Schema = type[BaseModel] | str  # a model, or its name in chalicelib.api.schemas

JSON = "application/json"
T = TypeVar("T")
GZIP_MIN_BYTES = 1024


class ReadLog(Protocol):
    """Where reads of personal data are accounted for (services/access.py)."""

    def begin(self) -> None: ...

    def record(self, user: auth.User, method: str, route: str, found: Disclosure) -> bool: ...



@dataclass
class Operation:
    path: str
    method: str
    name: str
    summary: str
    body: Schema | None
    query: Schema | None
    returns: Schema | None
    status: int
    roles: frozenset[str] | None
    content_types: list[str]
    errors: tuple[int, ...]
    tags: tuple[str, ...] = field(default_factory=tuple)
    items_alone: bool = False  # parse_json: a too-deep subtree fails its item, not the body
    produces: tuple[str, ...] = ()  # file types the success response may be instead of JSON (exports)

    def model(self, which: str) -> type[BaseModel] | None:
        """The body/query/returns model, loading chalicelib.api.schemas on first use."""
        ref = getattr(self, which)
        return getattr(schemas, ref) if isinstance(ref, str) else ref


@dataclass
class Call:
    """What a view gets: the verified user, the validated body/query, the raw request and the
    use cases' wiring (`deps`: clock and id generator, services/deps.py)."""

    user: auth.User | None
    body: Any
    query: Any
    request: Request
    deps: Any = None

    def header(self, name: str) -> str | None:
        return self.request.headers.get(name.lower())

    def input(self, cls: type[T], *, query: bool = False) -> T:
        """The validated body (or `query`) as a use case's input (a dataclass of domain/inputs.py),
        field by field."""
        given = self.query if query else self.body
        return cls(**{f.name: getattr(given, f.name) for f in dataclasses.fields(cls)})

    def values(self, changed_only: bool = False) -> dict[str, Any]:
        """The validated body as plain JSON values (dates as ISO text); `changed_only`: only the
        fields the caller sent (a PATCH)."""
        return self.body.model_dump(mode="json", exclude_unset=changed_only)

    def if_match(self, required: bool) -> int | None:
        """The If-Match header as a version number (`3`, `"3"` or `W/"3"`); None when absent and
        not required."""
        return parse_if_match(self.header("If-Match"), required)


def parse_if_match(value: str | None, required: bool) -> int | None:
    if value is None:
        if required:
            raise Invalid("IF_MATCH_REQUIRED", "Header If-Match (versi data) wajib untuk perubahan",
                          {"If-Match": "wajib diisi"})
        return None
    try:
        return int(value.strip().strip('W/').strip('"'))
    except ValueError:
        raise Invalid("IF_MATCH_INVALID", "If-Match harus nomor versi", {"If-Match": "harus angka"}) from None


@dataclass
class Reply:
    body: Any
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


def error_response(status: int, code: str, message: str, fields: dict[str, str] | None = None,
                   headers: dict[str, str] | None = None, **extra: Any) -> Response:
    error: dict[str, Any] = {"code": code, "message": message, "fields": fields or {}}
    error.update(extra)
    return Response(body={"error": error}, status_code=status,
                    headers={"Content-Type": JSON, **(headers or {})})


def accepts_gzip(accept_encoding: str | None) -> bool:
    """`gzip` listed without q=0 (RFC 9110 12.5.3); `*` counts too."""
    for part in (accept_encoding or "").lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in {"gzip", "*"}:
            q = params.strip().removeprefix("q=")
            try:
                return not params or float(q) > 0
            except ValueError:
                return True
    return False


def encode(response: Response, accept_encoding: str | None) -> Response:
    """Serialise the body compactly, gzipped when allowed and worth it."""
    body = response.body
    if body is None or isinstance(body, bytes):
        return response
    raw = body.encode() if isinstance(body, str) else json.dumps(
        body, separators=(",", ":"), ensure_ascii=False, default=str).encode()
    headers = {**response.headers, "Vary": "Accept-Encoding"}
    if len(raw) >= GZIP_MIN_BYTES and accepts_gzip(accept_encoding):
        headers["Content-Encoding"] = "gzip"
        return GzipResponse(body=gzip.compress(raw, compresslevel=6, mtime=0), status_code=response.status_code,
                            headers=headers)
    return Response(body=raw.decode(), status_code=response.status_code, headers=headers)


class GzipResponse(Response):
    """Bytes for the Lambda proxy integration: base64 in the event, flagged as such."""

    def to_dict(self, binary_types: list[str] | None = None) -> dict[str, Any]:
        body = self.body
        self.body = ""
        try:
            response = super().to_dict(None)
        finally:
            self.body = body
        response["body"] = base64.b64encode(body).decode("ascii")
        response["isBase64Encoded"] = True
        return response


_CHALICE_ERRORS = {
    "UnsupportedMediaType": ("UNSUPPORTED_MEDIA_TYPE",
                             "Jenis isi (Content-Type) tidak didukung; kirim application/json"),
    "MethodNotAllowedError": ("METHOD_NOT_ALLOWED", "Metode HTTP ini tidak tersedia untuk alamat ini"),
    "BadRequest": ("BAD_REQUEST", "Permintaan tidak dapat diproses"),
}


def contract_errors(response: Any) -> Any:
    """Chalice answers some requests itself, before any view runs (415 for a Content-Type a route
    does not accept, 405 for a method it lacks) with `{"Code", "Message"}`: rewrite those into
    the contract's error shape so every 4xx a client sees looks the same. Found by fuzzing."""
    if not isinstance(response, Response) or not isinstance(response.body, dict):
        return response
    if set(response.body) != {"Code", "Message"}:
        return response
    code, message = _CHALICE_ERRORS.get(response.body["Code"], ("REQUEST_REFUSED", "Permintaan ditolak"))
    if response.status_code >= 500:
        code, message = "INTERNAL", "Terjadi kesalahan pada server"
    headers = {**(response.headers or {}), "Content-Type": JSON}
    return error_response(response.status_code, code, message, headers=headers)


_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def parse_json(raw: bytes | None, items_alone: bool = False) -> Any:
    """The body as JSON, within MAX_BODY_BYTES and MAX_BODY_DEPTH, else a 400.

    `items_alone` (POST /v1/sync): a subtree nested deeper than the limit is replaced by the
    TOO_DEEP marker instead of refusing the body, so the one operation holding it is rejected
    (`contains_too_deep`) and the rest of the batch applies."""
    if not raw:
        raise Malformed("BODY_MISSING", "Badan permintaan (JSON) wajib ada")
    if len(raw) > MAX_BODY_BYTES:
        raise Malformed("BODY_TOO_LARGE", f"Badan permintaan melebihi {MAX_BODY_BYTES // 1024} KB; kirim dalam "
                        "beberapa bagian", {"body": "terlalu besar"})
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        text, pruned = _prune_deep(text)
        if pruned and not items_alone:
            raise Malformed("BODY_TOO_DEEP", f"Badan permintaan bersarang lebih dari {MAX_BODY_DEPTH} tingkat",
                            {"body": "terlalu dalam"})
        return json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Malformed("BODY_MALFORMED", "Badan permintaan bukan JSON yang valid") from None


def _prune_deep(text: str) -> tuple[str, int]:
    """Replace every array/object that opens below MAX_BODY_DEPTH with the TOO_DEEP string, by one
    scan over brackets outside strings (no recursion, linear). Returns the text and how many."""
    if text.count("[") + text.count("{") <= MAX_BODY_DEPTH:
        return text, 0
    marker = json.dumps(TOO_DEEP)
    pieces: list[str] = []
    depth, last, cut, pruned = 0, 0, -1, 0
    for token in _JSON_TOKENS.finditer(text):
        char = token.group()
        if char[0] == '"':
            continue
        if char in "[{":
            depth += 1
            if depth == MAX_BODY_DEPTH + 1:
                cut = token.start()
        else:
            if depth == MAX_BODY_DEPTH + 1 and cut >= 0:
                pieces += [text[last:cut], marker]
                last, cut, pruned = token.end(), -1, pruned + 1
            depth = max(depth - 1, 0)
    if cut >= 0:  # never closed: the body is cut off; it is refused as too deep (or malformed)
        pieces += [text[last:cut], marker]
        last, pruned = len(text), pruned + 1
    pieces.append(text[last:])
    return "".join(pieces), pruned


def is_json(request: Request) -> bool:
    """Routes that also take files (text/csv, XLSX) validate `body` only for JSON requests."""
    return (request.headers.get("content-type") or JSON).split(";")[0].strip().lower() == JSON


def dump(value: Any) -> Any:
    """Compact JSON (no nulls, which matters on 2G), except the contract's explicit null cursor."""
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        data = value.model_dump(mode="json", exclude_none=True)
        if "next_cursor" in type(value).model_fields:
            data["next_cursor"] = value.next_cursor
        return data
    return value


class Router:
    def __init__(self, app: Chalice, scope: Callable[[auth.User], auth.User] | None = None,
                 reads: ReadLog | None = None, deps: Callable[[], Any] | None = None):
        self.app = app
        self.scope = scope or (lambda user: user)
        self.reads = reads
        self.deps = deps or (lambda: None)  # asked on every request: tests may override the wiring
        self.operations: list[Operation] = []

    def route(self, path: str, method: str, *, summary: str, body: Schema | None = None,
              query: Schema | None = None, returns: Schema | None = None,
              status: int = 200, roles: frozenset[str] | None = auth.READERS,
              content_types: list[str] | None = None, errors: tuple[int, ...] = (),
              tags: tuple[str, ...] = (), items_alone: bool = False,
              produces: tuple[str, ...] = ()) -> Callable:
        """Register a route. roles=None makes it public (health, openapi). Schemas may be given by
        name (see chalicelib/api/__init__.py): they are resolved at the first request."""

        def decorator(fn: Callable) -> Callable:
            op = Operation(path, method, fn.__name__, summary, body, query, returns, status, roles,
                           content_types or [JSON], errors, tags, items_alone, produces)
            self.operations.append(op)

            @functools.wraps(fn)
            def view(**params: str) -> Response:
                response = self._handle(op, fn, params)
                accept = self.app.current_request.headers.get("accept-encoding") if config.gzip_in_app() else None
                return encode(response, accept)

            self.app.route(path, methods=[method], content_types=op.content_types, name=fn.__name__)(view)
            return fn

        return decorator

    def guard(self, fn: Callable[[], Response]) -> Response:
        """For routes outside the JSON contract (the local admin's files): domain errors still
        leave in the contract's error shape."""
        try:
            return fn()
        except DomainError as exc:
            return error_response(exc.status, exc.code, exc.message, exc.fields, headers=exc.headers, **exc.extra)

    def _handle(self, op: Operation, fn: Callable, params: dict[str, str]) -> Response:
        request = self.app.current_request
        try:
            cursors.ready()  # no cursor secret outside the local stage: every route refuses (503)
            user = None
            if op.roles is not None:
                user = self.scope(auth.verify(request.headers.get("authorization")))
                auth.require(user, op.roles)
                logger.append_keys(user=user.sub, role=user.role, regency=user.regency)
            body = validate(op.model("body"), parse_json(request.raw_body, op.items_alone)
                            ) if op.body and is_json(request) else None
            query = validate(op.model("query"), dict(request.query_params or {}), "QUERY_INVALID") if op.query else None
            if self.reads is not None:
                self.reads.begin()
            result = fn(Call(user, body, query, request, self.deps()), **params)
            return self._respond(op, result, user, params)
        except DomainError as exc:
            if isinstance(exc, Busy):  # conflicts/throttling outlasted store/db.py's retries
                logger.warning("store busy", extra={"code": exc.code, "status": exc.status, "operation": op.name})
            elif exc.status >= 500:  # fail closed on a deployment that lacks what it needs: loudly
                logger.error("service unavailable", extra={"code": exc.code, "status": exc.status})
            else:
                metrics.add_metric(name="ClientErrors", unit="Count", value=1)
                logger.info("request refused", extra={"code": exc.code, "status": exc.status})
            return error_response(exc.status, exc.code, exc.message, exc.fields, headers=exc.headers, **exc.extra)
        except PynamoDBException as exc:
            if _throttled(exc):
                logger.warning("throttled", extra={"operation": op.name})
                return error_response(503, "SERVICE_BUSY", "Sistem sedang sibuk, coba lagi sebentar",
                                      headers={"Retry-After": "2"})
            logger.exception("storage error", extra={"operation": op.name})
            return error_response(500, "INTERNAL", "Terjadi kesalahan pada server")
        except Exception:
            logger.exception("unhandled error", extra={"operation": op.name})
            return error_response(500, "INTERNAL", "Terjadi kesalahan pada server")

    def _respond(self, op: Operation, result: Any, user: auth.User | None, params: dict[str, str]) -> Response:
        """The one place a body leaves: masked for the caller's role (domain/privacy.py), and a
        read of full personal data recorded in the access log before it is sent."""
        found = Disclosure()
        if isinstance(result, Response):  # files: the use case masked and noted them itself
            response = result
        else:
            reply = result if isinstance(result, Reply) else Reply(result)
            status = reply.status or op.status
            if reply.body is None:
                # No body at all: Chalice would send the JSON `null` even with a 204, which breaks the
                # next response on a kept-alive connection (found by the log-capture run).
                response = Response(body="", status_code=status, headers=reply.headers)
            else:
                body = dump(shaped(op, reply.body))
                if user is not None:
                    body, found = minimise(body, user.role)
                    if found.personal and not found.enrolments and params.get("eid"):
                        found.enrolments.add(params["eid"])  # e.g. an audit trail: the path names the record
                response = Response(body=body, status_code=status, headers={"Content-Type": JSON, **reply.headers})
        if self.reads is not None and user is not None and op.method == "GET" and response.status_code < 300:
            self.reads.record(user, op.method, op.path, found)
        return response


def shaped(op: Operation, body: Any) -> Any:
    """A reply as the route's declared `returns` schema: a route cannot answer another shape (a
    body that does not fit is a 500, logged, never sent). Routes without `returns` answer
    files (a Response) or nothing, apart from /v1/openapi.json."""
    model = op.model("returns")
    if model is None or isinstance(body, model):
        return body
    return model.model_validate(body)


def _throttled(exc: PynamoDBException) -> bool:
    return getattr(exc, "cause_response_code", None) in {
        "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
