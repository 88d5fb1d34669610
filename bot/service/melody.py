"""A user's melody upload (a MIDI file or a recording) → the notes the song is built on.

The upload is read into memory, analysed off the event loop and dropped: only its notes (in the
song plan) are kept, with the clip, for as long as the clip is (``/forget-me`` deletes them with
the user's clips).  Every refusal is a :class:`~bot.errors.RequestError` with a specific reason.
"""

from __future__ import annotations

import asyncio
import logging
import time

from bot.errors import RequestError
from models.melody import MAX_BYTES, Melody, MelodyError, load_melody

__all__ = ["MELODY_MAX_BYTES", "check_melody_size", "read_melody"]

log = logging.getLogger(__name__)

MELODY_MAX_BYTES = MAX_BYTES


def check_melody_size(size_bytes: int) -> None:
    """Refuse an oversized upload before it is downloaded (from memory, before acknowledging)."""
    if size_bytes > MELODY_MAX_BYTES:
        raise RequestError(
            f"That melody file is {size_bytes / 1e6:.1f} MB; it can be at most "
            f"{MELODY_MAX_BYTES // (1024 * 1024)} MB."
        )


async def read_melody(data: bytes, *, filename: str = "") -> Melody:
    """The melody in ``data``, analysed in a thread.  Raises RequestError with the reason."""
    check_melody_size(len(data))
    started = time.perf_counter()
    try:
        melody = await asyncio.to_thread(load_melody, data)
    except MelodyError as exc:
        raise RequestError(
            f"I can't use that melody: {exc}.", detail=f"{filename}: {exc!r}"
        ) from exc
    took_s = time.perf_counter() - started
    log.info("melody %s: %s (%.2f s)", filename or "upload", melody.summary, took_s)
    return melody
