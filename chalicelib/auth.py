"""Bearer-token verification that runs in every stage.

API Gateway's Cognito authorizer is only simulated by `chalice local` and skipped by Chalice's
test client, so a role check living only there would fail open in every local test. We verify
the JWT signature, issuer, audience and expiry here, in code: against Cognito's JWKS in AWS and
against the local issuer's key file (`make token`) in the local stage.

Claims (the same names Cognito puts in an ID token):
  cognito:groups   ["admin"] | ["officer"] | ["viewer"]
  custom:regency   "16.03"
  custom:villages  "16.03.02.2001,16.03.02.2002" (officers)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from chalicelib import config
from chalicelib.domain.errors import Forbidden, Unauthenticated, Unavailable

if TYPE_CHECKING:
    import jwt

ROLES = ("admin", "officer", "viewer")
READERS = frozenset(ROLES)
WRITERS = frozenset({"admin", "officer"})
ADMINS = frozenset({"admin"})
REGENCY_CODE = re.compile(r"\d{2}\.\d{2}")  # province.regency, e.g. 16.03 (Kemendagri code)


@dataclass(frozen=True)
class User:
    sub: str
    role: str
    regency: str
    villages: frozenset[str] = field(default_factory=frozenset)
    name: str | None = None

    def can_see_village(self, village_code: str) -> bool:
        return self.role != "officer" or village_code in self.villages


@cache
def _jwt():
    """PyJWT and cryptography (~60 ms of cold start), loaded on the first token to verify: the
    schedule and SQS functions import this app too and never verify one."""
    import jwt

    return jwt


@cache
def _remote_jwks(url: str) -> jwt.PyJWKClient:
    return _jwt().PyJWKClient(url, cache_keys=True, lifespan=3600)


def _local_jwks(path: str, mtime: float) -> jwt.PyJWKSet:
    return _jwt().PyJWKSet.from_dict(json.loads(open(path, encoding="utf-8").read()))


_local_cache: dict[tuple[str, float], jwt.PyJWKSet] = {}


def _signing_key(token: str):
    url = config.auth_jwks_url()
    if url:
        return _remote_jwks(url).get_signing_key_from_jwt(token).key
    if not config.is_local():  # the local issuer's key file is trusted by the local stage alone
        raise Unavailable("AUTH_UNAVAILABLE", "Layanan belum dikonfigurasi: sumber kunci token (AUTH_JWKS_URL) "
                          "tidak diatur; hubungi operator")
    path = config.auth_jwks_file()
    try:
        stamp = (str(path), path.stat().st_mtime)
    except FileNotFoundError:
        raise Unauthenticated("AUTH_UNAVAILABLE", "Kunci verifikasi token belum dibuat (jalankan make token)") from None
    if stamp not in _local_cache:
        _local_cache.clear()
        _local_cache[stamp] = _local_jwks(*stamp)
    kid = _jwt().get_unverified_header(token).get("kid")
    for key in _local_cache[stamp].keys:
        if key.key_id == kid:
            return key.key
    raise Unauthenticated("AUTH_INVALID", "Token ditandatangani kunci yang tidak dikenal")


def verify(authorization: str | None) -> User:
    """Turn an Authorization header into a User, or raise 401/403 domain errors."""
    if not authorization or not authorization.startswith("Bearer "):
        raise Unauthenticated("AUTH_MISSING", "Header Authorization: Bearer <token> wajib ada")
    token = authorization[len("Bearer "):].strip()
    jwt = _jwt()
    try:
        claims = jwt.decode(
            token,
            _signing_key(token),
            algorithms=["RS256"],
            audience=config.auth_audience(),
            issuer=config.auth_issuer(),
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            leeway=30,
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("AUTH_EXPIRED", "Token sudah kedaluwarsa, silakan masuk lagi") from None
    except (jwt.InvalidTokenError, jwt.PyJWKClientError) as exc:
        raise Unauthenticated("AUTH_INVALID", f"Token tidak valid ({type(exc).__name__})") from None
    return _user_from_claims(claims)


def _user_from_claims(claims: dict) -> User:
    groups = [g for g in claims.get("cognito:groups", []) if g in ROLES]
    if not groups:
        raise Forbidden("ROLE_MISSING", "Akun belum memiliki peran (admin, officer, atau viewer)")
    role = min(groups, key=ROLES.index)  # the strongest group wins
    regency = _served_regency(claims.get("custom:regency", config.default_regency()))
    villages = frozenset(v for v in (claims.get("custom:villages") or "").split(",") if v)
    return User(sub=claims["sub"], role=role, regency=regency, villages=villages,
                name=claims.get("name") or claims.get("cognito:username"))


def _served_regency(claim: object) -> str:
    """Every key starts with the regency (`R#<regency>#...`), so the claim is part of every key
    we build: only a well-formed code this deployment serves (LINDUNG_REGENCIES) gets through.
    `*`, `16.03#P#x` or a neighbour's 16.04 in a validly signed token are a 403, not a prefix."""
    if isinstance(claim, str) and REGENCY_CODE.fullmatch(claim) and claim in config.regencies():
        return claim
    raise Forbidden("REGENCY_FORBIDDEN", "Akun ini terdaftar untuk kabupaten/kota yang tidak dilayani di sini; "
                    "minta admin memeriksa atribut custom:regency akun Anda")


def require(user: User, roles: frozenset[str]) -> None:
    if user.role not in roles:
        raise Forbidden("ROLE_FORBIDDEN", f"Peran {user.role} tidak boleh melakukan ini")
