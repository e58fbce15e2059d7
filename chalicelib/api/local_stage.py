"""What only the local stage offers: the web admin's static files and a login that mints a token.

In AWS the admin is served from S3 (infra/admin.yaml) and tokens come from Cognito, so both
refuse to work outside LINDUNG_STAGE=local, even if a route were somehow deployed.
"""

from __future__ import annotations

from pathlib import Path

from chalice import Response

from chalicelib import config
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
}
_HIDDEN = {"node_modules", "package.json", "package-lock.json"}


def is_local() -> bool:
    return config.is_local()


def admin_file(parts: tuple[str, ...]) -> Response:
    """One file under admin/, by path segments; text types only, nothing outside the folder."""
    if not is_local():
        raise NotFound("NOT_FOUND", "Admin web disajikan dari S3 di lingkungan ini")
    root = config.admin_dir().resolve()
    if any(not p or p.startswith(".") or p in _HIDDEN for p in parts):
        raise NotFound("NOT_FOUND", "Berkas tidak ditemukan")
    path = root.joinpath(*parts).resolve()
    content_type = _TYPES.get(path.suffix)
    if content_type is None or root not in path.parents or not path.is_file():
        raise NotFound("NOT_FOUND", "Berkas tidak ditemukan")
    return Response(body=path.read_text(encoding="utf-8"), status_code=200,
                    headers={"Content-Type": content_type, "Cache-Control": "no-cache"})


def redirect_to_admin() -> Response:
    return Response(body="", status_code=302, headers={"Location": "/admin/index.html"})


def login(role: str, villages: list[str]) -> dict:
    """`make token` behind a form: the devtools issuer's key, which only the local stage trusts."""
    if not is_local():
        raise NotFound("NOT_FOUND", "Login lokal hanya ada di tahap local")
    from devtools import tokens  # not packaged for AWS; only reachable in the local stage

    return {"token": tokens.mint(role, villages, ttl=TOKEN_TTL), "role": role, "expires_in": TOKEN_TTL}


def admin_dir_exists() -> bool:
    return Path(config.admin_dir(), "index.html").is_file()
