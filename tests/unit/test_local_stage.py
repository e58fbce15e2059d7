"""The local stage's extras: the admin's and field app's files and the login form's token, refused elsewhere."""

from __future__ import annotations

import gzip
import json
import re
import struct
from pathlib import Path

import jwt
import pytest
from chalice.test import Client

from chalicelib import auth
from chalicelib.api import local_stage
from chalicelib.domain.errors import NotFound


@pytest.fixture(scope="module")
def client():
    from app import app

    with Client(app, stage_name="local") as c:
        yield c


def test_local_login_mints_a_token_the_api_verifies(client):
    r = client.http.post("/v1/local/login", headers={"Content-Type": "application/json"},
                         body='{"role": "officer", "villages": ["16.03.01.2011"]}')
    assert r.status_code == 200, r.body
    token = r.json_body["token"]
    user = auth.verify(f"Bearer {token}")
    assert (user.role, user.villages) == ("officer", frozenset({"16.03.01.2011"}))
    assert jwt.decode(token, options={"verify_signature": False})["exp"] > 0


def test_local_login_validates_like_every_route(client):
    r = client.http.post("/v1/local/login", headers={"Content-Type": "application/json"}, body='{"role": "officer"}')
    assert r.status_code == 422
    assert "desa" in r.json_body["error"]["fields"]["body"]


def test_outside_the_local_stage_nothing_is_minted_or_served(monkeypatch):
    monkeypatch.setenv("LINDUNG_STAGE", "prod")
    with pytest.raises(NotFound):
        local_stage.login("admin", [])
    with pytest.raises(NotFound):
        local_stage.admin_file(("index.html",))


def test_admin_files_are_served_with_their_type(client):
    assert client.http.get("/admin").headers["Location"] == "/admin/index.html"
    r = client.http.get("/admin/index.html")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert "<title>" in r.body.decode()
    assert client.http.get("/admin/js/main.js").headers["Content-Type"].startswith("text/javascript")


@pytest.mark.parametrize("path", ["/admin/package.json", "/admin/node_modules/x/y", "/admin/..%2Fapp.py",
                                  "/admin/.hidden", "/admin/js/nope.js", "/admin/js/main.py"])
def test_nothing_outside_the_admin_files_is_served(client, path):
    r = client.http.get(path)
    assert r.status_code in (403, 404), path


def test_the_field_app_is_served_at_field_with_its_types(client):
    assert client.http.get("/field").headers["Location"] == "/field/index.html"
    page = client.http.get("/field/index.html")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert 'rel="manifest"' in page.body.decode()
    manifest = client.http.get("/field/manifest.webmanifest")
    assert manifest.headers["Content-Type"] == "application/manifest+json"
    icons = {i["src"]: i["sizes"] for i in json.loads(manifest.body)["icons"]}
    assert icons == {"icons/icon-192.png": "192x192", "icons/icon-512.png": "512x512"}
    for src, sizes in icons.items():
        icon = client.http.get(f"/field/{src}", headers={"Accept": "image/avif,image/webp,image/png,*/*"})
        assert icon.headers["Content-Type"] == "image/png"
        assert icon.body[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", icon.body[16:24])
        assert f"{width}x{height}" == sizes
    assert client.http.get("/field/sw.js").headers["Content-Type"].startswith("text/javascript")


def test_field_text_files_are_gzipped_when_the_browser_accepts_it(client):
    plain = client.http.get("/field/js/store.js")
    zipped = client.http.get("/field/js/store.js", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert gzip.decompress(zipped.body) == plain.body
    assert len(zipped.body) < len(plain.body) / 2


def test_the_service_worker_caches_every_shell_file_that_exists():
    """sw.js lists the shell by hand: a file renamed or added without it would be missing offline."""
    root = Path(__file__).resolve().parents[2] / "field"
    listed = set(json.loads("[" + re.search(r"const SHELL = \[(.*?)\];", (root / "sw.js").read_text(), re.S)
                            .group(1).replace("'", '"') + "]"))
    shipped = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} - {"sw.js", "package.json"}
    assert listed == shipped


@pytest.mark.parametrize("path", ["/field/package.json", "/field/.x", "/field/js/nope.js", "/field/../app.py"])
def test_nothing_outside_the_field_files_is_served(client, path):
    assert client.http.get(path).status_code in (403, 404), path
