"""Persistent buttons.  Each is a DynamicItem with a namespaced custom id
(``composer:<action>:...:<clip_id>``), registered at start-up, so buttons on messages posted before
a restart keep working."""

from __future__ import annotations

import re
from collections.abc import Awaitable
from typing import Any

import discord

from bot.db import ClipRecord, VoteTally
from bot.service.requests import ComposerService, Prepared
from cogs.flow import accept_job, bot_of, respond, send_error
from cogs.ui import ACCENT, clip_title, history_embed

__all__ = [
    "ALL_BUTTONS",
    "ExtendButton",
    "FullRenderButton",
    "HistoryPageButton",
    "InfoButton",
    "RerollButton",
    "VariationButton",
    "VoteButton",
    "clip_view",
    "history_pager",
]

_CLIP = r"(?P<clip>[a-z0-9]{4,16})"
Button = discord.ui.Button[Any]


class VoteButton(
    discord.ui.DynamicItem[Button], template=rf"composer:vote:(?P<dir>up|down):{_CLIP}"
):
    """👍 / 👎: one vote per user per clip; pressing the same again takes it back."""

    def __init__(self, clip_id: str, value: int, count: int = 0) -> None:
        self.clip_id, self.value = clip_id, value
        direction = "up" if value > 0 else "down"
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                emoji="👍" if value > 0 else "👎",
                label=str(count) if count else None,
                custom_id=f"composer:vote:{direction}:{clip_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> VoteButton:
        return cls(match["clip"], 1 if match["dir"] == "up" else -1)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        try:
            tally = await bot.service.vote(self.clip_id, interaction.user.id, self.value)
            clip = await bot.service.clip(self.clip_id)
        except Exception as exc:
            await send_error(interaction, exc)
            return
        await respond(interaction, interaction.response.edit_message(view=clip_view(clip, tally)))


class _ClipAction(discord.ui.DynamicItem[Button], template=r"composer:never:(?P<clip>x)"):
    action = ""
    emoji = ""
    label = ""

    def __init__(self, clip_id: str) -> None:
        self.clip_id = clip_id
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                emoji=self.emoji,
                label=self.label,
                custom_id=f"composer:{self.action}:{clip_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> _ClipAction:
        return cls(match["clip"])


class _JobAction(_ClipAction, template=r"composer:never:(?P<clip>x)"):
    """A button that queues a new job made from its clip (through the same flow as /compose)."""

    def prepare(self, service: ComposerService) -> Awaitable[Prepared]:
        raise NotImplementedError

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        service = bot_of(interaction).service
        await accept_job(interaction, lambda: None, lambda _: self.prepare(service))


class RerollButton(_JobAction, template=rf"composer:reroll:{_CLIP}"):
    """🎲 the same request with a new seed."""

    action, emoji, label = "reroll", "🎲", "Reroll"

    def prepare(self, service: ComposerService) -> Awaitable[Prepared]:
        return service.prepare_reroll(self.clip_id)


class VariationButton(_JobAction, template=rf"composer:vary:{_CLIP}"):
    """🔁 same plan, small changes."""

    action, emoji, label = "vary", "🔁", "Variation"

    def prepare(self, service: ComposerService) -> Awaitable[Prepared]:
        return service.prepare_variation(self.clip_id)


class ExtendButton(_JobAction, template=rf"composer:extend:{_CLIP}"):
    """⏩ compose the next section, continuing this one."""

    action, emoji, label = "extend", "⏩", "Extend"

    def prepare(self, service: ComposerService) -> Awaitable[Prepared]:
        return service.prepare_extend(self.clip_id)


class FullRenderButton(_JobAction, template=rf"composer:full:{_CLIP}"):
    """✨ full quality render of a neural preview (upsampled from the stored tokens)."""

    action, emoji, label = "full", "✨", "Full quality"

    def prepare(self, service: ComposerService) -> Awaitable[Prepared]:
        return service.prepare_full_render(self.clip_id)


