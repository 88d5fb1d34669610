"""Clips: lookup by short id, history pages, top clips of a server."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from bot.db.convert import clip_record
from bot.db.engine import Database
from bot.db.ids import normalize_id, web_key_where
from bot.db.members import names_in
from bot.db.records import ClipFamily, ClipRecord, Page, Period, TopClip
from bot.db.tables import ClipRow, SessionRow, utcnow
from bot.db.votes import ranked_clips
from bot.errors import NotFound

__all__ = ["MAX_PAGE", "ClipRepository"]

log = logging.getLogger(__name__)

MAX_PAGE = 100


class ClipRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, clip_id: str) -> ClipRecord | None:
        """A clip by its (typed) id; None when there is none."""
        key = normalize_id(clip_id)
        if key is None:
            return None
        async with self.db.read() as s:
            row = await s.get(ClipRow, key)
            return clip_record(row) if row else None

    async def for_web(self, key: str) -> ClipRecord | None:
        """The clip a web link names: by its web token; a clip made before web tokens (none
        stored) by its short id, so old links keep working.  None otherwise."""
        async with self.db.read() as s:
            row = await s.scalar(
                select(ClipRow).where(web_key_where(key, ClipRow.web_token, ClipRow.id))
            )
            return clip_record(row) if row else None

    async def require(self, clip_id: str) -> ClipRecord:
        clip = await self.get(clip_id)
        if clip is None:
            raise NotFound(f"I can't find a clip with id `{clip_id.strip()[:20]}`.")
        return clip

    async def history(
        self,
        *,
        user_id: int | None = None,
        guild_id: int | None = None,
        offset: int = 0,
        limit: int = 10,
    ) -> Page[ClipRecord]:
        """Clips of a user and/or a server, newest first, with the total count."""
        if user_id is None and guild_id is None:
            raise ValueError("history needs a user or a server")
        offset, limit = max(0, offset), max(1, min(limit, MAX_PAGE))
        where = []
        if user_id is not None:
            where.append(ClipRow.user_id == user_id)
        if guild_id is not None:
            where.append(ClipRow.guild_id == guild_id)
        async with self.db.read() as s:
            total = int(
                await s.scalar(select(func.count()).select_from(ClipRow).where(*where)) or 0
            )
            rows = await s.scalars(
                select(ClipRow)
                .where(*where)
                .order_by(ClipRow.created_at.desc(), ClipRow.id.desc())
                .offset(offset)
                .limit(limit)
            )
            return Page(tuple(clip_record(r) for r in rows), total, offset, limit)

    async def top(
        self,
        guild_id: int,
        period: Period,
        *,
        limit: int = 10,
        now: datetime | None = None,
        named: bool = False,
    ) -> tuple[TopClip, ...]:
        """A server's clips made during ``period`` with votes, best net score first (``named``:
        with their makers' display names)."""
        where = [ClipRow.guild_id == guild_id]
        if period.days is not None:
            where.append(ClipRow.created_at >= (now or utcnow()) - timedelta(days=period.days))
        async with self.db.read() as s:
            ranked = await ranked_clips(
                s, *where, limit=max(1, min(limit, MAX_PAGE)), voted_only=True, named=named
            )
            return tuple(ranked)

    async def children(self, clip_id: str) -> tuple[ClipRecord, ...]:
        """Rerolls, variations and extensions made from a clip, oldest first."""
        async with self.db.read() as s:
            rows = await s.scalars(
                select(ClipRow)
                .where(ClipRow.parent_clip_id == clip_id)
                .order_by(ClipRow.created_at)
            )
            return tuple(clip_record(r) for r in rows)

    async def family(self, clip: ClipRecord) -> ClipFamily:
        """The clip's parent and children in its own server, their makers' display names and
        its jam session's web key, in one read (for its web page)."""
        same_guild = ClipRow.guild_id == clip.guild_id
        async with self.db.read() as s:
            parent = None
            if clip.parent_clip_id:
                found = await s.get(ClipRow, clip.parent_clip_id)
                parent = clip_record(found) if found and found.guild_id == clip.guild_id else None
            rows = await s.scalars(
                select(ClipRow)
                .where(ClipRow.parent_clip_id == clip.id, same_guild)
                .order_by(ClipRow.created_at)
            )
            children = tuple(clip_record(r) for r in rows)
            makers = [clip.user_id, *(c.user_id for c in children)]
            makers += [parent.user_id] if parent else []
            names = await names_in(s, clip.guild_id, makers) if clip.guild_id else {}
            session_key = None
            if clip.session_id:
                found_session = await s.execute(
                    select(SessionRow.id, SessionRow.web_token).where(
                        SessionRow.id == clip.session_id, SessionRow.guild_id == clip.guild_id
                    )
                )
                session = found_session.first()
                session_key = (session.web_token or session.id) if session else None
        return ClipFamily(parent, children, names, session_key)

    async def set_posted_message(self, clip_id: str, message_id: int) -> None:
        async with self.db.write() as s:
            await s.execute(
                update(ClipRow)
                .where(ClipRow.id == clip_id)
                .values(posted_message_id=message_id)
                .execution_options(synchronize_session=False)
            )
