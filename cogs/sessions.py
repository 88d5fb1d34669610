"""Community jam sessions: /session start, /session song, /session close."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.db import SessionClose, SessionRecord
from bot.errors import NotFound, RequestError
from bot.service.melody import check_melody_size
from bot.service.sessions import close_session, prepare_session_song, start_session
from bot.service.types import Prepared
from bot.web import PageLinks
from cogs.flow import accept_job, acknowledge, requester, send_error
from cogs.melody_upload import read_attachment
from cogs.ui import ACCENT, link_page
from models.styles import STYLES

if TYPE_CHECKING:
    from cogs.app import ComposerBot

log = logging.getLogger(__name__)

_MEDALS = ("🥇", "🥈", "🥉")


def welcome_embed(session: SessionRecord, page_url: str | None = None) -> discord.Embed:
    """``page_url``: the session's web page (where the server's gallery is on)."""
    plan = session.plan
    style = STYLES[plan.style].title if plan.style in STYLES else plan.style
    embed = discord.Embed(title=f"🎛️ {session.name}", colour=ACCENT)
    embed.description = (
        f"This jam is locked to **{style}** in **{plan.key.name}**, **{plan.bpm:g} bpm**, "
        f"**{plan.meter}**, with one motif — so every part fits together.\n"
        "Compose a part here with `/compose <section>` (or mention me), vote with 👍/👎, and the "
        "host stitches the favourites with `/session song`."
    )
    embed.add_field(name="Sections", value=" → ".join(r.value for r in session.roles), inline=False)
    embed.add_field(name="Host", value=f"<@{session.owner_id}>")
    return link_page(embed, page_url)


def podium_embed(closed: SessionClose, page_url: str | None = None) -> discord.Embed:
    embed = discord.Embed(title=f"🏁 {closed.session.name} — the podium", colour=ACCENT)
    for section in closed.sections:
        if not section.podium:
            embed.add_field(name=section.role.value, value="no takes", inline=False)
            continue
        lines = [
            f"{_MEDALS[i] if i < 3 else f'{i + 1}.'} `{e.clip.id}` by <@{e.clip.user_id}> "
            f"(score {e.tally.score:+d})"
            for i, e in enumerate(section.podium)
        ]
        embed.add_field(name=section.role.value, value="\n".join(lines), inline=False)
    if closed.missing:
        embed.set_footer(text="No takes for: " + ", ".join(r.value for r in closed.missing))
    return link_page(embed, page_url)


class Sessions(commands.GroupCog, group_name="session", group_description="Community jam sessions"):
    def __init__(self, bot: ComposerBot) -> None:
        self.bot = bot
        self.links = PageLinks(bot.settings, bot.storage)

    async def _session_here(self, interaction: discord.Interaction[Any]) -> SessionRecord:
        session = None
        if interaction.channel_id is not None:
            session = await self.bot.storage.sessions.by_thread(interaction.channel_id)
        if session is None:
            raise NotFound(
                "Run this inside a jam session's thread (start one with `/session start`)."
            )
        return session

    @app_commands.command(
        name="start", description="Open a jam session thread with a locked song plan"
    )
    @app_commands.describe(
        style="the song in words: 'chill lofi in A minor at 85 bpm'",
        name="a name",
        melody="a tune every take shares: a MIDI file or a recording (hum, sing, whistle)",
    )
    @app_commands.guild_only()
    async def start(
        self,
        interaction: discord.Interaction[Any],
        style: str,
        name: str | None = None,
        melody: discord.Attachment | None = None,
    ) -> None:
        who = requester(interaction)
        try:
            tune = None
            if melody is not None:  # reading a recording takes seconds: acknowledge first
                check_melody_size(melody.size)
                if not await acknowledge(interaction):
                    return
                tune = await read_attachment(melody)
            session = await start_session(self.bot.service, style, who, name, melody=tune)
        except Exception as exc:
            if interaction.response.is_done():
                with contextlib.suppress(discord.HTTPException):
                    await interaction.delete_original_response()
            await send_error(interaction, exc)
            return
        if not interaction.response.is_done() and not await acknowledge(interaction):
            return
        channel = interaction.channel
        try:
            if not isinstance(channel, discord.TextChannel):
                raise RequestError("Jam sessions start in a text channel (not a thread or a DM).")
            # After the acknowledgement: the host's name for the web pages.
            await self.bot.storage.members.remember(who.guild_id, who.user_id, who.display_name)
            thread = await channel.create_thread(
                name=session.name[:100],
                type=discord.ChannelType.public_thread,
                auto_archive_duration=1440,
            )
            session = await self.bot.storage.sessions.set_thread(session.id, thread.id)
            await thread.send(embed=welcome_embed(session, await self.links.session(session)))
        except Exception as exc:
            await self.bot.storage.sessions.close(session.id, who.user_id, admin=True)
            await interaction.delete_original_response()
            await send_error(interaction, exc)
            return
        await interaction.edit_original_response(
            content=f"🎛️ Jam session **{session.name}** is open in {thread.mention} — join in!"
        )

    @app_commands.command(
        name="song", description="Stitch the top-voted take of each section into one song"
    )
    @app_commands.describe(order="section order, e.g. 'intro, climax, outro' (default: song order)")
    async def song(self, interaction: discord.Interaction[Any], order: str | None = None) -> None:
        missing: list[str] = []

        async def prepare(_: None) -> Prepared:
            session = await self._session_here(interaction)
            prepared, skipped = await prepare_session_song(
                self.bot.service, session, requester(interaction), order
            )
            missing.extend(r.value for r in skipped)
            return prepared

        await accept_job(interaction, lambda: None, prepare)
        if missing and interaction.response.is_done():
            await interaction.followup.send(
                "Skipped sections nobody has composed yet: " + ", ".join(missing), ephemeral=True
            )

    @app_commands.command(name="close", description="End voting and post the podium")
    async def close(self, interaction: discord.Interaction[Any]) -> None:
        try:
            session = await self._session_here(interaction)
            closed = await close_session(self.bot.service, session, requester(interaction))
            page_url = await self.links.session(closed.session)
        except Exception as exc:
            await send_error(interaction, exc)
            return
        await interaction.response.send_message(embed=podium_embed(closed, page_url))


async def setup(bot: ComposerBot) -> None:
    await bot.add_cog(Sessions(bot))
