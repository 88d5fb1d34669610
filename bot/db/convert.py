"""Row → record conversion and small SQL helpers shared by the repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.ids import new_web_token
from bot.db.records import ClipRecord, ClipRelation, JobRecord, SessionRecord, SessionStatus
from bot.db.tables import ClipRow, GuildRow, JobRow, SessionRow, UserRow, utcnow
from bot.runtime.jobs import AudioFormat, ClipFiles, JobKind, JobStatus, RenderJob
from models.plan import SectionRole

__all__ = [
    "clip_record",
    "clip_row",
    "ensure_guild",
    "ensure_user",
    "insert_ignore",
    "job_record",
    "session_record",
]


def job_record(row: JobRow) -> JobRecord:
    return JobRecord(
        id=row.id,
        seq=row.seq,
        clip_id=row.clip_id,
        user_id=row.user_id,
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        kind=JobKind(row.kind),
        backend=row.backend,
        request_text=row.request_text,
        spec_json=row.spec_json,
        render_json=row.render_json,
        status=JobStatus(row.status),
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        error=row.error,
        cancel_requested=row.cancel_requested,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        delivered_at=row.delivered_at,
        delivery_ref=row.delivery_ref,
        parent_clip_id=row.parent_clip_id,
        relation=ClipRelation(row.relation) if row.relation else None,
        session_id=row.session_id,
        session_role=SectionRole(row.session_role) if row.session_role else None,
        application_id=row.application_id,
        interaction_token=row.interaction_token,
        interaction_created_at=row.interaction_created_at,
        progress_message_id=row.progress_message_id,
        original_message_id=row.original_message_id,
    )


def clip_record(row: ClipRow) -> ClipRecord:
    return ClipRecord(
        id=row.id,
        job_id=row.job_id,
        user_id=row.user_id,
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        kind=JobKind(row.kind),
        directory=row.directory,
        audio_path=row.audio_path,
        audio_format=AudioFormat(row.audio_format),
        midi_path=row.midi_path,
        waveform_path=row.waveform_path,
        stem_path=row.stem_path,
        state_path=row.state_path,
        body_frames=row.body_frames,
        sample_rate=row.sample_rate,
        duration_s=row.duration_s,
        loudness_lufs=row.loudness_lufs,
        true_peak_dbtp=row.true_peak_dbtp,
        size_bytes=row.size_bytes,
        bitrate_kbps=row.bitrate_kbps,
        notes=tuple(row.notes or ()),
        plan_json=row.plan_json,
        backend=row.backend,
        seed=row.seed,
        key=row.key,
        bpm=row.bpm,
        meter=row.meter,
        style=row.style,
        section_role=SectionRole(row.section_role) if row.section_role else None,
        parent_clip_id=row.parent_clip_id,
        relation=ClipRelation(row.relation) if row.relation else None,
        session_id=row.session_id,
        posted_message_id=row.posted_message_id,
        created_at=row.created_at,
        web_token=row.web_token,
    )


def session_record(row: SessionRow, roles: tuple[SectionRole, ...]) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        guild_id=row.guild_id,
        parent_channel_id=row.parent_channel_id,
        thread_id=row.thread_id,
        owner_id=row.owner_id,
        name=row.name,
        plan_json=row.plan_json,
        status=SessionStatus(row.status),
        roles=roles,
        song_clip_id=row.song_clip_id,
        created_at=row.created_at,
        closed_at=row.closed_at,
        web_token=row.web_token,
    )


async def insert_ignore(session: AsyncSession, table: Table, values: dict[str, Any]) -> None:
    """INSERT a row unless one with the same primary key exists (atomic on both databases)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        await session.execute(pg_insert(table).values(**values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        await session.execute(sqlite_insert(table).values(**values).on_conflict_do_nothing())
    else:  # pragma: no cover - other databases: check first (a race raises IntegrityError)
        pk = [c.name for c in table.primary_key.columns]
        found = await session.execute(
            table.select().where(*(table.c[name] == values[name] for name in pk))
        )
        if found.first() is None:
            await session.execute(table.insert().values(**values))


async def ensure_user(session: AsyncSession, user_id: int) -> None:
    await insert_ignore(session, UserRow.__table__, {"id": user_id, "last_served": 0})  # type: ignore[arg-type]


async def ensure_guild(session: AsyncSession, guild_id: int | None) -> None:
    if guild_id is not None:
        await insert_ignore(session, GuildRow.__table__, {"id": guild_id})  # type: ignore[arg-type]


def clip_row(job: JobRow, files: ClipFiles) -> ClipRow:
    """The clip row a finished job writes: its files plus the musical facts of its plan."""
    render = RenderJob.from_dict(job.render_json)
    plan = render.plan
    role: str | None = job.session_role
    if role is None and render.kind is JobKind.SECTION and render.sections:
        role = plan.sections[render.sections[-1]].role.value
    return ClipRow(
        id=job.clip_id,
        job_id=job.id,
        user_id=job.user_id,
        guild_id=job.guild_id,
        channel_id=job.channel_id,
        kind=job.kind,
        directory=files.directory,
        audio_path=files.audio_path,
        audio_format=files.audio_format.value,
        midi_path=files.midi_path,
        waveform_path=files.waveform_path,
        stem_path=files.stem_path,
        state_path=files.state_path,
        body_frames=files.body_frames,
        sample_rate=files.sample_rate,
        duration_s=files.duration_s,
        loudness_lufs=files.loudness_lufs,
        true_peak_dbtp=files.true_peak_dbtp,
        size_bytes=files.size_bytes,
        bitrate_kbps=files.bitrate_kbps,
        notes=list(files.notes),
        plan_json=plan.to_dict(),
        backend=job.backend,
        seed=plan.seed,
        key=plan.key.name,
        bpm=plan.bpm,
        meter=str(plan.meter),
        style=plan.style,
        section_role=role,
        parent_clip_id=job.parent_clip_id,
        relation=job.relation,
        session_id=job.session_id,
        created_at=utcnow(),
        web_token=new_web_token(),
    )
