"""Password hashes: argon2id for every new hash; PBKDF2-SHA256 hashes of earlier versions still verify.

`verify` answers whether a password matches and whether its hash should be replaced (an old
PBKDF2 hash, or argon2 parameters below today's): the login then stores a fresh argon2id hash.
"""

from __future__ import annotations

import hashlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 8
PBKDF2_PREFIX = "pbkdf2_sha256$"
_HASHER = PasswordHasher()  # argon2id with the library's current defaults
# Verified against when the user does not exist, so that an unknown name costs the same time.
_DUMMY_HASH = _HASHER.hash("timing equaliser: no such user")


def hash_password(password: str) -> str:
    """An argon2id hash of `password` (PHC string, salt included)."""
    return _HASHER.hash(password)


def legacy_pbkdf2_hash(password: str, salt: bytes, iterations: int = 240_000) -> str:
    """A PBKDF2-SHA256 hash as versions before argon2 stored it (for tests of the upgrade path)."""
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{PBKDF2_PREFIX}{iterations}${salt.hex()}${digest.hex()}"


def _verify_pbkdf2(password: str, stored: str) -> bool:
    try:
        _, iterations, salt_hex, digest_hex = stored.split("$")
        salt = bytes.fromhex(salt_hex)
        rounds = int(iterations)
    except ValueError:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, rounds)
    return hmac.compare_digest(digest.hex(), digest_hex)


def verify(password: str, stored: str | None) -> tuple[bool, bool]:
    """(matches, needs_rehash) for `password` against a stored hash; a missing hash costs the same time."""
    if not stored:
        verify(password, _DUMMY_HASH)
        return False, False
    if stored.startswith(PBKDF2_PREFIX):
        ok = _verify_pbkdf2(password, stored)
        return ok, ok
    try:
        _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, False
    return True, _HASHER.check_needs_rehash(stored)


def check_strength(password: str) -> tuple[str, str] | None:
    """A bilingual reason why `password` is refused as a new password, or None."""
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 位", f"the password must have at least {MIN_LENGTH} characters"
    if password.strip() != password:
        return "密码首尾不能有空格", "the password must not start or end with a space"
    return None
