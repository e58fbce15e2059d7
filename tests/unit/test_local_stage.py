"""The local stage's extras: the admin's files and the login form's token, refused elsewhere."""

from __future__ import annotations

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
