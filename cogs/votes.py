"""Votes: the 👍 / 👎 buttons under every clip (see cogs.buttons), and a vote count check."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from cogs.flow import respond, send_error

if TYPE_CHECKING:
    from cogs.app import ComposerBot


class Votes(commands.Cog):
    """Vote buttons are DynamicItems registered by the bot at start-up; this cog adds /votes."""

    def __init__(self, bot: ComposerBot) -> None:
        self.bot = bot

    @app_commands.command(name="votes", description="Vote counts of a clip")
    @app_commands.describe(id="the clip id, e.g. k3v9q2mx")
    async def votes(self, interaction: discord.Interaction[Any], id: str) -> None:
        try:
            clip = await self.bot.service.clip(id)
            tally = await self.bot.service.tally(clip.id, interaction.user.id)
        except Exception as exc:
            await send_error(interaction, exc)
            return
        mine = {1: " (you: 👍)", -1: " (you: 👎)"}.get(tally.mine, "")
        text = f"`{clip.id}`: 👍 {tally.up} · 👎 {tally.down} · score {tally.score:+d}{mine}"
        await respond(interaction, interaction.response.send_message(text, ephemeral=True))


async def setup(bot: ComposerBot) -> None:
    await bot.add_cog(Votes(bot))
