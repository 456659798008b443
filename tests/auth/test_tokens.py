"""Bearer tokens: issued tokens verify; tampered, expired, wrong-audience ones are refused."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from dosi.auth.principal import ANONYMOUS, Principal
from dosi.auth.roles import Permission, Role
from dosi.auth.tokens import TokenError, TokenIssuer, TokenPolicy, TokenVerifier

POLICY = TokenPolicy(issuer="https://dosi.test", audience="dosi-api", clock_skew=30)


@pytest.fixture
def issuer(tmp_path: Path) -> TokenIssuer:
    return TokenIssuer(POLICY, tmp_path / "auth" / "signing-key.pem", ttl=600)


def test_issued_token_verifies_with_roles(issuer: TokenIssuer) -> None:
    token = issuer.issue("kim", {"sejong": ["operator"], "*": ["viewer"]})
    principal = issuer.verifier().verify(token)
    assert principal.subject == "kim"
    assert principal.roles_in("sejong") == {Role.OPERATOR, Role.VIEWER}
    assert principal.can(Permission.OPERATE, "sejong")
    assert not principal.can(Permission.OPERATE, "shenzhen")
    assert principal.can(Permission.READ, "shenzhen")
    assert not principal.can(Permission.WRITE, "sejong")


def test_key_is_kept_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    first = TokenIssuer(POLICY, path)
    token = first.issue("lee", {"": ["city-admin"]})
    second = TokenIssuer(POLICY, path)
    assert second.verifier().verify(token).subject == "lee"
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_expired_token_refused_beyond_skew(issuer: TokenIssuer) -> None:
    old = issuer.issue("kim", {}, now=time.time() - 600 - 60)
    with pytest.raises(TokenError, match="expired"):
        issuer.verifier().verify(old)
    within_skew = issuer.issue("kim", {}, now=time.time() - 600 - 10)
    assert issuer.verifier().verify(within_skew).subject == "kim"


def test_wrong_audience_and_issuer_refused(issuer: TokenIssuer, tmp_path: Path) -> None:
    other = TokenIssuer(TokenPolicy("https://dosi.test", "other-api"), tmp_path / "o.pem")
    foreign = TokenIssuer(TokenPolicy("https://evil.test", "dosi-api"), tmp_path / "e.pem")
    verifier = TokenVerifier(POLICY, {"keys": [*other.jwks["keys"], *foreign.jwks["keys"]]})
    with pytest.raises(TokenError, match="audience"):
        verifier.verify(other.issue("kim", {}))
    with pytest.raises(TokenError, match="issuer"):
        verifier.verify(foreign.issue("kim", {}))


def test_tampered_token_refused(issuer: TokenIssuer) -> None:
    token = issuer.issue("kim", {"": ["viewer"]})
    head, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["dosi_roles"] = {"*": ["city-admin"]}
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with pytest.raises(TokenError):
        issuer.verifier().verify(f"{head}.{forged}.{sig}")


def test_signed_by_unknown_key_refused(issuer: TokenIssuer, tmp_path: Path) -> None:
    stranger = TokenIssuer(POLICY, tmp_path / "s.pem")
    verifier = TokenVerifier(POLICY, {"keys": [{**issuer.jwks["keys"][0]}]})
    token = stranger.issue("kim", {})
    with pytest.raises(TokenError):
        verifier.verify(token)


def test_alg_none_and_hmac_refused(issuer: TokenIssuer) -> None:
    claims = {
        "iss": POLICY.issuer,
        "aud": POLICY.audience,
        "sub": "x",
        "exp": int(time.time()) + 60,
    }
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    with pytest.raises(TokenError, match="not accepted"):
        issuer.verifier().verify(unsigned)
    hmac_token = jwt.encode(claims, "secret-secret-secret-secret-32by", algorithm="HS256")
    with pytest.raises(TokenError, match="not accepted"):
        issuer.verifier().verify(hmac_token)


def test_rs256_from_external_issuer() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    verifier = TokenVerifier(POLICY, {"keys": [{**jwk, "kid": "idp-1"}]})
    claims = {
        "iss": POLICY.issuer,
        "aud": POLICY.audience,
        "sub": "park",
        "exp": int(time.time()) + 60,
        "dosi_roles": {"": ["city-admin", "bogus"]},
    }
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "idp-1"})
    principal = verifier.verify(token)
    assert principal.roles_in("") == {Role.CITY_ADMIN}


def test_malformed_token_refused(issuer: TokenIssuer) -> None:
    with pytest.raises(TokenError):
        issuer.verifier().verify("not-a-token")


def test_anonymous_allows_everything() -> None:
    assert ANONYMOUS.can(Permission.ADMIN, "any")
    assert not Principal("x").can(Permission.READ, "")
