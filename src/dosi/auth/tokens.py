"""JWT bearer tokens: verification (OIDC issuers or dosi's own) and issuing (built-in users).

Accepts RS256 and ES256 only (never ``none`` or HMAC with a public key), checks issuer,
audience and expiry with a configurable clock skew. Roles come from the ``dosi_roles``
claim: ``{"<tenant>": ["operator", ...]}`` (tenant ``*`` = all tenants).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from dosi.auth.principal import Principal
from dosi.auth.roles import parse_roles

ALGORITHMS = ("RS256", "ES256")
ROLES_CLAIM = "dosi_roles"


class TokenError(Exception):
    """A token was refused; the message says why (safe to show to the client)."""


@dataclass(frozen=True)
class TokenPolicy:
    issuer: str
    audience: str
    clock_skew: float = 30.0


def _load_keys(jwks: dict[str, Any]) -> dict[str | None, Any]:
    """Signature keys of a JWKS by key id; keys of other algorithms or uses are skipped."""
    keys: dict[str | None, Any] = {}
    for jwk in jwks.get("keys", []):
        if not isinstance(jwk, dict) or jwk.get("use", "sig") != "sig":
            continue
        if jwk.get("alg", "RS256" if jwk.get("kty") == "RSA" else "ES256") not in ALGORITHMS:
            continue
        try:
            keys[jwk.get("kid")] = jwt.PyJWK(jwk)
        except jwt.PyJWTError:
            continue
    return keys


class TokenVerifier:
    """Verifies bearer tokens against a JWKS (from a file, a dict, or dosi's own issuer)."""

    def __init__(self, policy: TokenPolicy, jwks: dict[str, Any]) -> None:
        self.policy = policy
        self._local = _load_keys(jwks)
        self._remote: dict[str | None, Any] = {}
        self._keys: dict[str | None, Any] = dict(self._local)
        #: Called with the key id of a token no known key matches (refresh the JWKS).
        self.on_unknown_key: Callable[[str | None], None] | None = None

    def set_remote_keys(self, jwks: dict[str, Any]) -> int:
        """Replace the keys fetched from an external issuer (a key rotation); returns how
        many were usable. Keys configured locally stay."""
        self._remote = _load_keys(jwks)
        self._keys = {**self._remote, **self._local}
        return len(self._remote)

    @classmethod
    def from_file(cls, policy: TokenPolicy, path: Path) -> TokenVerifier:
        return cls(policy, json.loads(path.read_text()))

    def verify(self, token: str, *, audience: str | None = None) -> Principal:
        """The token's principal; ``audience`` replaces the policy's (stream tickets)."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenError(f"malformed token: {exc}") from None
        if header.get("alg") not in ALGORITHMS:
            raise TokenError(f"token algorithm {header.get('alg')!r} is not accepted")
        key = self._keys.get(header.get("kid")) or (
            next(iter(self._keys.values())) if len(self._keys) == 1 else None
        )
        if key is None:
            if self.on_unknown_key is not None:
                self.on_unknown_key(header.get("kid"))
            raise TokenError("token signed with an unknown key")
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=list(ALGORITHMS),
                audience=audience or self.policy.audience,
                issuer=self.policy.issuer,
                leeway=self.policy.clock_skew,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenError("token expired") from None
        except jwt.InvalidAudienceError:
            raise TokenError("token is not for this audience") from None
        except jwt.InvalidIssuerError:
            raise TokenError("token has the wrong issuer") from None
        except jwt.PyJWTError as exc:
            raise TokenError(f"invalid token: {exc}") from None
        raw_roles = claims.get(ROLES_CLAIM, {})
        roles = (
            {str(t): parse_roles(r) for t, r in raw_roles.items()}
            if isinstance(raw_roles, dict)
            else {}
        )
        return Principal(subject=str(claims["sub"]), roles=roles)


class TokenIssuer:
    """dosi's own issuer for the built-in user store: an ES256 key kept in the data dir."""

    def __init__(self, policy: TokenPolicy, key_path: Path, ttl: float = 3600.0) -> None:
        self.policy = policy
        self.ttl = ttl
        if key_path.exists():
            loaded = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
            if not isinstance(loaded, ec.EllipticCurvePrivateKey):
                raise TokenError(f"{key_path} is not an EC private key")
            self._key = loaded
        else:
            self._key = ec.generate_private_key(ec.SECP256R1())
            key_path.parent.mkdir(parents=True, exist_ok=True)
            key_path.write_bytes(
                self._key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            key_path.chmod(0o600)
        public = jwt.algorithms.ECAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        self.kid = f"dosi-{public['x'][:12]}"
        self.jwks: dict[str, Any] = {
            "keys": [{**public, "kid": self.kid, "alg": "ES256", "use": "sig"}]
        }

    def issue(
        self,
        subject: str,
        roles: dict[str, list[str]],
        *,
        now: float | None = None,
        audience: str | None = None,
        ttl: float | None = None,
    ) -> str:
        issued = time.time() if now is None else now
        claims = {
            "iss": self.policy.issuer,
            "aud": audience or self.policy.audience,
            "sub": subject,
            "iat": int(issued),
            "exp": int(issued + (self.ttl if ttl is None else ttl)),
            "jti": uuid.uuid4().hex,
            ROLES_CLAIM: roles,
        }
        return jwt.encode(claims, self._key, algorithm="ES256", headers={"kid": self.kid})

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(self.policy, self.jwks)
