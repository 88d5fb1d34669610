"""Melody attachments (on /compose, /song, /session start, or a message to the bot) → notes."""

from __future__ import annotations

import logging

import discord

from bot.errors import RequestError
from bot.service.melody import check_melody_size, read_melody
from models.melody import Melody

__all__ = ["read_attachment"]

log = logging.getLogger(__name__)


async def read_attachment(attachment: discord.Attachment) -> Melody:
    """Download ``attachment`` (into memory only) and read the melody in it."""
    check_melody_size(attachment.size)
    try:
        data = await attachment.read()
    except discord.HTTPException as exc:  # NotFound included
        log.warning("could not download melody %s: %s", attachment.filename, exc)
        raise RequestError("I couldn't download that melody file; please send it again.") from exc
    return await read_melody(data, filename=attachment.filename)
