"""/history, /show, /top and /forget-me."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.db import Period
from bot.web import PageLinks
from cogs.buttons import clip_view, history_page
from cogs.flow import send_error
from cogs.ui import clip_embed, clip_files, top_embed

if TYPE_CHECKING:
    from cogs.app import ComposerBot

PERIODS = [
    app_commands.Choice(name="this week", value="week"),
    app_commands.Choice(name="this month", value="month"),
    app_commands.Choice(name="all time", value="all"),
]


class History(commands.Cog):
    def __init__(self, bot: ComposerBot) -> None:
        self.bot = bot
        self.links = PageLinks(bot.settings, bot.storage)

    @app_commands.command(name="history", description="Clips made by you (or someone else)")
    @app_commands.describe(user="whose clips (default: yours)")
    async def history(
        self, interaction: discord.Interaction[Any], user: discord.User | None = None
    ) -> None:
        target = user or interaction.user
        try:
            embed, view = await history_page(self.bot, "u", target.id, 0)
        except Exception as exc:
            await send_error(interaction, exc)
            return
        embed.title = f"🗂️ Clips by {target.display_name}"
        await interaction.response.send_message(embed=embed, view=view)

    @app_commands.command(name="show", description="Post a clip again, with its buttons")
    @app_commands.describe(id="the clip id, e.g. k3v9q2mx")
    async def show(self, interaction: discord.Interaction[Any], id: str) -> None:
        try:
            clip = await self.bot.service.clip(id)
            tally = await self.bot.service.tally(clip.id)
            page_url = await self.links.clip(clip)
        except Exception as exc:
            await send_error(interaction, exc)
            return
        await interaction.response.defer(thinking=True)
        await interaction.followup.send(
            embed=clip_embed(clip, tally, requester_id=clip.user_id, page_url=page_url),
            files=clip_files(clip),
            view=clip_view(clip, tally),
        )

    @app_commands.command(name="top", description="This server's most voted clips")
    @app_commands.choices(period=PERIODS)
    @app_commands.guild_only()
    async def top(
        self, interaction: discord.Interaction[Any], period: app_commands.Choice[str] | None = None
    ) -> None:
        chosen = Period(period.value) if period else Period.WEEK
        assert interaction.guild_id is not None
        try:
            top = await self.bot.service.top(interaction.guild_id, chosen)
            page_url = await self.links.top(interaction.guild_id, chosen)
        except Exception as exc:
            await send_error(interaction, exc)
            return
        label = {"week": "this week", "month": "this month", "all": "of all time"}[chosen.value]
        embed = top_embed(f"🏆 Top clips {label}", top, page_url=page_url)
        await interaction.response.send_message(embed=embed)

    @app_commands.command(name="forget-me", description="Delete all your requests, clips and votes")
    async def forget_me(self, interaction: discord.Interaction[Any]) -> None:
        try:
            result = await self.bot.service.forget(interaction.user.id)
        except Exception as exc:
            await send_error(interaction, exc)
            return
        text = (
            f"🧹 Done: deleted {result.clips} clips, {result.jobs} requests and "
            f"{result.votes} votes of yours (with any melodies you uploaded for them, and the "
            "display name the web pages showed)."
        )
        if result.melody_sessions:
            text += (
                f" The {result.melody_sessions} jam session(s) you started on your melody are "
                "closed, and the notes of your tune are removed from them and their takes."
            )
        await interaction.response.send_message(text, ephemeral=True)


async def setup(bot: ComposerBot) -> None:
    await bot.add_cog(History(bot))
