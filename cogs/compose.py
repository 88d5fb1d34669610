"""/compose, /song, /queue, /cancel and /help."""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.db import CancelOutcome
from bot.errors import RequestError
from bot.parsing import autocomplete_keys, autocomplete_styles, help_text
from bot.parsing.forms import autocomplete_substyles
from bot.service.melody import check_melody_size
from bot.service.requests import Prepared
from bot.service.spec import RequestKind, RequestSpec, SlashOptions
from cogs.flow import accept_job, requester, send_error
from cogs.melody_upload import read_attachment
from cogs.ui import ACCENT
from models.plan import Key, PlanError, SectionRole
from models.styles import STYLE_IDS

if TYPE_CHECKING:
    from cogs.app import ComposerBot

log = logging.getLogger(__name__)

SECTION_CHOICES = [app_commands.Choice(name=r.value, value=r.value) for r in SectionRole]


def slash_options(
    *,
    section: str | None = None,
    bpm: float | None = None,
    key: str | None = None,
    style: str | None = None,
    duration: float | None = None,
    seed: int | None = None,
    substyle: str | None = None,
) -> SlashOptions:
    """Typed options → SlashOptions, with friendly errors for values typed by hand."""
    parsed_key = None
    if key:
        try:
            parsed_key = Key.parse(key)
        except PlanError:
            raise RequestError(
                f"I don't know the key '{key}'. Try one like 'A minor', 'F# major' or 'Eb'."
            ) from None
    if style is not None and style not in STYLE_IDS:
        raise RequestError(f"I don't know the style '{style}'. Styles: {', '.join(STYLE_IDS)}.")
    return SlashOptions(
        section=SectionRole(section) if section else None,
        bpm=bpm,
        key=parsed_key,
        style=style,
        duration_s=duration,
        seed=seed,
        substyle=substyle or None,
    )


async def _styles(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=t, value=i) for i, t in autocomplete_styles(current)][:25]


async def _substyles(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    style = getattr(interaction.namespace, "style", None)
    choices = autocomplete_substyles(current, style if isinstance(style, str) else None)
    return [app_commands.Choice(name=t, value=i) for i, t in choices][:25]


async def _keys(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=k, value=k) for k in autocomplete_keys(current)][:25]


_DESCRIBE = {
    "request": "what you want, in your own words: 'chill lofi outro 85bpm in A minor'",
    "section": "which part of a song",
    "bpm": "tempo in beats per minute (40–240)",
    "key": "musical key, e.g. A minor, F# major, Eb",
    "style": "musical style",
    "substyle": "a family of the style: boom-bap, trap, deep-house, synth-pop, punk, bossa-nova...",
    "duration": "length in seconds",
    "seed": "same request + same seed = the same music",
    "melody": "your tune to build the song on: a MIDI file or a recording (hum, sing, whistle)",
}


