"""The local token issuer: an RSA key in .local/ that the local stage trusts (`make token`).

The API verifies these with the same code that verifies Cognito tokens in AWS; only the key
source differs (a JWKS file here, Cognito's JWKS URL there).
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib import config

KID = "lindung-local-1"


def ensure_keys(private_file: Path | None = None, jwks_file: Path | None = None) -> None:
    private_file = private_file or config.auth_private_key_file()
    jwks_file = jwks_file or config.auth_jwks_file()
    if private_file.exists() and jwks_file.exists():
        return
    private_file.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_file.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    private_file.chmod(0o600)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    public.update({"kid": KID, "use": "sig", "alg": "RS256"})
    jwks_file.write_text(json.dumps({"keys": [public]}, indent=2))


def mint(role: str, villages: list[str] | tuple[str, ...] = (), regency: str | None = None,
         sub: str | None = None, ttl: int = 12 * 3600, **overrides) -> str:
    if not config.is_local():
        raise RuntimeError("tokens are minted only in the local stage: set LINDUNG_STAGE=local "
                           f"(it is {config.stage()!r})")
    ensure_keys()
    now = int(time.time())
    claims = {
        "sub": sub or f"local-{role}-{uuid.uuid4().hex[:8]}",
        "iss": config.auth_issuer(),
        "aud": config.auth_audience(),
        "iat": now,
        "exp": now + ttl,
        "token_use": "id",
        "cognito:groups": [role] if role else [],
        "custom:regency": regency or config.default_regency(),
        "name": f"Local {role}",
    }
    if villages:
        claims["custom:villages"] = ",".join(villages)
    claims.update(overrides)
    key = config.auth_private_key_file().read_bytes()
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})


def main() -> None:
    parser = argparse.ArgumentParser(description="Print a bearer token the local stack accepts.")
    parser.add_argument("--role", default="admin", choices=["admin", "officer", "viewer"])
    parser.add_argument("--villages", default="", help="comma-separated village codes (officers)")
    parser.add_argument("--regency", default=None)
    parser.add_argument("--ttl", type=int, default=12 * 3600, help="seconds")
    args = parser.parse_args()
    villages = [v.strip() for v in args.villages.split(",") if v.strip()]
    if args.role == "officer" and not villages:
        parser.error("an officer needs VILLAGES=16.03.xx.xxxx[,...]")
    print(mint(args.role, villages, args.regency, ttl=args.ttl))


if __name__ == "__main__":
    main()
