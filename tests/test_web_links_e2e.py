"""Result messages link to the clip's page, and pages name makers by their display names —
through the real bot (discord.py against the fake Discord) and its own web server.

A member with a server nickname asks by slash command, one without by mention; the page shows
the nickname, else the global display name, never the username.  With the gallery off the
result carries no link.  /show, /top and a jam session's welcome, song and podium link their
pages the same way."""

from __future__ import annotations

import dataclasses
import re
import socket
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.db import ClipRecord
from bot.web.views import clip_view
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
    return embed_link(result.embeds[0])


def embed_link(embed: dict[str, Any]) -> str | None:
    """The page an embed links to: its title and its "Web page" line agree (None: neither)."""
    fields = {f["name"]: f["value"] for f in embed.get("fields", [])}
    line = fields.get("Web page")
    if line is None:
        assert "url" not in embed, embed
        return None
    url: str = line.removeprefix("🔗 ")
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


async def test_show_top_and_session_messages_link_their_pages(
    fake_discord: FakeDiscord, discord_errors: DiscordLogGuard, tmp_path: Path
) -> None:
    """/show, /top and a jam session's welcome, song and podium link their pages once the
    gallery is on, and carry no link while it is off."""
    fake = fake_discord
    settings = bot_settings(tmp_path, web_port=free_port())
    general = fake.world.guild.channels[0].id
    async with running_bot(fake, settings) as bot, aiohttp.ClientSession() as http:

        async def fetch(url: str) -> str:
            async with http.get(url) as response:
                assert response.status == 200, url
                return await response.text()

        async def welcome(name: str) -> tuple[int, dict[str, Any]]:
            start = await fake.slash_command(
                "session",
                {"style": "solo piano in C major, seed 2", "name": name},
                subcommand="start",
            )
            assert name in (await start.original(timeout_s=30)).content
            thread_id = max(int(t["id"]) for t in fake.threads(general))
            message = await fake.wait_for_message(lambda m: m.channel_id == thread_id)
            return thread_id, message.embeds[0]

        handle = await fake.slash_command("compose", {"request": "piano intro, 6 seconds, seed 1"})
        clip_id = next(
            c.split(":")[-1]
            for c in (await handle.wait_original(is_result, timeout_s=RESULT_TIMEOUT_S)).custom_ids
            if c.startswith("composer:info:")
        )
        await bot.storage.votes.toggle(clip_id, fake.world.user("bob").id, 1)

        # The gallery off (the default): no links anywhere.
        show = await (await fake.slash_command("show", {"id": clip_id})).original(timeout_s=30)
        top = (await (await fake.slash_command("top", {"period": "month"})).response()).data
        _, quiet = await welcome("Quiet jam")
        assert embed_link(show.embeds[0]) is None and embed_link(top["embeds"][0]) is None
        assert embed_link(quiet) is None and clip_id in str(top["embeds"][0]["fields"])

        saved = await fake.slash_command("settings", {"gallery": "on"}, subcommand="set")
        assert "Saved" in (await saved.response()).data["content"]

        # /show: the clip's page, which plays that clip.
        clip = await bot.storage.clips.get(clip_id)
        assert clip is not None and clip.web_token
        show = await (await fake.slash_command("show", {"id": clip_id})).original(timeout_s=30)
        assert embed_link(show.embeds[0]) == f"{settings.web_url}/c/{clip.web_token}"
        html = await fetch(f"{settings.web_url}/c/{clip.web_token}")
        assert f"<h1>{clip_view(clip).title}</h1>" in html and f"{clip.web_token}/audio" in html

        # /top: the leaderboard page of the period asked for, listing the voted clip.
        top = (await (await fake.slash_command("top", {"period": "month"})).response()).data
        top_url = embed_link(top["embeds"][0])
        assert top_url == f"{settings.web_url}/g/{fake.world.guild.id}/top?period=month"
        assert f"/c/{clip.web_token}" in await fetch(top_url)

        # A jam session: the welcome, the stitched song and the podium link the session page.
        thread_id, embed = await welcome("Friday jam")
        session = await bot.storage.sessions.by_thread(thread_id)
        assert session is not None and session.web_token
        session_url = f"{settings.web_url}/s/{session.web_token}"
        assert embed_link(embed) == session_url
        assert "Friday jam" in await fetch(session_url)
        take = await fake.slash_command(
            "compose", {"request": "intro, 6 seconds, seed 3"}, channel=thread_id
        )
        await take.wait_original(is_result, timeout_s=RESULT_TIMEOUT_S)
        stitch = await fake.slash_command("session", {}, subcommand="song", channel=thread_id)
        song = await stitch.wait_original(is_result, timeout_s=RESULT_TIMEOUT_S)
        fields = {f["name"]: f["value"] for f in song.embeds[0]["fields"]}
        assert fields["Jam session"] == f"🔗 {session_url}"
        song_url = page_link(song)
        assert song_url is not None and "/c/" in song_url
        close = await fake.slash_command("session", {}, subcommand="close", channel=thread_id)
        podium = (await close.response()).data["embeds"][0]
        assert "podium" in podium["title"] and embed_link(podium) == session_url
        assert song_url.removeprefix(f"{settings.web_url}") in await fetch(session_url)
