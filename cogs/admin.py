"""Server settings for admins (Manage Server): channels, limits, default style and backend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.db import GuildSettingsRecord
from bot.web import top_path
from cogs.compose import _styles
from cogs.flow import requester, send_error
from cogs.ui import ACCENT
from models.factory import available_backends

if TYPE_CHECKING:
    from cogs.app import ComposerBot

BACKEND_CHOICES = [app_commands.Choice(name=b, value=b) for b in available_backends()]


def settings_embed(record: GuildSettingsRecord, bot: ComposerBot) -> discord.Embed:
    limits = record.limits(bot.settings)
    channels = (
        ", ".join(f"<#{c}>" for c in record.allowed_channels)
        if record.allowed_channels
        else "all channels"
    )
    embed = discord.Embed(title="⚙️ composer-bot settings", colour=ACCENT)
    embed.add_field(name="Channels", value=channels, inline=False)
    embed.add_field(name="Max duration", value=f"{limits.max_duration_s:g} s")
    embed.add_field(name="Waiting jobs per member", value=str(limits.max_queued_per_user))
    embed.add_field(name="Running jobs per member", value=str(limits.max_running_per_user))
    embed.add_field(name="Waiting jobs in this server", value=str(limits.max_queued_per_guild))
    embed.add_field(name="Default style", value=record.default_style or "chosen per request")
    embed.add_field(
        name="Default backend", value=record.default_backend or bot.settings.default_backend
    )
    embed.add_field(name="Gallery", value=_gallery_text(record, bot), inline=False)
    return embed


def _gallery_text(record: GuildSettingsRecord, bot: ComposerBot) -> str:
    if not record.gallery:
        return "off — clip pages and the leaderboard page answer 404 (`/settings set gallery on`)"
    base = bot.settings.web_url
    if base is None:
        return "on, but this bot serves no web pages (web_port = 0 and no public_url)"
    return f"on — {base}{top_path(record.guild_id)}?period=week"


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Admin(commands.GroupCog, group_name="settings", group_description="Server settings"):
    def __init__(self, bot: ComposerBot) -> None:
        self.bot = bot

    @app_commands.command(name="show", description="Show this server's settings")
    async def show(self, interaction: discord.Interaction[Any]) -> None:
        assert interaction.guild_id is not None
        record = await self.bot.service.guild_settings(interaction.guild_id)
        await interaction.response.send_message(
            embed=settings_embed(record, self.bot), ephemeral=True
        )

    @app_commands.command(name="set", description="Change this server's settings")
    @app_commands.describe(
        max_duration="longest clip in seconds",
        max_queued_per_user="how many jobs a member may have waiting",
        max_running_per_user="how many jobs a member may have composing at once",
        max_queued_per_guild="how many jobs may wait in this server",
        default_style="style when a request names none",
        default_backend="backend when a request names none",
        gallery="web pages for this server's clips, sessions and leaderboard",
    )
    @app_commands.autocomplete(default_style=_styles)
    @app_commands.choices(default_backend=BACKEND_CHOICES)
    async def set(
        self,
        interaction: discord.Interaction[Any],
        max_duration: app_commands.Range[float, 5, 900] | None = None,
        max_queued_per_user: app_commands.Range[int, 1, 100] | None = None,
        max_running_per_user: app_commands.Range[int, 1, 10] | None = None,
        max_queued_per_guild: app_commands.Range[int, 1, 1000] | None = None,
        default_style: str | None = None,
        default_backend: app_commands.Choice[str] | None = None,
        gallery: Literal["on", "off"] | None = None,
    ) -> None:
        changes: dict[str, object] = {}
        for name, value in (
            ("max_duration_s", max_duration),
            ("max_queued_per_user", max_queued_per_user),
            ("max_running_per_user", max_running_per_user),
            ("max_queued_per_guild", max_queued_per_guild),
            ("default_style", default_style),
            ("default_backend", default_backend.value if default_backend else None),
            ("gallery", None if gallery is None else gallery == "on"),
        ):
            if value is not None:
                changes[name] = value
        await self._update(interaction, changes)

    @app_commands.command(name="channel", description="Allow or disallow composing in a channel")
    @app_commands.describe(channel="the channel", allow="allow composing there (default: yes)")
    async def channel(
        self,
        interaction: discord.Interaction[Any],
        channel: discord.TextChannel,
        allow: bool = True,
    ) -> None:
        assert interaction.guild_id is not None
        current = await self.bot.service.guild_settings(interaction.guild_id)
        allowed = set(current.allowed_channels or ())
        allowed = allowed | {channel.id} if allow else allowed - {channel.id}
        await self._update(interaction, {"allowed_channels": sorted(allowed) or None})

    @app_commands.command(name="reset", description="Back to the bot's defaults")
    async def reset(self, interaction: discord.Interaction[Any]) -> None:
        names = (
            "allowed_channels",
            "max_duration_s",
            "max_queued_per_user",
            "max_running_per_user",
            "max_queued_per_guild",
            "default_style",
            "default_backend",
            "gallery",
        )
        await self._update(interaction, dict.fromkeys(names))

    async def _update(
        self, interaction: discord.Interaction[Any], changes: dict[str, object]
    ) -> None:
        try:
            record = await self.bot.service.update_guild_settings(requester(interaction), changes)
        except Exception as exc:
            await send_error(interaction, exc)
            return
        await interaction.response.send_message(
            "✅ Saved.", embed=settings_embed(record, self.bot), ephemeral=True
        )


async def setup(bot: ComposerBot) -> None:
    await bot.add_cog(Admin(bot))
