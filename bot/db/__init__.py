"""Storage: async SQLAlchemy engine, ORM tables, Alembic migrations and repositories.

    db = Database.from_url(settings.resolved_database_url)
    await upgrade(settings.resolved_database_url)
    store = Storage(db)
    page = await store.clips.history(user_id=123)

Repositories hand out frozen records (:mod:`bot.db.records`), never ORM objects.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.clips import ClipRepository
from bot.db.engine import Database, create_engine
from bot.db.guilds import GuildRepository
from bot.db.ids import new_id, normalize_id
from bot.db.jobs import JobRepository
from bot.db.members import MemberRepository
from bot.db.migrate import current, downgrade, schema_diff, upgrade
from bot.db.records import (
    CancelOutcome,
    ClipFamily,
    ClipRecord,
    ClipRelation,
    ForgetResult,
    GuildSettingsRecord,
    JobRecord,
    JobRequest,
    Limits,
    Page,
    Period,
    SectionResult,
    SessionClose,
    SessionRecord,
    SessionStatus,
    TopClip,
    VoteTally,
)
from bot.db.sessions import SessionRepository
from bot.db.users import UserRepository
from bot.db.votes import VoteRepository

__all__ = [
    "CancelOutcome",
    "ClipFamily",
    "ClipRecord",
    "ClipRelation",
    "ClipRepository",
    "Database",
    "ForgetResult",
    "GuildRepository",
    "GuildSettingsRecord",
    "JobRecord",
    "JobRepository",
    "JobRequest",
    "Limits",
    "MemberRepository",
    "Page",
    "Period",
    "SectionResult",
    "SessionClose",
    "SessionRecord",
    "SessionRepository",
    "SessionStatus",
    "Storage",
    "TopClip",
    "UserRepository",
    "VoteRepository",
    "VoteTally",
    "create_engine",
    "current",
    "downgrade",
    "new_id",
    "normalize_id",
    "schema_diff",
    "upgrade",
]


@dataclass(frozen=True, slots=True)
class Storage:
    """Every repository over one :class:`Database`."""

    db: Database

    @property
    def jobs(self) -> JobRepository:
        return JobRepository(self.db)

    @property
    def clips(self) -> ClipRepository:
        return ClipRepository(self.db)

    @property
    def votes(self) -> VoteRepository:
        return VoteRepository(self.db)

    @property
    def users(self) -> UserRepository:
        return UserRepository(self.db)

    @property
    def guilds(self) -> GuildRepository:
        return GuildRepository(self.db)

    @property
    def members(self) -> MemberRepository:
        return MemberRepository(self.db)

    @property
    def sessions(self) -> SessionRepository:
        return SessionRepository(self.db)
