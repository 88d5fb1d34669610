"""Talking to the bot: a mention, a DM or a reply to the bot is a request in plain words."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.errors import ComposerError, RequestError
from bot.parsing import help_text
from bot.service.requests import Requester
from cogs.flow import display_name_of
from cogs.melody_upload import read_attachment
from cogs.ui import queued_text

if TYPE_CHECKING:
    from cogs.app import ComposerBot

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<@!?\d+>")


def _understood(exc: RequestError) -> str:
    got = {k: v for k, v in exc.understood.items() if v not in (None, "", [], ())}
    if not got:
        return ""
    return "I understood: " + ", ".join(f"{k} **{v}**" for k, v in got.items()) + "."


def _melody_attachment(message: discord.Message) -> discord.Attachment | None:
    """The first attachment, when there is one: a voice message, a recording or a MIDI file."""
    return message.attachments[0] if message.attachments else None


class Conversation(commands.Cog):
    def __init__(self, bot: ComposerBot) -> None:
        self.bot = bot

    def _addressed(self, message: discord.Message) -> bool:
        me = self.bot.user
        if me is None or message.author.bot:
            return False
        if message.guild is None:
            return True
        if me in message.mentions:
            return True
        ref = message.reference
        resolved = ref.resolved if ref is not None else None
        return isinstance(resolved, discord.Message) and resolved.author.id == me.id

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if not self._addressed(message):
            return
        text = _MENTION.sub(" ", message.content).strip()
        channel = message.channel
        who = Requester(
            user_id=message.author.id,
            guild_id=message.guild.id if message.guild else None,
            channel_id=channel.id,
            parent_channel_id=getattr(channel, "parent_id", None),
            upload_limit_bytes=message.guild.filesize_limit if message.guild else 10 << 20,
            original_message_id=message.id,
            is_admin=isinstance(message.author, discord.Member)
            and message.author.guild_permissions.manage_guild,
            display_name=display_name_of(message.author),
        )
        service = self.bot.service
        upload = _melody_attachment(message)
        try:
            tune = None
            if upload is not None:
                tune = await read_attachment(upload)
                text = text or "song"  # a tune alone: a whole song on it
            if not text:
                raise RequestError(help_text())
            prepared = await service.prepare(text, who, melody=tune)
            accepted = await service.submit(prepared, who)
        except ComposerError as exc:
            reply = exc.user_message
            if isinstance(exc, RequestError):
                reply = "\n".join(p for p in (_understood(exc), exc.user_message) if p)
                if exc.examples:
                    reply += "\nFor example: " + " · ".join(f"`{e}`" for e in exc.examples[:3])
            await self._reply(message, reply[:1900])
            return
        except Exception:
            log.exception("conversation request failed: %r", text)
            await self._reply(message, "Something went wrong on my side. Please try again.")
            return
        await self.bot.deliverer.reply_queued(accepted.job, message, queued_text(accepted))

    async def _reply(self, message: discord.Message, text: str) -> None:
        try:
            await message.reply(text, mention_author=False)
        except discord.HTTPException as exc:
            log.warning("could not reply to %s: %s", message.id, exc)


async def setup(bot: ComposerBot) -> None:
    await bot.add_cog(Conversation(bot))
