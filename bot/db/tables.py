"""The ORM tables (SQLAlchemy 2 typed declarative).  Only repositories touch these classes;
everything outside ``bot.db`` sees the frozen records of :mod:`bot.db.records`.

Discord ids (users, guilds, channels, messages) are 64-bit snowflakes: ``BigInteger``.
Clip, job and session ids are short base32 strings (:mod:`bot.db.ids`).  Enum-like columns are
strings holding :class:`enum.StrEnum` values, guarded by CHECK constraints.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base",
    "ClipRow",
    "GuildRow",
    "GuildSettingsRow",
    "JobRow",
    "MemberNameRow",
    "SessionRow",
    "SessionSectionRow",
    "UTCDateTime",
    "UserRow",
    "VoteRow",
    "utcnow",
]

ID_LEN = 16  # room for the 8-character ids in use and longer ones later
WEB_TOKEN_LEN = 32  # the 22-character web tokens (bot.db.ids.new_web_token) and some room
DISPLAY_NAME_LEN = 100  # Discord's display names and nicknames are at most 32 characters

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite stores them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class GuildRow(Base):
    __tablename__ = "guilds"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GuildSettingsRow(Base):
    """Per-server overrides; NULL means "use the bot's Settings"."""

    __tablename__ = "guild_settings"

    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guilds.id", ondelete="CASCADE"), primary_key=True
    )
    allowed_channels: Mapped[list[int] | None] = mapped_column(JSON)  # None: every channel
    max_duration_s: Mapped[float | None] = mapped_column(Float)
    max_queued_per_user: Mapped[int | None] = mapped_column(Integer)
    max_running_per_user: Mapped[int | None] = mapped_column(Integer)
    max_queued_per_guild: Mapped[int | None] = mapped_column(Integer)
    default_style: Mapped[str | None] = mapped_column(String(32))
    default_backend: Mapped[str | None] = mapped_column(String(32))
    #: Web pages of this server's clips, sessions and leaderboard (None/False: off).
    gallery: Mapped[bool | None] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Fair queueing: the scheduler's service counter when this user was last served (0: never).
    last_served: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class MemberNameRow(Base):
    """A member's display name in a server (their server nickname, else their global display
    name; never the username or id), as last seen when they asked for something there.  The web
    pages show it as the creator of their clips; ``/forget-me`` deletes it."""

    __tablename__ = "member_names"

    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guilds.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    display_name: Mapped[str] = mapped_column(String(DISPLAY_NAME_LEN))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SessionRow(Base):
    """A community jam session in a thread."""

    __tablename__ = "sessions"
    __table_args__ = (CheckConstraint("status IN ('open', 'closed')", name="status"),)

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    guild_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("guilds.id", ondelete="CASCADE"), index=True
    )
    parent_channel_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    owner_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(100))
    plan_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="open")
    song_clip_id: Mapped[str | None] = mapped_column(
        String(ID_LEN), ForeignKey("clips.id", ondelete="SET NULL", use_alter=True)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The id in web links (/s/<token>); None for sessions made before web tokens existed.
    web_token: Mapped[str | None] = mapped_column(String(WEB_TOKEN_LEN), unique=True, index=True)


class SessionSectionRow(Base):
    """A section role a session asks for, its place in the song, and the clip chosen at close."""

    __tablename__ = "session_sections"

    session_id: Mapped[str] = mapped_column(
        String(ID_LEN), ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    chosen_clip_id: Mapped[str | None] = mapped_column(
        String(ID_LEN), ForeignKey("clips.id", ondelete="SET NULL")
    )


class JobRow(Base):
    """One accepted request; holds everything needed to run and deliver it after a restart."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'cancelled')", name="status"
        ),
        CheckConstraint("attempts >= 0 AND max_attempts >= 1", name="attempts"),
        Index("ix_jobs_status_seq", "status", "seq"),
        Index("ix_jobs_user_status", "user_id", "status"),
        Index("ix_jobs_guild_status", "guild_id", "status"),
    )

    #: Acceptance order (FIFO within a user).
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(ID_LEN), unique=True)
    clip_id: Mapped[str] = mapped_column(String(ID_LEN), unique=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    guild_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("guilds.id", ondelete="CASCADE")
    )
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    backend: Mapped[str] = mapped_column(String(32))
    request_text: Mapped[str] = mapped_column(Text, default="")
    spec_json: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    render_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    error: Mapped[str | None] = mapped_column(Text)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivery_ref: Mapped[str | None] = mapped_column(String(64))
    parent_clip_id: Mapped[str | None] = mapped_column(
        String(ID_LEN), ForeignKey("clips.id", ondelete="SET NULL", use_alter=True)
    )
    relation: Mapped[str | None] = mapped_column(String(16))
    session_id: Mapped[str | None] = mapped_column(
        String(ID_LEN), ForeignKey("sessions.id", ondelete="SET NULL")
    )
    session_role: Mapped[str | None] = mapped_column(String(16))
    # Where the Discord layer answers (plain values; bot/ never imports discord).
    application_id: Mapped[int | None] = mapped_column(BigInteger)
    interaction_token: Mapped[str | None] = mapped_column(Text)
    interaction_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    original_message_id: Mapped[int | None] = mapped_column(BigInteger)


