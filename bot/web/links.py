"""Links to the web pages from the bot's messages, under the pages' own rule: a server's clip,
session and leaderboard pages are linked only where an admin turned its gallery on and the bot
serves pages (or names a ``public_url``).  A clip made in DMs has no page.  None: no link.

    links = PageLinks(settings, storage)
    url = await links.clip(clip)  # "https://…/c/<web token>" or None
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import ClipRecord, Period, SessionRecord, Storage
from bot.settings import Settings
from bot.web.views import clip_path, session_path, top_path

__all__ = ["PageLinks"]


@dataclass(frozen=True, slots=True)
class PageLinks:
    settings: Settings
    storage: Storage

    async def base(self, guild_id: int | None) -> str | None:
        """Where the server's pages are (``Settings.web_url``), if it shows them."""
        base = self.settings.web_url
        if base is None or guild_id is None:
            return None
        on, _ = await self.storage.guilds.gallery(guild_id)
        return base if on else None

    async def clip(self, clip: ClipRecord) -> str | None:
        base = await self.base(clip.guild_id)
        return base + clip_path(clip.web_key) if base else None

    async def session(self, session: SessionRecord) -> str | None:
        base = await self.base(session.guild_id)
        return base + session_path(session.web_key) if base else None

    async def top(self, guild_id: int | None, period: Period = Period.WEEK) -> str | None:
        base = await self.base(guild_id)
        if base is None or guild_id is None:
            return None
        return f"{base}{top_path(guild_id)}?period={period.value}"
