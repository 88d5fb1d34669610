"""Pointing the real discord.py client at a Discord-compatible server, exactly as the bot does at
start-up from ``Settings.rest_base_url`` / ``Settings.gateway_url`` (class attributes, no patching
of behaviour), and a guard that fails a test when discord.py logs an error."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

import discord.gateway
import discord.http
import yarl

__all__ = ["DiscordLogGuard", "point_discord_at", "pointed_at"]


def point_discord_at(rest_base_url: str, gateway_url: str) -> None:
    """Send discord.py's REST calls (interaction callbacks and webhooks included) to
    ``rest_base_url`` (``.../api/v10``) and its gateway connections to ``gateway_url``."""
    discord.http.Route.BASE = rest_base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


@contextmanager
def pointed_at(rest_base_url: str, gateway_url: str) -> Iterator[None]:
    """``point_discord_at`` for the duration of the block, then the previous values back."""
    saved_base = discord.http.Route.BASE
    saved_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    point_discord_at(rest_base_url, gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = saved_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved_gateway


class DiscordLogGuard(logging.Handler):
    """Collects ERROR (and worse) records from the ``discord`` loggers.

    with DiscordLogGuard() as guard:
        ...
    guard.check()  # AssertionError listing the records, if any
    """

    def __init__(self, logger_name: str = "discord", level: int = logging.ERROR) -> None:
        super().__init__(level)
        self._logger = logging.getLogger(logger_name)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> DiscordLogGuard:
        self._logger.addHandler(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._logger.removeHandler(self)

    def formatted(self) -> list[str]:
        formatter = logging.Formatter("%(name)s %(levelname)s: %(message)s")
        return [formatter.format(r) for r in self.records]

    def check(self) -> None:
        if self.records:
            joined = "\n\n".join(self.formatted())
            raise AssertionError(f"discord.py logged {len(self.records)} error(s):\n{joined}")