class ClipRow(Base):
    """A finished clip: its files in the clip store and what it was made from."""

    __tablename__ = "clips"
    __table_args__ = (
        Index("ix_clips_guild_created", "guild_id", "created_at"),
        Index("ix_clips_user_created", "user_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    job_id: Mapped[str | None] = mapped_column(
        String(ID_LEN), ForeignKey("jobs.id", ondelete="SET NULL"), unique=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    guild_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("guilds.id", ondelete="CASCADE")
    )
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    # Files
    directory: Mapped[str] = mapped_column(Text)
    audio_path: Mapped[str] = mapped_column(Text)
    audio_format: Mapped[str] = mapped_column(String(8))
    midi_path: Mapped[str | None] = mapped_column(Text)
    waveform_path: Mapped[str | None] = mapped_column(Text)
    stem_path: Mapped[str] = mapped_column(Text)
    state_path: Mapped[str | None] = mapped_column(Text)
    body_frames: Mapped[int] = mapped_column(BigInteger)
    sample_rate: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[float] = mapped_column(Float)
    loudness_lufs: Mapped[float] = mapped_column(Float)
    true_peak_dbtp: Mapped[float] = mapped_column(Float)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    bitrate_kbps: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Musical facts
    plan_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    backend: Mapped[str] = mapped_column(String(32))
    seed: Mapped[int] = mapped_column(BigInteger)
    key: Mapped[str] = mapped_column(String(16))
    bpm: Mapped[float] = mapped_column(Float)
    meter: Mapped[str] = mapped_column(String(8))
    style: Mapped[str] = mapped_column(String(32))
    section_role: Mapped[str | None] = mapped_column(String(16))  # None: a whole song
    # Lineage and place
    parent_clip_id: Mapped[str | None] = mapped_column(
        String(ID_LEN), ForeignKey("clips.id", ondelete="SET NULL"), index=True
    )
    relation: Mapped[str | None] = mapped_column(String(16))
    session_id: Mapped[str | None] = mapped_column(
        String(ID_LEN), ForeignKey("sessions.id", ondelete="SET NULL"), index=True
    )
    posted_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The id in web links (/c/<token>); None for clips made before web tokens existed.
    web_token: Mapped[str | None] = mapped_column(String(WEB_TOKEN_LEN), unique=True, index=True)


class VoteRow(Base):
    """One vote per user per clip (unique constraint), value +1 or -1."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("clip_id", "user_id", name="uq_votes_clip_user"),
        CheckConstraint("value IN (-1, 1)", name="value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    clip_id: Mapped[str] = mapped_column(String(ID_LEN), ForeignKey("clips.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