class InfoButton(_ClipAction, template=rf"composer:info:{_CLIP}"):
    """ℹ️ how the clip was made."""

    action, emoji, label = "info", "ℹ️", "Info"

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        try:
            clip = await bot.service.clip(self.clip_id)
            tally = await bot.service.tally(clip.id, interaction.user.id)
        except Exception as exc:
            await send_error(interaction, exc)
            return
        plan = clip.plan
        embed = discord.Embed(title=f"ℹ️ {clip_title(clip)}", colour=ACCENT)
        sections = " → ".join(f"{s.role.value} ({s.bars} bars)" for s in plan.sections)
        parts = ", ".join(f"{p.name}" for p in plan.instruments)
        embed.add_field(name="Song plan", value=f"{sections}", inline=False)
        embed.add_field(name="Instruments", value=parts or "—", inline=False)
        embed.add_field(
            name="Key · tempo · meter",
            value=f"{plan.key.name} · {plan.bpm:g} bpm · "
            f"{plan.meter}" + (f" · swing {plan.swing:.2f}" if plan.swing else ""),
        )
        embed.add_field(name="Seed", value=str(plan.seed))
        embed.add_field(
            name="Loudness", value=f"{clip.loudness_lufs:.1f} LUFS, {clip.true_peak_dbtp:.1f} dBTP"
        )
        embed.add_field(
            name="Made by",
            value=f"<@{clip.user_id}> · {discord.utils.format_dt(clip.created_at, 'R')}",
        )
        mine = {1: "you voted 👍", -1: "you voted 👎"}.get(tally.mine, "you have not voted")
        embed.add_field(name="Votes", value=f"👍 {tally.up} · 👎 {tally.down} ({mine})")
        if plan.prompt:
            embed.add_field(name="Prompt", value=plan.prompt[:500], inline=False)
        if clip.parent_clip_id and clip.relation:
            embed.add_field(name="From", value=f"{clip.relation.value} of `{clip.parent_clip_id}`")
        await respond(interaction, interaction.response.send_message(embed=embed, ephemeral=True))


class HistoryPageButton(
    discord.ui.DynamicItem[Button],
    template=r"composer:history:(?P<scope>[ug]):(?P<id>\d+):(?P<page>\d+):(?P<dir>prev|next)",
):
    """◀ / ▶ on a history listing."""

    def __init__(
        self, scope: str, owner_id: int, page: int, direction: str, *, disabled: bool
    ) -> None:
        self.scope, self.owner_id, self.page, self.direction = scope, owner_id, page, direction
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                emoji="◀️" if direction == "prev" else "▶️",
                disabled=disabled,
                custom_id=f"composer:history:{scope}:{owner_id}:{page}:{direction}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> HistoryPageButton:
        return cls(
            match["scope"], int(match["id"]), int(match["page"]), match["dir"], disabled=False
        )

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        page = max(0, self.page + (1 if self.direction == "next" else -1))
        try:
            embed, view = await history_page(bot, self.scope, self.owner_id, page)
        except Exception as exc:
            await send_error(interaction, exc)
            return
        await respond(interaction, interaction.response.edit_message(embed=embed, view=view))


PER_PAGE = 5


async def history_page(
    bot: Any, scope: str, owner_id: int, page: int
) -> tuple[discord.Embed, discord.ui.View]:
    user_id = owner_id if scope == "u" else None
    guild_id = owner_id if scope == "g" else None
    listing = await bot.service.history(
        user_id=user_id, guild_id=guild_id, page=page, per_page=PER_PAGE
    )
    tallies = await bot.storage.votes.tallies([c.id for c in listing.items])
    title = "🗂️ Clip history" if scope == "u" else "🗂️ This server's clips"
    embed = history_embed(
        title, listing.items, tallies, page=page, total=listing.total, per_page=PER_PAGE
    )
    return embed, history_pager(scope, owner_id, page, has_more=listing.has_more)


def history_pager(scope: str, owner_id: int, page: int, *, has_more: bool) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(HistoryPageButton(scope, owner_id, page, "prev", disabled=page == 0))
    view.add_item(HistoryPageButton(scope, owner_id, page, "next", disabled=not has_more))
    return view


ALL_BUTTONS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    VoteButton,
    RerollButton,
    VariationButton,
    ExtendButton,
    FullRenderButton,
    InfoButton,
    HistoryPageButton,
)


def clip_view(clip: ClipRecord, tally: VoteTally | None = None) -> discord.ui.View:
    """The persistent buttons under every result (they survive restarts: see below)."""
    view = discord.ui.View(timeout=None)
    up, down = (tally.up, tally.down) if tally else (0, 0)
    view.add_item(VoteButton(clip.id, 1, up))
    view.add_item(VoteButton(clip.id, -1, down))
    view.add_item(RerollButton(clip.id))
    view.add_item(VariationButton(clip.id))
    view.add_item(ExtendButton(clip.id))
    view.add_item(InfoButton(clip.id))
    if clip.backend != "embedded":
        view.add_item(FullRenderButton(clip.id))
    return view
