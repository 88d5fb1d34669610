"""Result messages link to the clip's page, and pages name makers by their display names —
through the real bot (discord.py against the fake Discord) and its own web server.

A member with a server nickname asks by slash command, one without by mention; the page shows
the nickname, else the global display name, never the username.  With the gallery off the
result carries no link."""

from __future__ import annotations

import dataclasses
import re
import socket
from pathlib import Path

import aiohttp
import pytest

from bot.db import ClipRecord
from tests.e2e_support import bot_settings, is_result, running_bot
from tests.fakediscord.client import DiscordLogGuard
from tests.fakediscord.records import FakeMessage
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.world import World, default_world

pytestmark = pytest.mark.slow

RESULT_TIMEOUT_S = 90.0
NICK = "DJ <b>Bobby</b>"  # bob's nickname in the server (markup: the page must escape it)
TOKEN_LINK = re.compile(r"(http://127\.0\.0\.1:\d+)/c/([A-Za-z0-9_-]{22})$")


@pytest.fixture
def fake_world() -> World:
    world = default_world()
    bob = world.user("bob")
    guild = world.guild
    members = tuple(
        dataclasses.replace(m, nick=NICK) if m.user_id == bob.id else m for m in guild.members
    )
    return dataclasses.replace(
        world, guilds=(dataclasses.replace(guild, members=members), *world.guilds[1:])
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def page_link(result: FakeMessage) -> str | None:
    """The clip page the result's embed links to (its title and its "Web page" line agree)."""
    embed = result.embeds[0]
    fields = {f["name"]: f["value"] for f in embed.get("fields", [])}
    line = fields.get("Web page")
    if line is None:
        assert "url" not in embed, embed
        return None
    url = line.removeprefix("🔗 ")
    assert embed["url"] == url
    return url


async def _clip_of(result: FakeMessage, bot_clips: object, url: str) -> ClipRecord:
    found = TOKEN_LINK.fullmatch(url)
    assert found, url
    clip = await bot_clips.for_web(found.group(2))  # type: ignore[attr-defined]
    assert clip is not None
    return clip


async def test_results_link_to_pages_that_show_display_names(
    fake_discord: FakeDiscord, discord_errors: DiscordLogGuard, tmp_path: Path
) -> None:
    fake = fake_discord
    settings = bot_settings(tmp_path, web_port=free_port())
    bob, carol = fake.world.user("bob"), fake.world.user("carol")
    async with running_bot(fake, settings) as bot, aiohttp.ClientSession() as http:
        # Gallery off (the default): a plain result, no link.
        handle = await fake.slash_command("compose", {"request": "lofi verse, 6 seconds"}, user=bob)
        plain = await handle.wait_original(is_result, timeout_s=RESULT_TIMEOUT_S)
        assert page_link(plain) is None and "/c/" not in plain.content

        saved = await fake.slash_command("settings", {"gallery": "on"}, subcommand="set")
        assert "Saved" in (await saved.response()).data["content"]

        # A slash command by a member with a nickname: the result links to the page.
        handle = await fake.slash_command("compose", {"request": "lofi verse, 6 seconds"}, user=bob)
        result = await handle.wait_original(is_result, timeout_s=RESULT_TIMEOUT_S)
        url = page_link(result)
        assert url is not None and url.startswith(f"{settings.web_url}/c/")
        clip = await _clip_of(result, bot.storage.clips, url)
        assert clip.user_id == bob.id and url.endswith(f"/c/{clip.web_token}")
        async with http.get(url) as response:
            assert response.status == 200
            html = await response.text()
        assert '<bdi class="creator" id="creator">DJ &lt;b&gt;Bobby&lt;/b&gt;</bdi>' in html
        assert bob.username not in html and str(bob.id) not in html
        assert "Bob<" not in html  # the global name gives way to the server nickname
        # The short id people type in /show is no web link.
        async with http.get(f"{settings.web_url}/c/{clip.id}") as response:
            assert response.status == 404

        # A mention by a member without a nickname: their global display name.
        bot_user = fake.world.bot
        asked = await fake.message(
            "lofi verse, 6 seconds, seed 3", mentions=[bot_user], author=carol
        )
        reply = await asked.reply()
        done = await fake.wait_for_message(
            lambda m: m.id == reply.id and is_result(m), timeout_s=RESULT_TIMEOUT_S
        )
        mention_url = page_link(done)
        assert mention_url is not None
        async with http.get(mention_url) as response:
            html = await response.text()
        assert '<bdi class="creator" id="creator">Carol</bdi>' in html
        assert carol.username not in html

        # The leaderboard names both makers once their clips have votes.
        mention_clip = await _clip_of(done, bot.storage.clips, mention_url)
        await bot.storage.votes.toggle(clip.id, carol.id, 1)
        await bot.storage.votes.toggle(mention_clip.id, bob.id, 1)
        async with http.get(f"{settings.web_url}/g/{fake.world.guild.id}/top") as response:
            top = await response.text()
        assert "DJ &lt;b&gt;Bobby&lt;/b&gt;" in top and ">Carol</bdi>" in top
