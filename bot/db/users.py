"""Users, and forget-me: delete everything the bot stored about a person."""

from __future__ import annotations

import logging

from sqlalchemy import delete, func, select

from bot.db.convert import ensure_user
from bot.db.engine import Database
from bot.db.records import ForgetResult
from bot.db.tables import ClipRow, JobRow, MemberNameRow, UserRow, VoteRow

__all__ = ["UserRepository"]

log = logging.getLogger(__name__)


class UserRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def ensure(self, user_id: int) -> None:
        async with self.db.write() as s:
            await ensure_user(s, user_id)

    async def exists(self, user_id: int) -> bool:
        async with self.db.read() as s:
            return await s.get(UserRow, user_id) is not None

    async def forget(self, user_id: int) -> ForgetResult:
        """Delete a user's jobs, clips, votes (and votes others cast on those clips) and display
        names, in one transaction.  Returns the clip directories for the caller to delete from
        the clip store.  Clips made from theirs keep existing with no parent; a running job of
        theirs finishes into nothing (its clip directory is removed when it completes)."""
        async with self.db.write() as s:
            dirs = tuple(
                await s.scalars(
                    select(ClipRow.directory).where(ClipRow.user_id == user_id).order_by(ClipRow.id)
                )
            )
            votes = int(
                await s.scalar(
                    select(func.count()).select_from(VoteRow).where(VoteRow.user_id == user_id)
                )
                or 0
            )
            await s.execute(delete(VoteRow).where(VoteRow.user_id == user_id))
            await s.execute(delete(MemberNameRow).where(MemberNameRow.user_id == user_id))
            clips = await s.execute(delete(ClipRow).where(ClipRow.user_id == user_id))
            jobs = await s.execute(delete(JobRow).where(JobRow.user_id == user_id))
            await s.execute(delete(UserRow).where(UserRow.id == user_id))
            result = ForgetResult(
                user_id=user_id,
                jobs=int(jobs.rowcount),  # type: ignore[attr-defined]
                clips=int(clips.rowcount),  # type: ignore[attr-defined]
                votes=votes,
                clip_dirs=dirs,
            )
        log.info(
            "forgot user %s: %d jobs, %d clips, %d votes", user_id, result.jobs, result.clips, votes
        )
        return result
