"""Members' display names per server, for the web pages (never usernames or ids).

A name is remembered in the same transaction that accepts a member's request (a job, a jam
session) and replaced whenever they ask again, so pages show the name they go by now.  A member
with neither a server nickname nor a global display name has no row: pages show no creator.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Mapping

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.convert import ensure_guild, ensure_user
from bot.db.engine import Database
from bot.db.tables import DISPLAY_NAME_LEN, MemberNameRow, utcnow

__all__ = ["MemberRepository", "clean_display_name", "names_in", "remember_name"]

log = logging.getLogger(__name__)


def clean_display_name(name: str | None) -> str | None:
    """The name as stored: control characters (newlines, NUL, ...) dropped, spaces trimmed, at
    most ``DISPLAY_NAME_LEN`` characters; None when nothing is left.  Markup and bidirectional
    marks are kept as the member wrote them: the pages escape the text and isolate its
    direction (``<bdi>``)."""
    if name is None:
        return None
    kept = "".join(c for c in name if unicodedata.category(c) != "Cc")
    return kept.strip()[:DISPLAY_NAME_LEN].strip() or None


async def remember_name(
    s: AsyncSession, guild_id: int | None, user_id: int, display_name: str | None
) -> None:
    """Record (or replace, or with None forget) a member's display name in a server; the
    guild and user rows must exist.  Nothing for DMs (their clips have no pages)."""
    if guild_id is None:
        return
    name = clean_display_name(display_name)
    key = (MemberNameRow.guild_id == guild_id, MemberNameRow.user_id == user_id)
    if name is None:
        await s.execute(delete(MemberNameRow).where(*key))
        return
    values = {
        "guild_id": guild_id,
        "user_id": user_id,
        "display_name": name,
        "updated_at": utcnow(),
    }
    table = MemberNameRow.__table__
    dialect = s.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite_insert if dialect == "sqlite" else pg_insert
        stmt = insert(table).values(**values)  # type: ignore[arg-type]
        await s.execute(
            stmt.on_conflict_do_update(
                index_elements=["guild_id", "user_id"],
                set_={"display_name": name, "updated_at": values["updated_at"]},
            )
        )
        return
    row = await s.get(MemberNameRow, (guild_id, user_id))  # pragma: no cover - other databases
    if row is None:  # pragma: no cover
        s.add(MemberNameRow(**values))
    else:  # pragma: no cover
        row.display_name, row.updated_at = name, utcnow()


async def names_in(s: AsyncSession, guild_id: int, user_ids: Iterable[int]) -> dict[int, str]:
    """The display names of these members of a server, inside an open transaction."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    rows = await s.execute(
        select(MemberNameRow.user_id, MemberNameRow.display_name).where(
            MemberNameRow.guild_id == guild_id, MemberNameRow.user_id.in_(wanted)
        )
    )
    return {int(user_id): str(name) for user_id, name in rows}


class MemberRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def remember(self, guild_id: int | None, user_id: int, display_name: str | None) -> None:
        async with self.db.write() as s:
            await ensure_user(s, user_id)
            await ensure_guild(s, guild_id)
            await remember_name(s, guild_id, user_id, display_name)

    async def names(self, guild_id: int, user_ids: Iterable[int]) -> Mapping[int, str]:
        """The display names of these members of a server (those without one are left out)."""
        wanted = set(user_ids)
        if not wanted:
            return {}
        async with self.db.read() as s:
            return await names_in(s, guild_id, wanted)
