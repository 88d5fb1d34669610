"""Discord snowflake ids: 42 bits of milliseconds since the Discord epoch, then worker, process
and a 12-bit increment.  Ids from one generator strictly increase, like Discord's."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

__all__ = ["DISCORD_EPOCH_MS", "SnowflakeGenerator", "iso_timestamp", "snowflake_time"]

DISCORD_EPOCH_MS = 1_420_070_400_000


class SnowflakeGenerator:
    """Realistic, strictly increasing ids; ``clock`` returns seconds since the Unix epoch."""

    def __init__(
        self, *, worker_id: int = 1, process_id: int = 0, clock: Callable[[], float] = time.time
    ) -> None:
        if not (0 <= worker_id < 32 and 0 <= process_id < 32):
            raise ValueError("worker_id and process_id must be in [0, 32)")
        self._worker_id = worker_id
        self._process_id = process_id
        self._clock = clock
        self._last_ms = -1
        self._increment = 0

    def next(self) -> int:
        now_ms = int(self._clock() * 1000) - DISCORD_EPOCH_MS
        if now_ms <= self._last_ms:
            now_ms = self._last_ms
            self._increment += 1
            if self._increment >= 4096:
                now_ms += 1
                self._increment = 0
        else:
            self._increment = 0
        self._last_ms = now_ms
        return (now_ms << 22) | (self._worker_id << 17) | (self._process_id << 12) | self._increment


def snowflake_time(snowflake: int) -> dt.datetime:
    """The creation time encoded in a snowflake (UTC)."""
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def iso_timestamp(when: dt.datetime | None = None) -> str:
    """Discord's timestamp format: ISO 8601 with microseconds and a ``+00:00`` offset."""
    moment = when if when is not None else dt.datetime.now(tz=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")
