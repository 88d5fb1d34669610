"""Votes: one per user per clip (a unique constraint in the database), +1 or -1.

Toggling: voting the same way again removes the vote; voting the other way flips it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, case, func, null, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.convert import clip_record, ensure_user
from bot.db.engine import Database
from bot.db.records import TopClip, VoteTally
from bot.db.tables import ClipRow, MemberNameRow, VoteRow, utcnow
from bot.errors import NotFound, RequestError

__all__ = ["VoteRepository", "ranked_clips", "tallies"]

log = logging.getLogger(__name__)

_UP = func.coalesce(func.sum(case((VoteRow.value > 0, 1), else_=0)), 0)
_DOWN = func.coalesce(func.sum(case((VoteRow.value < 0, 1), else_=0)), 0)


async def tallies(
    s: AsyncSession, clip_ids: Iterable[str], user_id: int | None = None
) -> dict[str, VoteTally]:
    """Up/down counts (and ``user_id``'s own vote) for each clip; clips without votes get 0/0."""
    ids = list(dict.fromkeys(clip_ids))
    if not ids:
        return {}
    counts = {
        clip_id: (int(up), int(down))
        for clip_id, up, down in (
            await s.execute(
                select(VoteRow.clip_id, _UP, _DOWN)
                .where(VoteRow.clip_id.in_(ids))
                .group_by(VoteRow.clip_id)
            )
        )
    }
    mine: dict[str, int] = {}
    if user_id is not None:
        mine = {
            clip_id: int(value)
            for clip_id, value in (
                await s.execute(
                    select(VoteRow.clip_id, VoteRow.value).where(
                        VoteRow.clip_id.in_(ids), VoteRow.user_id == user_id
                    )
                )
            )
        }
    return {cid: VoteTally(cid, *counts.get(cid, (0, 0)), mine=mine.get(cid, 0)) for cid in ids}


async def ranked_clips(
    s: AsyncSession, *where: Any, limit: int, voted_only: bool = False, named: bool = False
) -> list[TopClip]:
    """Clips matching ``where`` ranked by net votes (then more up-votes, then the earlier clip).
    ``named``: with each maker's display name in the clip's server (``TopClip.maker``)."""
    score = (_UP - _DOWN).label("score")
    maker = func.max(MemberNameRow.display_name) if named else null()
    query = select(ClipRow, _UP.label("up"), _DOWN.label("down"), maker.label("maker"))
    if named:  # one name row per clip at most: the vote counts are unchanged
        query = query.outerjoin(
            MemberNameRow,
            and_(
                MemberNameRow.guild_id == ClipRow.guild_id,
                MemberNameRow.user_id == ClipRow.user_id,
            ),
        )
    query = (
        query.outerjoin(VoteRow, VoteRow.clip_id == ClipRow.id)
        .where(*where)
        .group_by(ClipRow.id)
        .order_by(score.desc(), _UP.desc(), ClipRow.created_at, ClipRow.id)
        .limit(limit)
    )
    if voted_only:
        query = query.having(func.count(VoteRow.id) > 0)
    rows = await s.execute(query)
    return [
        TopClip(clip_record(clip), VoteTally(clip.id, int(up), int(down)), name)
        for clip, up, down, name in rows
    ]


class VoteRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def toggle(self, clip_id: str, user_id: int, value: int) -> VoteTally:
        """Vote ``value`` (+1/-1) on a clip with toggle semantics; returns the new tally."""
        if value not in (1, -1):
            raise RequestError("A vote is +1 or -1.")
        for attempt in range(3):
            try:
                return await self._toggle(clip_id, user_id, value)
            except IntegrityError:
                # Two clicks racing on PostgreSQL: the unique constraint stopped the second
                # insert; run again and it sees the first.
                if attempt == 2:
                    raise
                log.debug("vote race on clip %s by %s; retrying", clip_id, user_id)
        raise AssertionError("unreachable")

    async def _toggle(self, clip_id: str, user_id: int, value: int) -> VoteTally:
        async with self.db.write() as s:
            if await s.get(ClipRow, clip_id) is None:
                raise NotFound(f"There is no clip {clip_id}.")
            await ensure_user(s, user_id)
            vote = await s.scalar(
                select(VoteRow)
                .where(VoteRow.clip_id == clip_id, VoteRow.user_id == user_id)
                .with_for_update()
            )
            if vote is None:
                s.add(VoteRow(clip_id=clip_id, user_id=user_id, value=value, created_at=utcnow()))
            elif vote.value == value:
                await s.delete(vote)
            else:
                vote.value, vote.created_at = value, utcnow()
            await s.flush()
            return (await tallies(s, [clip_id], user_id))[clip_id]

    async def tally(self, clip_id: str, user_id: int | None = None) -> VoteTally:
        async with self.db.read() as s:
            return (await tallies(s, [clip_id], user_id))[clip_id]

    async def tallies(
        self, clip_ids: Sequence[str], user_id: int | None = None
    ) -> dict[str, VoteTally]:
        async with self.db.read() as s:
            return await tallies(s, clip_ids, user_id)
