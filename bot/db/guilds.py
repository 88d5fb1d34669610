"""Servers and their settings: per-server overrides of the bot's Settings."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from bot.db.convert import ensure_guild
from bot.db.engine import Database
from bot.db.records import GuildSettingsRecord
from bot.db.tables import GuildRow, GuildSettingsRow, utcnow
from bot.errors import RequestError
from models.styles import STYLE_IDS

__all__ = ["SETTING_NAMES", "GuildRepository", "settings_record"]

log = logging.getLogger(__name__)

#: Settings a server may override; None resets one to the bot's default.
SETTING_NAMES = (
    "allowed_channels",
    "max_duration_s",
    "max_queued_per_user",
    "max_running_per_user",
    "max_queued_per_guild",
    "default_style",
    "default_backend",
    "gallery",
)

_LIMITS = {
    "max_queued_per_user": (1, 100),
    "max_running_per_user": (1, 16),
    "max_queued_per_guild": (1, 10_000),
}


def settings_record(row: GuildSettingsRow) -> GuildSettingsRecord:
    return GuildSettingsRecord(
        guild_id=row.guild_id,
        allowed_channels=tuple(row.allowed_channels) if row.allowed_channels is not None else None,
        max_duration_s=row.max_duration_s,
        max_queued_per_user=row.max_queued_per_user,
        max_running_per_user=row.max_running_per_user,
        max_queued_per_guild=row.max_queued_per_guild,
        default_style=row.default_style,
        default_backend=row.default_backend,
        gallery=bool(row.gallery),
    )


def _validate(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "allowed_channels":
        try:
            return sorted({int(v) for v in value})
        except (TypeError, ValueError):
            raise RequestError("Allowed channels must be a list of channel ids.") from None
    if name == "max_duration_s":
        if not isinstance(value, int | float) or not 5 <= value <= 3600:
            raise RequestError("The maximum duration must be between 5 seconds and 1 hour.")
        return float(value)
    if name in _LIMITS:
        low, high = _LIMITS[name]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise RequestError(f"{name.replace('_', ' ')} must be a whole number {low}–{high}.")
        return value
    if name == "default_style":
        if value not in STYLE_IDS:
            raise RequestError(f"Unknown style {value!r}.", examples=tuple(STYLE_IDS))
        return str(value)
    if name == "default_backend":
        if not isinstance(value, str) or not value or len(value) > 32:
            raise RequestError("The default backend must be a backend name.")
        return value
    if name == "gallery":
        if not isinstance(value, bool):
            raise RequestError("The gallery is either on or off.")
        return value
    raise RequestError(f"There is no server setting called {name!r}.")


class GuildRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def ensure(self, guild_id: int, name: str | None = None) -> None:
        """Make sure the server has a row (and keep its display name current)."""
        async with self.db.write() as s:
            await ensure_guild(s, guild_id)
            if name is not None:
                row = await s.get(GuildRow, guild_id)
                if row is not None and row.name != name:
                    row.name = name

    async def gallery(self, guild_id: int) -> tuple[bool, str | None]:
        """Whether the server's web gallery is on, and its display name (one read)."""
        async with self.db.read() as s:
            settings = await s.get(GuildSettingsRow, guild_id)
            guild = await s.get(GuildRow, guild_id)
            return bool(settings and settings.gallery), guild.name if guild else None

    async def settings(self, guild_id: int | None) -> GuildSettingsRecord:
        """The server's overrides (all None when it has none, or for a DM)."""
        if guild_id is None:
            return GuildSettingsRecord(guild_id=0)
        async with self.db.read() as s:
            row = await s.get(GuildSettingsRow, guild_id)
            return settings_record(row) if row else GuildSettingsRecord(guild_id=guild_id)

    async def all_settings(self) -> dict[int, GuildSettingsRecord]:
        """Every server's overrides (servers without any are absent)."""
        async with self.db.read() as s:
            rows = (await s.execute(select(GuildSettingsRow))).scalars()
            return {row.guild_id: settings_record(row) for row in rows}

    async def update_settings(
        self, guild_id: int, changes: Mapping[str, Any]
    ) -> GuildSettingsRecord:
        """Apply ``changes`` (name → value; None resets to the bot's default), validated."""
        clean = {name: _validate(name, value) for name, value in changes.items()}
        async with self.db.write() as s:
            await ensure_guild(s, guild_id)
            row = await s.get(GuildSettingsRow, guild_id)
            if row is None:
                row = GuildSettingsRow(guild_id=guild_id)
                s.add(row)
            for name, value in clean.items():
                setattr(row, name, value)
            row.updated_at = utcnow()
            await s.flush()
            return settings_record(row)
