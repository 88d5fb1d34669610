"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Foreign keys that close a cycle (sessions.song_clip_id and jobs.parent_clip_id point at clips,
# which points back at both): inline on SQLite (no ALTER needed, forward references are allowed),
# added after ``clips`` exists elsewhere.
SESSION_SONG_FK = ("fk_sessions_song_clip_id_clips", "sessions", ["song_clip_id"], ["id"])
JOB_PARENT_FK = ("fk_jobs_parent_clip_id_clips", "jobs", ["parent_clip_id"], ["id"])


def _sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")


def _inline_on_sqlite(fk: tuple[str, str, list[str], list[str]]) -> list[sa.ForeignKeyConstraint]:
    name, _table, cols, ref = fk
    if not _sqlite():
        return []
    return [
        sa.ForeignKeyConstraint(cols, [f"clips.{c}" for c in ref], name=name, ondelete="SET NULL")
    ]


def upgrade() -> None:
    op.create_table(
        "guilds",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guilds")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_served", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_table(
        "guild_settings",
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("allowed_channels", sa.JSON(), nullable=True),
        sa.Column("max_duration_s", sa.Float(), nullable=True),
        sa.Column("max_queued_per_user", sa.Integer(), nullable=True),
        sa.Column("max_running_per_user", sa.Integer(), nullable=True),
        sa.Column("max_queued_per_guild", sa.Integer(), nullable=True),
        sa.Column("default_style", sa.String(length=32), nullable=True),
        sa.Column("default_backend", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guilds.id"],
            name=op.f("fk_guild_settings_guild_id_guilds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_guild_settings")),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("parent_channel_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("plan_json", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("song_clip_id", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_sessions_status")),
        sa.ForeignKeyConstraint(
            ["guild_id"],
            ["guilds.id"],
            name=op.f("fk_sessions_guild_id_guilds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_sessions_owner_id_users"), ondelete="SET NULL"
        ),
        *_inline_on_sqlite(SESSION_SONG_FK),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("thread_id", name=op.f("uq_sessions_thread_id")),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sessions_guild_id"), ["guild_id"], unique=False)

    op.create_table(
        "jobs",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("clip_id", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=True),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("backend", sa.String(length=32), nullable=False),
        sa.Column("request_text", sa.Text(), nullable=False),
        sa.Column("spec_json", sa.JSON(), nullable=True),
        sa.Column("render_json", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivery_ref", sa.String(length=64), nullable=True),
        sa.Column("parent_clip_id", sa.String(length=16), nullable=True),
        sa.Column("relation", sa.String(length=16), nullable=True),
        sa.Column("session_id", sa.String(length=16), nullable=True),
        sa.Column("session_role", sa.String(length=16), nullable=True),
        sa.Column("application_id", sa.BigInteger(), nullable=True),
        sa.Column("interaction_token", sa.Text(), nullable=True),
        sa.Column("interaction_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("progress_message_id", sa.BigInteger(), nullable=True),
        sa.Column("original_message_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'cancelled')",
            name=op.f("ck_jobs_status"),
        ),
        sa.CheckConstraint("attempts >= 0 AND max_attempts >= 1", name=op.f("ck_jobs_attempts")),
        sa.ForeignKeyConstraint(
            ["guild_id"], ["guilds.id"], name=op.f("fk_jobs_guild_id_guilds"), ondelete="CASCADE"
        ),
        *_inline_on_sqlite(JOB_PARENT_FK),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_jobs_session_id_sessions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_jobs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_jobs")),
        sa.UniqueConstraint("clip_id", name=op.f("uq_jobs_clip_id")),
        sa.UniqueConstraint("id", name=op.f("uq_jobs_id")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_guild_status", ["guild_id", "status"], unique=False)
        batch_op.create_index("ix_jobs_status_seq", ["status", "seq"], unique=False)
        batch_op.create_index("ix_jobs_user_status", ["user_id", "status"], unique=False)

    op.create_table(
        "clips",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("job_id", sa.String(length=16), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=True),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("directory", sa.Text(), nullable=False),
        sa.Column("audio_path", sa.Text(), nullable=False),
        sa.Column("audio_format", sa.String(length=8), nullable=False),
        sa.Column("midi_path", sa.Text(), nullable=True),
        sa.Column("waveform_path", sa.Text(), nullable=True),
        sa.Column("stem_path", sa.Text(), nullable=False),
        sa.Column("state_path", sa.Text(), nullable=True),
        sa.Column("body_frames", sa.BigInteger(), nullable=False),
        sa.Column("sample_rate", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("loudness_lufs", sa.Float(), nullable=False),
        sa.Column("true_peak_dbtp", sa.Float(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("bitrate_kbps", sa.Integer(), nullable=True),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("plan_json", sa.JSON(), nullable=False),
        sa.Column("backend", sa.String(length=32), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=16), nullable=False),
        sa.Column("bpm", sa.Float(), nullable=False),
        sa.Column("meter", sa.String(length=8), nullable=False),
        sa.Column("style", sa.String(length=32), nullable=False),
        sa.Column("section_role", sa.String(length=16), nullable=True),
        sa.Column("parent_clip_id", sa.String(length=16), nullable=True),
        sa.Column("relation", sa.String(length=16), nullable=True),
        sa.Column("session_id", sa.String(length=16), nullable=True),
        sa.Column("posted_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["guild_id"], ["guilds.id"], name=op.f("fk_clips_guild_id_guilds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_clips_job_id_jobs"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["parent_clip_id"],
            ["clips.id"],
            name=op.f("fk_clips_parent_clip_id_clips"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_clips_session_id_sessions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_clips_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clips")),
        sa.UniqueConstraint("job_id", name=op.f("uq_clips_job_id")),
    )
    with op.batch_alter_table("clips", schema=None) as batch_op:
        batch_op.create_index("ix_clips_guild_created", ["guild_id", "created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_clips_parent_clip_id"), ["parent_clip_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_clips_session_id"), ["session_id"], unique=False)
        batch_op.create_index("ix_clips_user_created", ["user_id", "created_at"], unique=False)

    if not _sqlite():  # the two foreign keys of the clips <-> sessions/jobs cycles
        for name, table, cols, ref in (SESSION_SONG_FK, JOB_PARENT_FK):
            op.create_foreign_key(name, table, "clips", cols, ref, ondelete="SET NULL")

    op.create_table(
        "session_sections",
        sa.Column("session_id", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("chosen_clip_id", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["chosen_clip_id"],
            ["clips.id"],
            name=op.f("fk_session_sections_chosen_clip_id_clips"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_session_sections_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "role", name=op.f("pk_session_sections")),
    )
    op.create_table(
        "votes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("clip_id", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("value IN (-1, 1)", name=op.f("ck_votes_value")),
        sa.ForeignKeyConstraint(
            ["clip_id"], ["clips.id"], name=op.f("fk_votes_clip_id_clips"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_votes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
        sa.UniqueConstraint("clip_id", "user_id", name="uq_votes_clip_user"),
    )


def downgrade() -> None:
    if not _sqlite():
        for name, table, _cols, _ref in (SESSION_SONG_FK, JOB_PARENT_FK):
            op.drop_constraint(name, table, type_="foreignkey")
    op.drop_table("votes")
    op.drop_table("session_sections")
    with op.batch_alter_table("clips", schema=None) as batch_op:
        batch_op.drop_index("ix_clips_user_created")
        batch_op.drop_index(batch_op.f("ix_clips_session_id"))
        batch_op.drop_index(batch_op.f("ix_clips_parent_clip_id"))
        batch_op.drop_index("ix_clips_guild_created")

    op.drop_table("clips")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_user_status")
        batch_op.drop_index("ix_jobs_status_seq")
        batch_op.drop_index("ix_jobs_guild_status")

    op.drop_table("jobs")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sessions_guild_id"))

    op.drop_table("sessions")
    op.drop_table("guild_settings")
    op.drop_table("users")
    op.drop_table("guilds")
