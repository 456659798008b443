"""Password and API-key hashing: argon2id for passwords, SHA-256 for high-entropy keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_api_key() -> str:
    """A random device API key (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    """API keys are random, so a fast hash is enough (and lets us look keys up by hash)."""
    return hashlib.sha256(key.encode()).hexdigest()


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)
