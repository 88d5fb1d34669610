"""Shared helpers for the storage, queue, scheduler and host tests (no tests here).

Databases are real: a SQLite file in ``tmp_path``, or PostgreSQL when
``COMPOSER_TEST_POSTGRES_URL`` is set (e.g. ``postgresql+asyncpg://composer@127.0.0.1:5432/test``;
the schema ``public`` of that database is wiped before each test).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.db import Database, JobRequest, new_id, upgrade
from bot.runtime.jobs import AudioFormat, ClipFiles, JobKind, OutputSpec, RenderJob
from bot.settings import Settings
from models.plan import (
    Chord,
    InstrumentPart,
    Key,
    Meter,
    Mode,
    PartRole,
    SectionPlan,
    SectionRole,
    SongPlan,
)

POSTGRES_ENV = "COMPOSER_TEST_POSTGRES_URL"
DATABASES = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} unset"),
    ),
]


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'composer.db'}"


async def fresh_url(kind: str, tmp_path: Path) -> str:
    """A URL to an empty database of ``kind`` (not yet migrated)."""
    if kind == "sqlite":
        return sqlite_url(tmp_path)
    url = os.environ[POSTGRES_ENV]
    db = Database.from_url(url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await db.close()
    return url


async def migrated_db(kind: str, tmp_path: Path) -> AsyncIterator[Database]:
    url = await fresh_url(kind, tmp_path)
    await upgrade(url)
    db = Database.from_url(url)
    try:
        yield db
    finally:
        await db.close()


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"data_dir": tmp_path / "data"}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


ROLES = (SectionRole.INTRO, SectionRole.VERSE, SectionRole.CHORUS, SectionRole.OUTRO)


def make_plan(
    *extras: tuple[str, str], seed: int = 7, bars: int = 2, roles: tuple[SectionRole, ...] = ROLES
) -> SongPlan:
    sections = tuple(
        SectionPlan(role, i, bars, i * bars, 0.5, (Chord(0, "min"), Chord(5, "min")))
        for i, role in enumerate(roles)
    )
    return SongPlan(
        key=Key(9, Mode.MINOR),
        bpm=120.0,
        meter=Meter(4, 4),
        style="lofi",
        instruments=(InstrumentPart(PartRole.HARMONY, 4, "Electric piano"),),
        motif=(),
        sections=sections,
        seed=seed,
        extras=tuple(extras),
    )


def make_render(
    *extras: tuple[str, str],
    backend: str = "embedded",
    section: int = 1,
    kind: JobKind = JobKind.SECTION,
    seed: int = 7,
    timeout_s: float = 120.0,
) -> RenderJob:
    plan = make_plan(*extras, seed=seed)
    sections = (section,) if kind is JobKind.SECTION else tuple(range(len(plan.sections)))
    return RenderJob(
        job_id=new_id(),
        clip_id=new_id(),
        kind=kind,
        backend=backend,
        plan=plan,
        sections=sections,
        output=OutputSpec(format=AudioFormat.WAV, waveform=False),
        timeout_s=timeout_s,
    )


def make_request(
    user_id: int, guild_id: int | None = 1000, *, render: RenderJob | None = None, **kw: object
) -> JobRequest:
    values: dict[str, object] = {
        "channel_id": 2000,
        "request_text": f"a verse please (user {user_id})",
    }
    values.update(kw)
    return JobRequest(
        render=render or make_render(),
        user_id=user_id,
        guild_id=guild_id,
        **values,  # type: ignore[arg-type]
    )


def fake_files(root: Path, clip_id: str, duration_s: float = 4.0) -> ClipFiles:
    """A clip directory with placeholder files (repository tests do not need real audio)."""
    directory = root / clip_id
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "audio.wav").write_bytes(b"RIFF")
    (directory / "stem.flac").write_bytes(b"fLaC")
    return ClipFiles(
        clip_id=clip_id,
        directory=str(directory),
        audio_path=str(directory / "audio.wav"),
        audio_format=AudioFormat.WAV,
        midi_path=None,
        waveform_path=None,
        stem_path=str(directory / "stem.flac"),
        state_path=None,
        body_frames=int(duration_s * 48_000),
        sample_rate=48_000,
        duration_s=duration_s,
        loudness_lufs=-14.0,
        true_peak_dbtp=-1.0,
        size_bytes=4,
    )
