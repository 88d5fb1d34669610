"""Running the real bot (cogs, queue, scheduler, real worker subprocesses, a real SQLite file)
against the fake Discord server."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import soundfile as sf

from bot.db import Database
from bot.runtime.pool import WorkerPool
from bot.runtime.scheduler import SchedulerConfig
from bot.settings import Settings
from cogs.app import ComposerBot
from tests.fakediscord.records import FakeAttachment, FakeMessage
from tests.fakediscord.server import FakeDiscord

FAST_SCHEDULER = SchedulerConfig(poll_interval_s=0.05, drain_timeout_s=20.0, cancel_grace_s=5.0)


def bot_settings(data_dir: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "data_dir": data_dir,
        "discord_token": "fake-bot-token",
        "cpu_workers": 1,
        "max_duration_s": 120.0,
        "job_timeout_s": 120.0,
        "web_port": 0,  # no web pages unless a test asks (a fixed port would collide)
    }
    base.update(overrides)
    return Settings(**base)


@contextlib.asynccontextmanager
async def running_bot(
    fake: FakeDiscord, settings: Settings, *, progress_interval_s: float = 2.0
) -> AsyncIterator[ComposerBot]:
    """Start the whole bot (with its own worker pool) connected to ``fake``; stop it cleanly."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    identifies = len(fake.identifies)
    db = Database.from_url(settings.resolved_database_url)
    bot = ComposerBot(
        settings=settings,
        db=db,
        executor=WorkerPool(settings),
        scheduler_config=FAST_SCHEDULER,
        guild_ready_timeout_s=0.1,
        progress_interval_s=progress_interval_s,
    )
    task = asyncio.create_task(bot.start(settings.discord_token or ""), name="bot")
    try:
        await fake.wait_until_connected(timeout_s=60.0, identifies=identifies + 1)
        async with asyncio.timeout(60):
            await bot.wait_until_ready()
        yield bot
    finally:
        await bot.close()
        await asyncio.gather(task, return_exceptions=False)


def attachment(message: FakeMessage, suffix: str) -> FakeAttachment:
    for item in message.attachments:
        if item.filename.endswith(suffix):
            return item
    raise AssertionError(f"no {suffix} attachment in {[a.filename for a in message.attachments]}")


def decode_audio(data: bytes) -> tuple[np.ndarray, int]:
    """Decode Ogg Vorbis/Opus, MP3, FLAC or WAV bytes to float32 (frames, channels)."""
    try:
        audio, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
        return audio, int(rate)
    except sf.LibsndfileError:
        with av.open(io.BytesIO(data)) as container:
            frames = [f.to_ndarray() for f in container.decode(audio=0)]
            return np.concatenate(frames, axis=1).T.astype(np.float32), container.streams.audio[
                0
            ].rate


def is_result(message: FakeMessage) -> bool:
    return any(a.filename.endswith((".ogg", ".mp3", ".flac", ".wav")) for a in message.attachments)
