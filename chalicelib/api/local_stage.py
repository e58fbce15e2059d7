"""What only the local stage offers: the web admin's and the field app's static files, and a
login that mints a token. `register(api)` is the one place that adds these routes (app.py calls
it) and this module the one place in the app that imports devtools.

In AWS both web apps are served from S3 (infra/admin.yaml: the admin at /, the field app at
/field/) and tokens come from Cognito, so all of this refuses to work outside
LINDUNG_STAGE=local, even if a route were somehow deployed.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from chalice import Response

from chalicelib import config
from chalicelib.api import schemas
from chalicelib.api.http import Call, GzipResponse, Router, accepts_gzip
from chalicelib.domain.errors import NotFound

TOKEN_TTL = 12 * 3600

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".png": "image/png",
}
_BINARY = {".png"}
_GZIP_MIN_BYTES = 1024
_HIDDEN = {"node_modules", "package.json", "package-lock.json"}


def is_local() -> bool:
    return config.is_local()


def admin_file(parts: tuple[str, ...], accept_encoding: str | None = None) -> Response:
    """One file under admin/, by path segments (see static_file)."""
    return static_file(config.admin_dir(), parts, accept_encoding)


def field_file(parts: tuple[str, ...], accept_encoding: str | None = None) -> Response:
    """One file of the field officers' app (field/), served at /field/ as CloudFront does in AWS."""
    return static_file(config.field_dir(), parts, accept_encoding)


def static_file(root: Path, parts: tuple[str, ...], accept_encoding: str | None = None) -> Response:
    """One file under `root`: known types only, nothing hidden or outside the folder; text
    gzipped when the browser accepts it (as CloudFront compresses in AWS), so what a slow link
    carries locally is what it carries there."""
    if not is_local():
        raise NotFound("NOT_FOUND", "Aplikasi web disajikan dari S3 di lingkungan ini")
    root = root.resolve()
    if any(not p or p.startswith(".") or p in _HIDDEN for p in parts):
        raise NotFound("NOT_FOUND", "Berkas tidak ditemukan")
    path = root.joinpath(*parts).resolve()
    content_type = _TYPES.get(path.suffix)
    if content_type is None or root not in path.parents or not path.is_file():
        raise NotFound("NOT_FOUND", "Berkas tidak ditemukan")
    headers = {"Content-Type": content_type, "Cache-Control": "no-cache"}
    if path.suffix in _BINARY:
        return GzipResponse(body=path.read_bytes(), status_code=200, headers=headers)  # base64 in the event
    text = path.read_text(encoding="utf-8")
    if len(text) >= _GZIP_MIN_BYTES and accepts_gzip(accept_encoding):
        return GzipResponse(body=gzip.compress(text.encode(), mtime=0), status_code=200,
                            headers={**headers, "Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
    return Response(body=text, status_code=200, headers=headers)


def redirect_to_admin() -> Response:
    return Response(body="", status_code=302, headers={"Location": "/admin/index.html"})


def redirect_to_field() -> Response:
    return Response(body="", status_code=302, headers={"Location": "/field/index.html"})


def login(role: str, villages: list[str]) -> dict:
    """`make token` behind a form: the devtools issuer's key, which only the local stage trusts."""
    if not is_local():
        raise NotFound("NOT_FOUND", "Login lokal hanya ada di tahap local")
    from devtools import tokens  # not packaged for AWS; only reachable in the local stage

    return {"token": tokens.mint(role, villages, ttl=TOKEN_TTL), "role": role, "expires_in": TOKEN_TTL}


def register(api: Router) -> None:
    """The local stage's routes, on LINDUNG_STAGE=local only: the login form, /admin/ and /field/."""
    if not is_local():
        return
    app = api.app

    @api.route("/v1/local/login", "POST", summary="Local stage only: mint a token (make token as JSON)",
               body="LocalLoginIn", returns="LocalLoginOut", roles=None, tags=("auth",))
    def local_login(call: Call):
        return schemas.LocalLoginOut.model_validate(login(call.body.role, call.body.villages))

    @app.route("/admin", methods=["GET"])
    def admin_root():
        return redirect_to_admin()

    @app.route("/admin/{a}", methods=["GET"])
    def admin_file_1(a: str):
        return api.guard(lambda: admin_file((a,)))

    @app.route("/admin/{a}/{b}", methods=["GET"])
    def admin_file_2(a: str, b: str):
        return api.guard(lambda: admin_file((a, b)))

    @app.route("/admin/{a}/{b}/{c}", methods=["GET"])
    def admin_file_3(a: str, b: str, c: str):
        return api.guard(lambda: admin_file((a, b, c)))

    def _accept_encoding() -> str | None:
        return app.current_request.headers.get("accept-encoding")

    @app.route("/field", methods=["GET"])
    def field_root():
        return redirect_to_field()

    @app.route("/field/{a}", methods=["GET"])
    def field_file_1(a: str):
        return api.guard(lambda: field_file((a,), _accept_encoding()))

    @app.route("/field/{a}/{b}", methods=["GET"])
    def field_file_2(a: str, b: str):
        return api.guard(lambda: field_file((a, b), _accept_encoding()))
