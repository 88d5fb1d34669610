"""Shared interaction flows: who is asking, answering errors, and the accept-a-job dance.

Every job request goes the same way: the refusals decided from memory (channel, words, queue caps:
well under a millisecond, no awaits) come first and are answered with one ephemeral message; then
the acknowledgement, a "thinking" message, goes out before any other work; then the request is
planned (database reads), the job committed, and the thinking message turned into the queue
position.  That message is the one the progress updates and the final result edit.  In a burst
the acknowledgements therefore never wait behind planning or database writes.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord

from bot.errors import ComposerError
from bot.service.requests import Prepared, Requester
from cogs.ui import queued_text

if TYPE_CHECKING:
    from cogs.app import ComposerBot

__all__ = [
    "accept_job",
    "acknowledge",
    "bot_of",
    "display_name_of",
    "requester",
    "respond",
    "send_error",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

GENERIC_ERROR = "Something went wrong on my side. It has been logged; please try again."


def bot_of(interaction: discord.Interaction[Any]) -> ComposerBot:
    # The client is always the ComposerBot (cogs are only loaded into it); a cast, not an import,
    # so that this module does not reach up to the composition root at run time.
    return cast("ComposerBot", interaction.client)


def display_name_of(user: discord.User | discord.Member) -> str | None:
    """What pages may call a person: their server nickname, else their global display name;
    never the username or id (None when they have neither)."""
    return getattr(user, "nick", None) or user.global_name or None


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
        display_name=display_name_of(interaction.user),
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
    except discord.NotFound as late:
        log.warning("interaction %s was acknowledged too late: %s", interaction.id, late.text)
    except discord.HTTPException as http_exc:
        log.warning("interaction %s: could not send an error reply: %s", interaction.id, http_exc)


def _describe(interaction: discord.Interaction[Any]) -> str:
    name = interaction.command.qualified_name if interaction.command else None
    custom = interaction.data.get("custom_id") if interaction.data else None
    return f"interaction {interaction.id} ({name or custom or interaction.type})"


async def respond(interaction: discord.Interaction[Any], reply: Awaitable[object]) -> bool:
    """Await an interaction's first response (a button's message edit, an ephemeral answer);
    False, and one warning line naming the interaction, when Discord no longer knows it."""
    try:
        await reply
    except discord.NotFound as late:
        log.warning("interaction %s was acknowledged too late: %s", interaction.id, late.text)
        return False
    return True


async def acknowledge(interaction: discord.Interaction[Any], *, thinking: bool = True) -> bool:
    """Defer; False (and one warning line) when Discord no longer knows the interaction."""
    try:
        response = await interaction.response.defer(thinking=thinking)
    except discord.NotFound as exc:
        log.warning("interaction %s was acknowledged too late: %s", interaction.id, exc.text)
        return False
    interaction.extras["response"] = response
    return True


async def accept_job(
    interaction: discord.Interaction[Any],
    check: Callable[[], T],
    prepare: Callable[[T], Awaitable[Prepared]],
) -> None:
    """Check (from memory, synchronous) → defer → prepare → commit → show the place in line."""
    bot = bot_of(interaction)
    who = requester(interaction)
    admission = bot.service.admission
    try:
        checked = check()
        admission.check_caps(who)
    except Exception as exc:
        await send_error(interaction, exc)
        return
    with admission.hold(who):
        if not await acknowledge(interaction):
            return
        await _prepare_and_submit(interaction, prepare, checked)


async def _prepare_and_submit(
    interaction: discord.Interaction[Any],
    prepare: Callable[[T], Awaitable[Prepared]],
    checked: T,
) -> None:
    bot = bot_of(interaction)
    response = interaction.extras.get("response")
    message_id = getattr(response, "message_id", None)
    try:
        prepared = await prepare(checked)
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
