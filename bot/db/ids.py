"""Short, user-facing ids: 8 characters of Crockford-style base32 (40 random bits).

They are typed by people (``/clip 7kq2m9xa``), so the alphabet has no ``i l o u`` and parsing
is case-insensitive and forgiving about look-alikes.

Web links use a separate token per clip and session instead (:func:`new_web_token`: 128 random
bits, URL-safe base64), so a page cannot be found by guessing, whatever the rate limit.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import ColumnElement, and_, false
from sqlalchemy.orm import InstrumentedAttribute

__all__ = [
    "ID_ALPHABET",
    "WEB_TOKEN_BYTES",
    "is_web_token",
    "new_id",
    "new_web_token",
    "normalize_id",
    "web_key_where",
]

ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
WEB_TOKEN_BYTES = 16  # 128 bits
_WEB_TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")  # base64url of 16 bytes, unpadded
_LOOKALIKES = str.maketrans({"i": "1", "l": "1", "o": "0", "u": "v"})


def new_id(length: int = 8) -> str:
    """A fresh random id of ``length`` base32 characters."""
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(length))


def normalize_id(text: str) -> str | None:
    """The canonical form of a typed id, or None when it cannot be one."""
    cleaned = text.strip().lower().replace("-", "").translate(_LOOKALIKES)
    if not 4 <= len(cleaned) <= 16 or any(c not in ID_ALPHABET for c in cleaned):
        return None
    return cleaned


def new_web_token() -> str:
    """A fresh web token: 22 URL-safe characters holding 128 random bits."""
    return secrets.token_urlsafe(WEB_TOKEN_BYTES)


def is_web_token(text: str) -> bool:
    """Whether ``text`` has the shape of a web token (case matters; nothing is normalised)."""
    return _WEB_TOKEN.fullmatch(text) is not None


def web_key_where(
    key: str, web_token: InstrumentedAttribute[str | None], short_id: InstrumentedAttribute[str]
) -> ColumnElement[bool]:
    """The row a web link's ``key`` names: by its web token; a row made before web tokens
    (none stored) by its short id, so old links keep working; nothing for any other key."""
    if is_web_token(key):
        return web_token == key
    short = normalize_id(key)
    if short is None:
        return false()
    return and_(short_id == short, web_token.is_(None))
