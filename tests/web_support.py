"""Shared helpers for the web tests (no tests here): a real SQLite database whose clips are
rendered by the embedded backend through the real scheduler, and the web server on a free
loopback port.

    async with web_world(tmp_path) as world:
        clip = await world.render(seed=3)
        async with world.http.get(f"{world.url}/c/{clip.id}") as response: ...
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bot.db import ClipRecord, ClipRelation, Database, Storage, upgrade
from bot.runtime.jobs import AudioFormat, JobKind, OutputSpec
from bot.runtime.local_executor import LocalExecutor
from bot.runtime.queue import JobQueue
from bot.runtime.scheduler import Scheduler, SchedulerConfig
from bot.settings import Settings
from bot.web import MeteredDeliverer, Metrics, WebContext, WebServer
from models.base import BackendConfig
from models.factory import load_backend
from tests.test_db_support import make_render, make_request
from tests.test_scheduler import RecordingDeliverer

__all__ = ["GALLERY", "HIDDEN", "WebWorld", "metric", "web_world"]

GALLERY = 4242  # a server whose gallery is on
HIDDEN = 4343  # a server whose gallery stays off
FAST = SchedulerConfig(poll_interval_s=0.05, drain_timeout_s=10.0, cancel_grace_s=5.0)


def metric(text: str, name: str, **labels: str) -> float:
    """One sample's value from Prometheus text (0.0 when the sample is absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = re.compile(
        rf"^{re.escape(name)}(?:\{{([^}}]*)\}})? ([0-9.eE+-]+|NaN|\+Inf)$", re.MULTILINE
    )
    for match in pattern.finditer(text):
        got = ",".join(sorted((match.group(1) or "").split(","))) if match.group(1) else ""
        if got == want:
            return float(match.group(2))
    return 0.0


@dataclass
class WebWorld:
    settings: Settings
    db: Database
    storage: Storage
    queue: JobQueue
    metrics: Metrics
    executor: LocalExecutor
    server: WebServer
    url: str
    http: aiohttp.ClientSession
    deliverer: RecordingDeliverer = field(default_factory=RecordingDeliverer)

    async def render(
        self,
        *,
        seed: int = 3,
        user_id: int = 11,
        guild_id: int | None = GALLERY,
        parent: ClipRecord | None = None,
        relation: ClipRelation | None = None,
        **request: Any,
    ) -> ClipRecord:
        """One real clip (a 2-bar section, Ogg Opus, with MIDI and waveform), made by the
        scheduler on the in-process executor and delivered through the metered deliverer."""
        await self.enqueue(
            seed=seed,
            user_id=user_id,
            guild_id=guild_id,
            parent=parent,
            relation=relation,
            **request,
        )
        clips = await self.run_queue()
        return clips[-1]

    async def enqueue(
        self,
        *,
        seed: int = 3,
        user_id: int = 11,
        guild_id: int | None = GALLERY,
        parent: ClipRecord | None = None,
        relation: ClipRelation | None = None,
        **request: Any,
    ) -> str:
        render = dataclasses.replace(
            make_render(kind=JobKind.SECTION, seed=seed),
            output=OutputSpec(format=AudioFormat.OGG, waveform=True),
        )
        accepted = await self.queue.enqueue(
            make_request(
                user_id,
                guild_id,
                render=render,
                parent_clip_id=parent.id if parent else None,
                relation=relation,
                **request,
            )
        )
        return accepted.job.clip_id

    async def run_queue(self) -> list[ClipRecord]:
        """Run every queued job to the end; the clips made, in order."""
        before = len(self.deliverer.delivered)
        scheduler = Scheduler(
            self.queue, self.executor, MeteredDeliverer(self.deliverer, self.metrics), FAST
        )
        await scheduler.start()
        try:
            await scheduler.wait_idle(timeout_s=120)
        finally:
            await scheduler.stop()
        return [
            await self.storage.clips.require(clip_id)
            for _, clip_id in self.deliverer.delivered[before:]
        ]

    async def gallery(self, guild_id: int, on: bool) -> None:
        await self.storage.guilds.update_settings(guild_id, {"gallery": on})

    async def get(self, path: str, **kwargs: Any) -> tuple[int, dict[str, str], bytes]:
        async with self.http.get(f"{self.url}{path}", **kwargs) as response:
            return response.status, dict(response.headers), await response.read()


@contextlib.asynccontextmanager
async def web_world(
    root: Path,
    *,
    rate_per_s: float = 1000.0,
    burst: int = 1000,
    **settings: Any,
) -> AsyncIterator[WebWorld]:
    """A migrated database, the embedded backend in-process, and the web server on a free
    port; servers ``GALLERY`` (gallery on, named) and ``HIDDEN`` (gallery off) exist."""
    config = Settings(data_dir=root / "data", public_url=None, **settings)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    await upgrade(config.resolved_database_url)
    db = Database.from_url(config.resolved_database_url)
    storage = Storage(db)
    backend = load_backend("embedded", BackendConfig(sample_rate=48_000))
    executor = LocalExecutor({"embedded": [backend]}, config.clips_dir)
    metrics = Metrics()
    metrics.watch_executor(executor)
    server = WebServer(WebContext(config, storage, metrics), rate_per_s=rate_per_s, burst=burst)
    url = await server.start("127.0.0.1", 0)
    assert url is not None
    await storage.guilds.ensure(GALLERY, name="Lo-fi Lounge")
    await storage.guilds.ensure(HIDDEN, name="Private Place")
    await storage.guilds.update_settings(GALLERY, {"gallery": True})
    try:
        async with aiohttp.ClientSession() as http:
            yield WebWorld(
                config, db, storage, JobQueue(db, config), metrics, executor, server, url, http
            )
    finally:
        await server.stop()
        await executor.close()  # closes the backend too
        await db.close()


def interaction_time(seconds_ago: float) -> datetime:
    return datetime.now(UTC) - timedelta(seconds=seconds_ago)
