"""The scheduler's Deliverer for Discord: one message per job, edited from "queued" through
progress to the finished clip.

* Interaction jobs edit their "thinking" message through the interaction webhook while the token
  lives (15 minutes); after that the result is posted in the channel as a normal message that
  mentions the requester.  Conversation jobs edit the bot's own reply.
* Delivery is idempotent: the final result is an edit of the job's message (doing it twice leaves
  one message), and channel posts carry the job's nonce (Discord drops a duplicate).
* Per job, updates are ordered (queued < progress < final) under a lock: a late "queued" or
  progress edit can never overwrite a result.  Progress edits are at most one per
  ``progress_interval_s``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.db import ClipRecord, JobRecord
from bot.runtime.jobs import JobKind, JobProgress
from bot.web import PageLinks, UploadFallback
from cogs.buttons import clip_view
from cogs.ui import clip_embed, clip_files, failed_text, progress_text

if TYPE_CHECKING:
    from cogs.app import ComposerBot

__all__ = ["DiscordDeliverer"]

log = logging.getLogger(__name__)

TOKEN_LIFETIME = timedelta(minutes=15)
TOKEN_MARGIN = timedelta(seconds=45)
_EXPIRED_CODES = {
    50027,
    10015,
    10062,
}  # invalid webhook token, unknown webhook, unknown interaction
_QUEUED, _PROGRESS, _FINAL = 0, 1, 2


@dataclass
class _JobView:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    rank: int = -1
    last_edit_s: float = 0.0
    message_id: int | None = None
    token_dead: bool = False


class DiscordDeliverer:
    def __init__(self, bot: ComposerBot, *, progress_interval_s: float = 2.0) -> None:
        self.bot = bot
        self.progress_interval_s = progress_interval_s
        self.links = PageLinks(bot.settings, bot.storage)
        self._views: dict[str, _JobView] = {}

    # --- the Deliverer protocol ---------------------------------------------------------------

    async def announce(self, job: JobRecord, text: str) -> None:
        """Show the job's place in line on its message (only if nothing newer was shown)."""
        view = self._view(job)
        async with view.lock:
            if view.rank >= _QUEUED:
                return
            if await self._edit(job, view, content=text):
                view.rank = _QUEUED

    async def reply_queued(self, job: JobRecord, message: discord.Message, text: str) -> None:
        """Conversation jobs: reply to the user's message with the place in line; that reply is
        the job's message from now on (unless the result was already posted)."""
        view = self._view(job)
        async with view.lock:
            if view.rank >= _QUEUED or view.message_id is not None:
                return
            try:
                reply = await message.reply(text, mention_author=False)
            except discord.HTTPException as exc:
                log.warning("could not reply to %s: %s", message.id, exc)
                return
            view.message_id, view.rank = reply.id, _QUEUED
            await self.bot.service.set_progress_message(job.id, reply.id)

    async def progress(self, job: JobRecord, update: JobProgress) -> None:
        view = self._view(job)
        async with view.lock:
            if view.rank >= _FINAL:
                return
            now = time.monotonic()
            if view.rank == _PROGRESS and now - view.last_edit_s < self.progress_interval_s:
                return
            if await self._edit(job, view, content=progress_text(job, update)):
                view.rank, view.last_edit_s = _PROGRESS, now

    async def deliver(self, job: JobRecord, clip: ClipRecord) -> str | None:
        session_url = None
        if job.kind is JobKind.STITCH and job.session_id:
            # Recorded before anyone sees the song (idempotent if delivery is retried): a
            # `/session close` right after the post finds it.
            session = await self.bot.storage.sessions.set_song(job.session_id, clip.id)
            session_url = await self.links.session(session)
        view = self._view(job)
        async with view.lock:
            tally = await self.bot.storage.votes.tally(clip.id)
            page_url = await self.links.clip(clip)
            content = f"<@{job.user_id}> here it is!"
            embed = clip_embed(
                clip, tally, requester_id=job.user_id, page_url=page_url, session_url=session_url
            )
            kwargs: dict[str, Any] = {
                "content": content,
                "embed": embed,
                "view": clip_view(clip, tally),
            }
            message = await self._final(job, view, kwargs, clip, page_url)
            view.rank = _FINAL
            self._views.pop(job.id, None)
        if message is not None:
            await self.bot.storage.clips.set_posted_message(clip.id, message)
        return str(message) if message is not None else None

    async def failed(self, job: JobRecord, message: str) -> None:
        view = self._view(job)
        async with view.lock:
            text = failed_text(job, message)
            if not await self._edit(job, view, content=text, view=None):
                await self._post(job, content=f"<@{job.user_id}> {text}")
            view.rank = _FINAL
            self._views.pop(job.id, None)

    # --- where a job's message lives ----------------------------------------------------------

    def _view(self, job: JobRecord) -> _JobView:
        view = self._views.get(job.id)
        if view is None:
            view = self._views[job.id] = _JobView(message_id=job.progress_message_id)
        return view

    def remember_message(self, job_id: str, message_id: int) -> None:
        view = self._views.setdefault(job_id, _JobView())
        view.message_id = message_id

    def _token_alive(self, job: JobRecord, view: _JobView) -> bool:
        if view.token_dead or not (job.interaction_token and job.application_id):
            return False
        created = job.interaction_created_at
        if created is None:
            return False
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        return datetime.now(UTC) < created + TOKEN_LIFETIME - TOKEN_MARGIN

    async def _edit(self, job: JobRecord, jv: _JobView, **kwargs: Any) -> bool:
        """Edit the job's message; False when there is none to edit (or it is gone).
        An upload that is too large (413) is raised for the caller to retry without audio."""
        if jv.message_id is None:
            return False
        if self._token_alive(job, jv):
            assert job.application_id and job.interaction_token
            hook = discord.Webhook.partial(
                job.application_id, job.interaction_token, client=self.bot
            )
            try:
                await hook.edit_message(jv.message_id, **kwargs)
                return True
            except discord.HTTPException as exc:
                if _too_large(exc):
                    raise
                if exc.code in _EXPIRED_CODES or exc.status == 401:
                    log.info("interaction token of job %s expired; using the channel", job.id)
                    jv.token_dead = True
                else:
                    log.warning("could not edit the message of job %s: %s", job.id, exc)
                    return False
            return False
        if job.interaction_token:
            return False  # an interaction's message cannot be edited without its token
        channel = await self._channel(job)
        if channel is None:
            return False
        try:
            await channel.get_partial_message(jv.message_id).edit(**kwargs)
            return True
        except discord.HTTPException as exc:
            if _too_large(exc):
                raise
            log.warning("could not edit message %s of job %s: %s", jv.message_id, job.id, exc)
            return False

    async def _final(
        self,
        job: JobRecord,
        view: _JobView,
        kwargs: dict[str, Any],
        clip: ClipRecord,
        page_url: str | None,
    ) -> int | None:
        for with_audio in (True, False):
            attach = clip_files(clip, audio=with_audio)
            if not with_audio:
                note, attach = self._oversize_fallback(job, page_url, attach)
                kwargs["content"] += note
            try:
                editable = self._token_alive(job, view) or not job.interaction_token
                if (
                    view.message_id is not None
                    and editable
                    and await self._edit(job, view, attachments=attach, **kwargs)
                ):
                    return view.message_id
                return await self._post(job, files=attach, **kwargs)
            except discord.HTTPException as exc:
                if _too_large(exc) and with_audio:
                    continue
                raise
        return None

    def _oversize_fallback(
        self, job: JobRecord, page_url: str | None, attach: list[discord.File]
    ) -> tuple[str, list[discord.File]]:
        """The audio did not fit the upload limit.  Link fallback: where the server's gallery
        is on, the message links to the clip's page (which plays it) and keeps only the files
        that fit; elsewhere the message carries the MIDI file."""
        if page_url:
            self.bot.metrics.upload_fallback(UploadFallback.LINK)
            limit = job.render.output.max_bytes
            fits = [f for f in attach if limit is None or _size(f) <= limit]
            for dropped in (f for f in attach if f not in fits):
                dropped.close()
            note = (
                "\n🔗 The audio file is larger than this server's upload limit — "
                f"listen to it and download it here: {page_url}"
            )
            return note, fits
        self.bot.metrics.upload_fallback(UploadFallback.MIDI_ONLY)
        note = (
            "\n⚠️ The audio file was too large for this server's upload limit; "
            "the MIDI file is attached."
        )
        return note, attach

    async def _post(self, job: JobRecord, **kwargs: Any) -> int | None:
        """A new channel message for the job (nonce: Discord drops a duplicate post)."""
        channel = await self._channel(job)
        if channel is None:
            log.warning(
                "job %s: channel %s is gone; result kept in history", job.id, job.channel_id
            )
            return None
        reference = None
        if job.original_message_id is not None and job.channel_id is not None:
            reference = discord.MessageReference(
                message_id=job.original_message_id,
                channel_id=job.channel_id,
                fail_if_not_exists=False,
            )
        message = await channel.send(
            nonce=f"cb{job.id}"[:25],
            reference=reference,
            allowed_mentions=discord.AllowedMentions(users=True, roles=False, everyone=False),
            **kwargs,
        )
        message_id: int = message.id
        return message_id

    async def _channel(self, job: JobRecord) -> Any:
        if job.channel_id is None:
            return None
        channel = self.bot.get_channel(job.channel_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(job.channel_id)
            except discord.HTTPException:
                return None
        return channel


def _size(file: discord.File) -> int:
    return os.fstat(file.fp.fileno()).st_size


def _too_large(exc: discord.HTTPException) -> bool:
    return exc.status == 413 or exc.code == 40005
