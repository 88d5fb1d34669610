"""The Discord bot: a ``commands.Bot`` that owns the database, the queue, the scheduler and the
worker pool, built from settings and started by ``composer run``.

Start-up (``setup_hook``): migrations → worker pool → scheduler (recovering interrupted jobs and
undelivered results) → cogs → persistent buttons → command sync (only when the command tree
changed since the last sync).  Shutdown (``close``) runs in stages: stop taking work, drain running
jobs, stop the workers, close the database, then disconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import signal
from pathlib import Path
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.db import Database, Storage, upgrade
from bot.errors import ConfigError
from bot.runtime.queue import JobQueue
from bot.runtime.scheduler import Executor, Scheduler, SchedulerConfig
from bot.service.requests import ComposerService
from bot.settings import Settings
from bot.web import MeteredDeliverer, Metrics, WebContext, WebServer
from cogs.buttons import ALL_BUTTONS
from cogs.delivery import DiscordDeliverer

__all__ = ["EXTENSIONS", "ComposerBot", "point_discord_at", "run_bot"]

log = logging.getLogger(__name__)

UNKNOWN_INTERACTION = 10062  # Discord's error code for an interaction past its deadline

EXTENSIONS = (
    "cogs.compose",
    "cogs.conversation",
    "cogs.votes",
    "cogs.history",
    "cogs.admin",
    "cogs.sessions",
)


def point_discord_at(rest_base_url: str, gateway_url: str) -> None:
    """Send the client's REST calls and gateway connection where the settings say (a REST proxy
    in front of Discord, or a local test server)."""
    discord.http.Route.BASE = rest_base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class ComposerTree(app_commands.CommandTree["ComposerBot"]):
    """A command whose interaction Discord no longer knows (acknowledged after its 3 s) is one
    warning line with the interaction's id; any other failure is logged with its traceback."""

    async def on_error(
        self, interaction: discord.Interaction[ComposerBot], error: app_commands.AppCommandError
    ) -> None:
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        if isinstance(cause, discord.NotFound) and cause.code == UNKNOWN_INTERACTION:
            log.warning("interaction %s was acknowledged too late: %s", interaction.id, cause.text)
            return
        await super().on_error(interaction, error)


class ComposerBot(commands.Bot):
    settings: Settings
    db: Database
    storage: Storage
    queue: JobQueue
    service: ComposerService
    executor: Executor
    scheduler: Scheduler
    deliverer: DiscordDeliverer
    metrics: Metrics
    web: WebServer

    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        executor: Executor,
        scheduler_config: SchedulerConfig | None = None,
        guild_ready_timeout_s: float = 2.0,
        progress_interval_s: float = 2.0,
    ) -> None:
        intents = discord.Intents.default()
        intents.message_content = False  # privileged; mentions, DMs and replies still carry text
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, users=True),
            guild_ready_timeout=guild_ready_timeout_s,
            tree_cls=ComposerTree,
        )
        self.settings = settings
        self.db = db
        self.storage = Storage(db)
        self.queue = JobQueue(db, settings)
        self.service = ComposerService(
            settings=settings, storage=self.storage, queue=self.queue, clips_dir=settings.clips_dir
        )
        self.executor = executor
        self.deliverer = DiscordDeliverer(self, progress_interval_s=progress_interval_s)
        self.metrics = Metrics()
        self.metrics.watch_executor(executor)
        metered = MeteredDeliverer(self.deliverer, self.metrics)
        self.scheduler = Scheduler(self.queue, executor, metered, scheduler_config)
        # Clip pages, /healthz and /metrics, in this process and event loop (web_port 0: off).
        self.web = WebServer(WebContext(settings, self.storage, self.metrics))
        self._scheduler_started = False

    async def setup_hook(self) -> None:
        await upgrade(self.settings.resolved_database_url)
        await self.web.start()  # first: /healthz answers 503 while the workers start
        await self.service.admission.start()  # settings and queue caps in memory, kept current
        start = getattr(self.executor, "start", None)
        if start is not None:
            await start()
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self.add_dynamic_items(*ALL_BUTTONS)
        await self.sync_commands()
        recovery = await self.scheduler.start()
        self._scheduler_started = True
        log.info("scheduler started: %s", recovery)

    async def on_message(self, message: discord.Message, /) -> None:
        """No text commands: plain-words requests are handled by the conversation cog."""

    async def on_ready(self) -> None:
        log.info("connected as %s (%s guilds)", self.user, len(self.guilds))

    async def close(self) -> None:
        """Staged shutdown: stop taking work and drain, stop the workers, close the database."""
        if self._scheduler_started:
            self._scheduler_started = False
            await self.scheduler.stop()
        await self.service.admission.stop()
        shutdown = getattr(self.executor, "shutdown", None)
        if shutdown is not None:
            await shutdown()
        await self.web.stop()
        await self.db.close()
        await super().close()

    # --- command sync ------------------------------------------------------------------------

    async def sync_commands(self) -> bool:
        """Sync the slash commands (to the dev guild when configured, globally otherwise) only
        when they differ from the last sync; returns whether a sync happened."""
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = [c.to_dict(self.tree) for c in self.tree.get_commands(guild=guild)]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        marker = self._sync_marker(guild)
        if marker.exists() and marker.read_text().strip() == digest:
            log.info("slash commands unchanged; not syncing")
            return False
        await self.tree.sync(guild=guild)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(digest)
        log.info("synced %d slash commands (%s)", len(payload), "dev guild" if guild else "global")
        return True

    def _sync_marker(self, guild: discord.Object | None) -> Path:
        app = self.application_id or 0
        scope = f"guild-{guild.id}" if guild else "global"
        return self.settings.data_dir / f"commands-{app}-{scope}.sha256"

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        log.exception("unhandled error in %s", event_method)


def run_bot(settings: Settings) -> int:
    """``composer run``: start the bot until interrupted; exit code 0 on a clean stop."""
    if not settings.discord_token:
        raise ConfigError(
            "DISCORD_TOKEN is not set. Put the bot token in the environment (or discord_token in "
            "the settings file) and run `composer run` again."
        )
    discord.utils.setup_logging(level=getattr(logging, settings.log_level.upper(), logging.INFO))
    point_discord_at(settings.rest_base_url, settings.gateway_url)
    try:
        asyncio.run(_serve(settings))
    except discord.LoginFailure:
        raise ConfigError(
            "Discord refused the bot token (DISCORD_TOKEN): copy it again from the Developer "
            "Portal (Bot → Reset Token) and run `composer run` again."
        ) from None
    return 0


async def _serve(settings: Settings) -> None:
    from bot.runtime.pool import WorkerPool
    from bot.runtime.ray_executor import RayExecutor

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database.from_url(settings.resolved_database_url)
    # Past one machine, renders go to a Ray cluster; otherwise to the local worker pool.
    executor: Executor = RayExecutor(settings) if settings.ray_address else WorkerPool(settings)
    bot = ComposerBot(settings=settings, db=db, executor=executor)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with bot:
        runner = asyncio.create_task(bot.start(settings.discord_token or ""), name="discord")
        stopper = asyncio.create_task(stop.wait(), name="stop-signal")
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.info("stopping: draining jobs and shutting down the workers")
        else:
            stopper.cancel()
        await bot.close()
        await asyncio.gather(runner, stopper, return_exceptions=True)
        if runner.done() and not runner.cancelled() and runner.exception():
            raise runner.exception()  # type: ignore[misc]
