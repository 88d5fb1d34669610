"""Admission from memory: the refusals that must be decided before an interaction is acknowledged.

Discord wants an acknowledgement within 3 s, and in a burst the event loop is the bottleneck, so
the cheap refusals (channel not allowed, queue caps per user and per server) are decided from
state kept in memory, without a database round trip:

- every server's settings (loaded at start, replaced when an admin changes them, reloaded every
  ``refresh_interval_s`` in case another process changed them);
- the queued jobs' owners (id → user, server), re-read after each change to the queue made in this
  process (debounced) and every ``refresh_interval_s``, plus the jobs this process accepted since
  the last read began and the requests between their acknowledgement and their commit (held).

The database stays the authority: :meth:`bot.runtime.queue.JobQueue.enqueue` checks the caps again
in the transaction that commits the job.  Memory only ever refuses what the database would refuse
at that moment, give or take one job claimed since the last read (milliseconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Iterator

from bot.db import GuildSettingsRecord, Storage
from bot.db.records import JobRecord
from bot.errors import Forbidden
from bot.runtime.queue import JobQueue
from bot.service.types import Requester
from bot.settings import Settings

__all__ = ["Admission"]

log = logging.getLogger(__name__)

_DM = GuildSettingsRecord(guild_id=0)


class Admission:
    def __init__(
        self,
        settings: Settings,
        storage: Storage,
        queue: JobQueue,
        *,
        refresh_interval_s: float = 5.0,
        debounce_s: float = 0.02,
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.queue = queue
        self.refresh_interval_s = refresh_interval_s
        self.debounce_s = debounce_s
        self._guilds: dict[int, GuildSettingsRecord] = {}
        self._queued: dict[str, tuple[int, int | None]] = {}
        self._since_read: dict[str, tuple[int, int | None]] = {}
        self._gone_since_read: set[str] = set()
        self._per_user: Counter[int] = Counter()
        self._per_guild: Counter[int] = Counter()
        self._held_user: Counter[int] = Counter()
        self._held_guild: Counter[int] = Counter()
        self._dirty = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Load the settings and the queue, then keep them current."""
        await self._read_guilds()
        await self.refresh()
        self.queue.add_listener(self._dirty.set)
        self._task = asyncio.create_task(self._keep_current(), name="admission")

    async def stop(self) -> None:
        self.queue.remove_listener(self._dirty.set)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    # --- decisions (synchronous, from memory) --------------------------------------------------

    def guild(self, guild_id: int | None) -> GuildSettingsRecord:
        if guild_id is None:
            return _DM
        return self._guilds.get(guild_id) or GuildSettingsRecord(guild_id=guild_id)

    def check_channel(self, who: Requester) -> GuildSettingsRecord:
        """The server's settings, or Forbidden when the bot may not compose in this channel."""
        guild = self.guild(who.guild_id)
        if who.guild_id is not None and who.channel_id is not None:
            channel = who.parent_channel_id or who.channel_id
            if not guild.channel_allowed(channel) and not guild.channel_allowed(who.channel_id):
                allowed = ", ".join(f"<#{c}>" for c in guild.allowed_channels or ())
                raise Forbidden(f"I only compose in {allowed} on this server.")
        return guild

    def check_caps(self, who: Requester) -> None:
        """LimitExceeded when one more job would pass the user's or the server's queue cap."""
        limits = self.guild(who.guild_id).limits(self.settings)
        mine = self._per_user[who.user_id] + self._held_user[who.user_id]
        in_guild = None
        if who.guild_id is not None:
            in_guild = self._per_guild[who.guild_id] + self._held_guild[who.guild_id]
        refusal = limits.refusal(mine=mine, in_guild=in_guild)
        if refusal is not None:
            raise refusal

    @contextlib.contextmanager
    def hold(self, who: Requester) -> Iterator[None]:
        """Count a request between its acknowledgement and its commit against the caps."""
        self._held_user[who.user_id] += 1
        if who.guild_id is not None:
            self._held_guild[who.guild_id] += 1
        try:
            yield
        finally:
            self._held_user[who.user_id] -= 1
            if who.guild_id is not None:
                self._held_guild[who.guild_id] -= 1

    # --- keeping current -----------------------------------------------------------------------

    def accepted(self, job: JobRecord) -> None:
        """A job this process just committed to the queue."""
        owner = (job.user_id, job.guild_id)
        self._since_read[job.id] = owner
        if job.id not in self._queued:
            self._queued[job.id] = owner
            self._count(owner, +1)

    def left(self, job_id: str) -> None:
        """A job this process took out of the queue (cancelled before it ran)."""
        self._since_read.pop(job_id, None)
        self._gone_since_read.add(job_id)
        owner = self._queued.pop(job_id, None)
        if owner is not None:
            self._count(owner, -1)

    def remember_guild(self, record: GuildSettingsRecord) -> None:
        self._guilds[record.guild_id] = record

    async def refresh(self) -> None:
        """Re-read the queued jobs' owners."""
        self._since_read = {}
        self._gone_since_read = set()
        queued = await self.queue.jobs.queued_owners()
        queued.update(self._since_read)  # committed while the read was under way
        for job_id in self._gone_since_read:  # cancelled while the read was under way
            queued.pop(job_id, None)
        self._queued = queued
        self._per_user = Counter(user for user, _ in queued.values())
        self._per_guild = Counter(guild for _, guild in queued.values() if guild is not None)

    def _count(self, owner: tuple[int, int | None], step: int) -> None:
        user, guild = owner
        self._per_user[user] += step
        if guild is not None:
            self._per_guild[guild] += step

    async def _read_guilds(self) -> None:
        self._guilds = await self.storage.guilds.all_settings()

    async def _keep_current(self) -> None:
        while True:
            woke = False
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.refresh_interval_s):
                    await self._dirty.wait()
                    woke = True
            await asyncio.sleep(self.debounce_s)  # one read for a burst of changes
            self._dirty.clear()
            try:
                if not woke:
                    await self._read_guilds()
                await self.refresh()
            except Exception as exc:  # a database hiccup: keep the last counts, try again
                log.warning("could not refresh the queue caps: %s", exc)
