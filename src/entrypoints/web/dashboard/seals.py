"""The dashboard's seals: HMAC-SHA256 under keys derived (HKDF, RFC 5869) from a random
secret kept in the store, so that every instance sharing the store seals and checks alike,
and a stolen cookie tells nothing about an API key. The secret is made once, by whichever
instance needs it first."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from insider_core import SharedRecords

SECRET_RECORD = "dashboard:secret"
SECRET_BYTES = 32
HASH_LENGTH = hashlib.sha256().digest_size


def hkdf_sha256(secret: bytes, info: bytes, length: int = HASH_LENGTH, salt: bytes = b"") -> bytes:
    """HKDF with SHA-256 (RFC 5869): extract a pseudorandom key, then expand it to `length`
    bytes."""
    prk = hmac.new(salt or bytes(HASH_LENGTH), secret, hashlib.sha256).digest()
    output, block = b"", b""
    for counter in range(1, -(-length // HASH_LENGTH) + 1):
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        output += block
    return output[:length]


class SecretOnce:
    """The change that makes the secret when the store holds none, and keeps the one it holds."""

    def apply(self, current: str | None) -> tuple[str, str | None, datetime | None]:
        if current:
            return current, None, None
        made = secrets.token_hex(SECRET_BYTES)
        return made, made, None


class Sealer:
    """Seals made with the service's secret; a key's fingerprint, so that a seal can name the
    API key it was made with without holding it."""

    def __init__(self, secret: bytes) -> None:
        self._seal_key = hkdf_sha256(secret, b"insider-dashboard session seal")
        self._fingerprint_key = hkdf_sha256(secret, b"insider-dashboard api key fingerprint")

    @classmethod
    async def of_store(cls, records: SharedRecords, now: datetime) -> Sealer:
        secret = await records.change_record(SECRET_RECORD, SecretOnce(), now)
        return cls(bytes.fromhex(secret))

    def fingerprint(self, group: str, key: str) -> str:
        text = f"{group}:{key}".encode()
        return hmac.new(self._fingerprint_key, text, hashlib.sha256).hexdigest()

    def seal(self, text: str) -> str:
        return hmac.new(self._seal_key, text.encode(), hashlib.sha256).hexdigest()

    def holds(self, text: str, seal: str) -> bool:
        return hmac.compare_digest(self.seal(text), seal)