class Compose(commands.Cog):
    def __init__(self, bot: ComposerBot) -> None:
        self.bot = bot
        # The duration option's range is the bot's limit: Discord refuses what the bot would.
        for command in (self.compose, self.song):
            param = command._params["duration"]
            limit_s = bot.settings.max_duration_s
            command._params["duration"] = dataclasses.replace(param, max_value=limit_s)

    @app_commands.command(
        name="compose", description="Compose one section: intro, verse, chorus, climax, outro..."
    )
    @app_commands.describe(**_DESCRIBE)
    @app_commands.choices(section=SECTION_CHOICES)
    @app_commands.autocomplete(style=_styles, key=_keys, substyle=_substyles)
    async def compose(
        self,
        interaction: discord.Interaction[Any],
        request: str = "",
        section: app_commands.Choice[str] | None = None,
        bpm: app_commands.Range[float, 40, 240] | None = None,
        key: str | None = None,
        style: str | None = None,
        duration: app_commands.Range[float, 5, 600] | None = None,
        seed: app_commands.Range[int, 0, 2**31 - 1] | None = None,
        melody: discord.Attachment | None = None,
        substyle: str | None = None,
    ) -> None:
        await self._start(
            interaction,
            request,
            RequestKind.SECTION,
            melody,
            section=section.value if section else None,
            bpm=bpm,
            key=key,
            style=style,
            duration=duration,
            seed=seed,
            substyle=substyle,
        )

    @app_commands.command(name="song", description="Compose a whole song: intro → ... → outro")
    @app_commands.describe(**{k: v for k, v in _DESCRIBE.items() if k != "section"})
    @app_commands.autocomplete(style=_styles, key=_keys, substyle=_substyles)
    async def song(
        self,
        interaction: discord.Interaction[Any],
        request: str = "",
        bpm: app_commands.Range[float, 40, 240] | None = None,
        key: str | None = None,
        style: str | None = None,
        duration: app_commands.Range[float, 5, 600] | None = None,
        seed: app_commands.Range[int, 0, 2**31 - 1] | None = None,
        melody: discord.Attachment | None = None,
        substyle: str | None = None,
    ) -> None:
        await self._start(
            interaction,
            request,
            RequestKind.SONG,
            melody,
            bpm=bpm,
            key=key,
            style=style,
            duration=duration,
            seed=seed,
            substyle=substyle,
        )

    async def _start(
        self,
        interaction: discord.Interaction[Any],
        text: str,
        kind: RequestKind,
        melody: discord.Attachment | None,
        **options: Any,
    ) -> None:
        service = self.bot.service
        who = requester(interaction)

        def understand() -> RequestSpec:  # before the acknowledgement: memory only
            opts = slash_options(**options)
            if melody is not None:
                check_melody_size(melody.size)
            return service.understand(text, who, options=opts, kind=kind)

        async def plan(spec: RequestSpec) -> Prepared:
            tune = await read_attachment(melody) if melody is not None else None
            return await service.plan(spec, text, who, melody=tune)

        await accept_job(interaction, understand, plan)

    @app_commands.command(name="queue", description="Show the queue and your place in it")
    async def queue(self, interaction: discord.Interaction[Any]) -> None:
        try:
            status = await self.bot.service.queue_status(requester(interaction))
        except Exception as exc:
            await send_error(interaction, exc)
            return
        lines = [f"**{status.queued}** waiting · **{status.running}** being composed"]
        for job, position in status.mine:
            where = f"#{position} in line" if position else job.status.value
            lines.append(f"• `{job.id}` {job.kind.value} — {where}")
        if not status.mine:
            lines.append("You have nothing in the queue.")
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(name="cancel", description="Cancel your newest (or a given) job")
    @app_commands.describe(job="the job id shown when it was queued (default: your newest)")
    async def cancel(self, interaction: discord.Interaction[Any], job: str | None = None) -> None:
        try:
            record, outcome = await self.bot.service.cancel(requester(interaction), job)
        except Exception as exc:
            await send_error(interaction, exc)
            return
        if outcome is CancelOutcome.CANCELLED:  # it never ran: update its message here
            await self.bot.deliverer.failed(record, "cancelled")
        text = {
            CancelOutcome.CANCELLED: f"🛑 Cancelled `{record.id}`.",
            CancelOutcome.REQUESTED: f"🛑 Stopping `{record.id}`…",
            CancelOutcome.FINISHED: f"`{record.id}` had already finished.",
        }[outcome]
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="help", description="How to ask me for music, with examples")
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        embed = discord.Embed(
            title="🎼 composer-bot", description=help_text()[:4000], colour=ACCENT
        )
        embed.add_field(
            name="Commands",
            value="`/compose` one section · `/song` a whole song · `/session start` a jam · "
            "`/history` · `/show` · `/top` · `/queue` · `/cancel` · `/forget-me`",
            inline=False,
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: ComposerBot) -> None:
    await bot.add_cog(Compose(bot))
