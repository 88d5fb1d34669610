"""Shared interaction flows: who is asking, answering errors, and the accept-a-job dance.

Every job request goes the same way: understand and plan it (milliseconds, no writes; a problem is
answered with an ephemeral message as the first response), acknowledge with a "thinking" message,
commit the job, then turn the thinking message into the queue position.  That message is the one
the progress updates and the final result edit.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.errors import ComposerError
from bot.service.requests import Prepared, Requester
from cogs.ui import queued_text

if TYPE_CHECKING:
    from cogs.app import ComposerBot

__all__ = ["accept_job", "bot_of", "requester", "send_error"]

log = logging.getLogger(__name__)

GENERIC_ERROR = "Something went wrong on my side. It has been logged; please try again."


def bot_of(interaction: discord.Interaction[Any]) -> ComposerBot:
    # The client is always the ComposerBot (cogs are only loaded into it); a cast, not an import,
    # so that this module does not reach up to the composition root at run time.
    return cast("ComposerBot", interaction.client)


def requester(
    interaction: discord.Interaction[Any], *, progress_message_id: int | None = None
) -> Requester:
    channel = interaction.channel
    parent = getattr(channel, "parent_id", None) if channel is not None else None
    perms = interaction.permissions
    return Requester(
        user_id=interaction.user.id,
        guild_id=interaction.guild_id,
        channel_id=interaction.channel_id,
        parent_channel_id=parent,
        upload_limit_bytes=interaction.filesize_limit,
        application_id=interaction.application_id,
        interaction_token=interaction.token,
        interaction_created_at=interaction.created_at,
        progress_message_id=progress_message_id,
        is_admin=bool(interaction.guild_id and perms.manage_guild),
    )


async def send_error(interaction: discord.Interaction[Any], exc: BaseException) -> None:
    """A short ephemeral message; tracebacks only go to the log."""
    if isinstance(exc, ComposerError):
        text = exc.user_message
        examples = getattr(exc, "examples", ())
        if examples:
            text += "\nTry: " + " · ".join(f"`{e}`" for e in examples[:3])
    else:
        log.exception("unexpected error in %s", _describe(interaction), exc_info=exc)
        text = GENERIC_ERROR
    text = text[:1900]
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException as http_exc:
        log.warning("could not send an error reply: %s", http_exc)


def _describe(interaction: discord.Interaction[Any]) -> str:
    name = interaction.command.qualified_name if interaction.command else None
    custom = interaction.data.get("custom_id") if interaction.data else None
    return f"interaction {interaction.id} ({name or custom or interaction.type})"


async def accept_job(
    interaction: discord.Interaction[Any],
    prepare: Callable[[], Awaitable[Prepared]],
) -> None:
    """Prepare → defer → commit → show the place in line."""
    bot = bot_of(interaction)
    try:
        prepared = await prepare()
    except Exception as exc:
        await send_error(interaction, exc)
        return
    response = await interaction.response.defer(thinking=True)
    message_id = response.message_id if response is not None else None
    try:
        accepted = await bot.service.submit(
            prepared, requester(interaction, progress_message_id=message_id)
        )
    except Exception as exc:
        # The thinking message would otherwise spin forever: replace it by an ephemeral note.
        with contextlib.suppress(discord.HTTPException):
            await interaction.delete_original_response()
        await send_error(interaction, exc)
        return
    if message_id is None:  # no message id from Discord: fall back to the @original alias
        with contextlib.suppress(discord.HTTPException):
            await interaction.edit_original_response(content=queued_text(accepted))
        return
    # Through the deliverer, so a fast job's progress or result is never overwritten.
    await bot.deliverer.announce(accepted.job, queued_text(accepted))
