"""API keys: stored and compared as SHA-256 hashes, in constant time; never logged.

Keys come from ``NEWSPRISM_API_KEYS`` (plain, hashed at start), from a file of
``name:sha256hex`` lines (``NEWSPRISM_API_KEYS_FILE``) and from the ``api_keys`` table
(``newsprism keys create``).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select

from service.errors import Unauthorized
from service.store import Database
from service.store.models import ApiKey


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    return "np_" + secrets.token_urlsafe(32)


class KeyRing:
    """Known key hashes; the table is re-read at most every ``refresh_s`` seconds."""

    def __init__(self, plain_keys: list[str], keys_file: str | None, db: Database, refresh_s: float = 10.0) -> None:
        self.static: dict[str, str] = {hash_key(k): f"env#{i + 1}" for i, k in enumerate(plain_keys)}
        if keys_file:
            for n, line in enumerate(Path(keys_file).read_text(encoding="utf-8").splitlines()):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                name, _, digest = line.rpartition(":")
                if len(digest) != 64:
                    raise ValueError(f"{keys_file}:{n + 1}: expected 'name:sha256hex'")
                self.static[digest.lower()] = name or f"file#{n + 1}"
        self.db = db
        self.refresh_s = refresh_s
        self._db_keys: dict[str, str] = {}
        self._loaded_at = float("-inf")

    def _table(self) -> dict[str, str]:
        if time.monotonic() - self._loaded_at > self.refresh_s:
            try:
                with self.db.session() as s:
                    rows = s.execute(select(ApiKey.key_hash, ApiKey.name).where(ApiKey.revoked_at.is_(None))).all()
                self._db_keys = {h: n for h, n in rows}
                self._loaded_at = time.monotonic()
            except Exception:  # noqa: BLE001 - keep the last known table when the DB hiccups
                pass
        return self._db_keys

    def identify(self, presented: str | None) -> str:
        """The key's name; raises Unauthorized when missing or unknown."""
        if not presented:
            raise Unauthorized("this endpoint needs an API key: send 'Authorization: Bearer <key>'",
                               headers={"WWW-Authenticate": 'Bearer realm="newsprism"'})
        digest = hash_key(presented)
        name = None
        # compare against every known hash so timing does not depend on which one matched
        for known, label in list(self.static.items()) + list(self._table().items()):
            if hmac.compare_digest(known, digest):
                name = label
        if name is None:
            raise Unauthorized("the API key is not valid", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return name

    def create(self, name: str) -> str:
        key = new_key()
        with self.db.session() as s:
            s.add(ApiKey(name=name, key_hash=hash_key(key)))
            s.commit()
        self._loaded_at = float("-inf")
        return key

    def revoke(self, name: str) -> bool:
        with self.db.session() as s:
            row = s.execute(select(ApiKey).where(ApiKey.name == name, ApiKey.revoked_at.is_(None))).scalar_one_or_none()
            if row is None:
                return False
            row.revoked_at = datetime.now(timezone.utc)
            s.commit()
        self._loaded_at = float("-inf")
        return True

    def list(self) -> list[dict]:
        with self.db.session() as s:
            rows = s.execute(select(ApiKey).order_by(ApiKey.id)).scalars().all()
            return [{"name": r.name, "created_at": r.created_at.isoformat(), "revoked": r.revoked_at is not None,
                     "hash_prefix": r.key_hash[:8]} for r in rows]


def bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None
