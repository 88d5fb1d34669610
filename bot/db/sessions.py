"""Community jam sessions: a locked song plan in a thread, section clips voted on, a podium."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.convert import clip_record, ensure_guild, ensure_user, session_record
from bot.db.engine import Database
from bot.db.ids import new_id, new_web_token, web_key_where
from bot.db.records import ClipRecord, SectionResult, SessionClose, SessionRecord, TopClip
from bot.db.tables import ClipRow, SessionRow, SessionSectionRow, utcnow
from bot.db.votes import ranked_clips
from bot.errors import Forbidden, NotFound, RequestError
from models.melody.fit import without_melody
from models.plan import SectionRole, SongPlan

__all__ = ["PODIUM_SIZE", "SessionRepository"]

log = logging.getLogger(__name__)

PODIUM_SIZE = 3


async def _roles(s: AsyncSession, session_id: str) -> tuple[SectionRole, ...]:
    rows = await s.scalars(
        select(SessionSectionRow.role)
        .where(SessionSectionRow.session_id == session_id)
        .order_by(SessionSectionRow.position)
    )
    return tuple(SectionRole(r) for r in rows)


async def _record(s: AsyncSession, row: SessionRow) -> SessionRecord:
    return session_record(row, await _roles(s, row.id))


async def _require(s: AsyncSession, session_id: str) -> SessionRow:
    row = await s.get(SessionRow, session_id, with_for_update=True)
    if row is None:
        raise NotFound("That jam session does not exist any more.")
    return row


async def _podium(
    s: AsyncSession, session_id: str, role: SectionRole, size: int, *, named: bool = False
) -> list[TopClip]:
    return await ranked_clips(
        s,
        ClipRow.session_id == session_id,
        ClipRow.section_role == role.value,
        limit=size,
        named=named,
    )


class SessionRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        *,
        guild_id: int,
        parent_channel_id: int,
        owner_id: int,
        name: str,
        plan: SongPlan,
        roles: Sequence[SectionRole] | None = None,
        thread_id: int | None = None,
    ) -> SessionRecord:
        """Open a session on a locked plan; ``roles`` (default: the plan's sections, in order)
        are the sections people contribute."""
        wanted = tuple(roles) if roles is not None else tuple(s.role for s in plan.sections)
        wanted = tuple(dict.fromkeys(wanted))
        if not wanted:
            raise RequestError("A jam session needs at least one section.")
        name = name.strip()[:100] or "Jam session"
        async with self.db.write() as s:
            await ensure_guild(s, guild_id)
            await ensure_user(s, owner_id)
            row = SessionRow(
                id=new_id(),
                guild_id=guild_id,
                parent_channel_id=parent_channel_id,
                thread_id=thread_id,
                owner_id=owner_id,
                name=name,
                plan_json=plan.to_dict(),
                status="open",
                created_at=utcnow(),
                web_token=new_web_token(),
            )
            s.add(row)
            s.add_all(
                SessionSectionRow(session_id=row.id, role=role.value, position=i)
                for i, role in enumerate(wanted)
            )
            await s.flush()
            return session_record(row, wanted)

    async def set_thread(self, session_id: str, thread_id: int) -> SessionRecord:
        async with self.db.write() as s:
            row = await _require(s, session_id)
            row.thread_id = thread_id
            await s.flush()
            return await _record(s, row)

    async def get(self, session_id: str) -> SessionRecord | None:
        async with self.db.read() as s:
            row = await s.get(SessionRow, session_id)
            return await _record(s, row) if row else None

    async def for_web(self, key: str) -> SessionRecord | None:
        """The session a web link names: by its web token; a session made before web tokens
        (none stored) by its short id.  None otherwise."""
        async with self.db.read() as s:
            row = await s.scalar(
                select(SessionRow).where(web_key_where(key, SessionRow.web_token, SessionRow.id))
            )
            return await _record(s, row) if row else None

    async def by_thread(self, thread_id: int) -> SessionRecord | None:
        async with self.db.read() as s:
            row = await s.scalar(select(SessionRow).where(SessionRow.thread_id == thread_id))
            return await _record(s, row) if row else None

    async def open_in_guild(self, guild_id: int) -> tuple[SessionRecord, ...]:
        async with self.db.read() as s:
            rows = await s.scalars(
                select(SessionRow)
                .where(SessionRow.guild_id == guild_id, SessionRow.status == "open")
                .order_by(SessionRow.created_at)
            )
            return tuple([await _record(s, r) for r in rows])

    async def add_clip(
        self, session_id: str, clip_id: str, role: SectionRole | None = None
    ) -> ClipRecord:
        """Enter a clip for one of the session's sections (default: the clip's own role)."""
        async with self.db.write() as s:
            session = await _require(s, session_id)
            if session.status != "open":
                raise RequestError("This jam session is closed; no new clips can join it.")
            clip = await s.get(ClipRow, clip_id)
            if clip is None:
                raise NotFound(f"There is no clip {clip_id}.")
            if clip.guild_id != session.guild_id:
                raise Forbidden("Only clips made in this server can join its jam session.")
            chosen = role.value if role else clip.section_role
            roles = [r.value for r in await _roles(s, session_id)]
            if chosen is None or chosen not in roles:
                raise RequestError(
                    "This session has no such section; it takes: " + ", ".join(roles) + "."
                )
            clip.session_id, clip.section_role = session_id, chosen
            await s.flush()
            return clip_record(clip)

    async def leaders(self, session_id: str) -> dict[SectionRole, TopClip | None]:
        """The currently best-voted clip of each section (None: no clip yet)."""
        async with self.db.read() as s:
            out: dict[SectionRole, TopClip | None] = {}
            for role in await _roles(s, session_id):
                best = await _podium(s, session_id, role, 1)
                out[role] = best[0] if best else None
            return out

    async def takes(
        self, session_id: str, *, limit: int = 20, named: bool = False
    ) -> dict[SectionRole, tuple[TopClip, ...]]:
        """Every section's clips so far, best-voted first (at most ``limit`` per section;
        ``named``: with their makers' display names)."""
        async with self.db.read() as s:
            return {
                role: tuple(await _podium(s, session_id, role, limit, named=named))
                for role in await _roles(s, session_id)
            }

    async def close(
        self, session_id: str, user_id: int, *, admin: bool = False, podium: int = PODIUM_SIZE
    ) -> SessionClose:
        """Close the session: the top-voted clip of each section is chosen; returns the
        podium of every section for the announcement."""
        async with self.db.write() as s:
            row = await _require(s, session_id)
            if row.owner_id != user_id and not admin:
                raise Forbidden(
                    "Only the person who started this session (or a moderator) can close it."
                )
            if row.status != "open":
                raise RequestError("This jam session is already closed.")
            results: list[SectionResult] = []
            sections = await s.scalars(
                select(SessionSectionRow)
                .where(SessionSectionRow.session_id == session_id)
                .order_by(SessionSectionRow.position)
            )
            for section in list(sections):
                role = SectionRole(section.role)
                ranked = await _podium(s, session_id, role, podium)
                chosen = ranked[0] if ranked else None
                section.chosen_clip_id = chosen.clip.id if chosen else None
                results.append(SectionResult(role, tuple(ranked), chosen))
            row.status, row.closed_at = "closed", utcnow()
            await s.flush()
            return SessionClose(await _record(s, row), tuple(results))

    async def forget_melodies(self, owner_id: int) -> int:
        """The jam sessions ``owner_id`` started on their melody lose it (forget-me): the
        session's plan and its takes' plans get one generated motif and no melody notes, and an
        open session is closed (its host is gone; no podium is chosen).  Returns how many."""
        async with self.db.write() as s:
            rows = list(await s.scalars(select(SessionRow).where(SessionRow.owner_id == owner_id)))
            forgotten = 0
            for row in rows:
                plan = SongPlan.from_dict(row.plan_json)
                stripped = without_melody(plan)
                if stripped is plan:
                    continue
                row.plan_json = stripped.to_dict()
                if row.status == "open":
                    row.status, row.closed_at = "closed", utcnow()
                for take in await s.scalars(select(ClipRow).where(ClipRow.session_id == row.id)):
                    taken = SongPlan.from_dict(take.plan_json)
                    take.plan_json = without_melody(taken, stripped.motif).to_dict()
                forgotten += 1
        if forgotten:
            log.info("forgot the melody of %d jam sessions of user %s", forgotten, owner_id)
        return forgotten

    async def set_song(self, session_id: str, clip_id: str) -> SessionRecord:
        """Record the stitched song made from the chosen clips."""
        async with self.db.write() as s:
            row = await _require(s, session_id)
            row.song_clip_id = clip_id
            await s.flush()
            return await _record(s, row)
