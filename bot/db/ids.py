"""Short, user-facing ids: 8 characters of Crockford-style base32 (40 random bits).

They are typed by people (``/clip 7kq2m9xa``), so the alphabet has no ``i l o u`` and parsing
is case-insensitive and forgiving about look-alikes.
"""

from __future__ import annotations

import secrets

__all__ = ["ID_ALPHABET", "new_id", "normalize_id"]

ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
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
