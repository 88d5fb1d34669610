"""Tests of the fake Discord, driving a tiny REAL discord.py bot defined here (no patching: the
client is only pointed at the fake through ``Route.BASE`` / ``DEFAULT_GATEWAY``)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fakediscord import (
    DiscordLogGuard,
    FakeDiscord,
    MiB,
    Rules,
    SnowflakeGenerator,
    Upload,
    default_world,
    point_discord_at,
    pointed_at,
    snowflake_time,
)

# The lead also wires this plugin in tests/conftest.py; naming it here keeps this file runnable.

ROOT = Path(__file__).resolve().parents[1]
STYLES = ["ambient", "baroque", "jazz", "lofi", "synthwave"]
CLIP = b"OggS" + bytes(range(256)) * 64  # 16 KiB + 4 bytes of "audio"


# -- the tiny bot ------------------------------------------------------------------------------


class ClipView(discord.ui.View):
    """A persistent view: ``timeout=None`` and a ``custom_id`` on every item."""

    def __init__(self, bot: TinyBot) -> None:
        super().__init__(timeout=None)
        self.bot = bot

    @discord.ui.button(label="Again", style=discord.ButtonStyle.primary, custom_id="tiny:again")
    async def again(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.bot.clicks += 1
        await interaction.response.edit_message(content=f"rendered again ({self.bot.clicks})")

    @discord.ui.select(
        custom_id="tiny:style",
        options=[discord.SelectOption(label=s.title(), value=s) for s in STYLES],
    )
    async def restyle(
        self, interaction: discord.Interaction, select: discord.ui.Select[Any]
    ) -> None:
        await interaction.response.defer()  # deferred update (type 6)
        await interaction.edit_original_response(content=f"restyled as {select.values[0]}")


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    text: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Your words", custom_id="fb:text")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.text.value}", ephemeral=True)


class TinyBot(commands.Bot):
    def __init__(
        self,
        *,
        sync: str = "always",
        response_delay_s: float = 0.0,
        intents: discord.Intents | None = None,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            # no message_content by default: mentions, DMs and replies to the bot still carry it
            intents=intents if intents is not None else discord.Intents.default(),
            guild_ready_timeout=0.05,
            help_command=None,
        )
        self.sync_mode = sync
        self.response_delay_s = response_delay_s
        self.errors: list[Exception] = []
        self.seen_contents: list[str] = []
        self.filesize_limits: list[int] = []
        self.clicks = 0
        self.threads_created: list[int] = []
        self.release = asyncio.Event()  # lets a test end /slow's wait early
        self.reactions_seen: list[tuple[int, str]] = []
        self._register()

    async def setup_hook(self) -> None:
        self.add_view(ClipView(self))
        if self.sync_mode == "always":
            await self.tree.sync()
        elif self.sync_mode == "auto":  # sync only when the remote tree differs
            remote = {c.name for c in await self.tree.fetch_commands()}
            if remote != {c.name for c in self.tree.get_commands()}:
                await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        if message.author == self.user:
            return
        self.seen_contents.append(message.content)
        assert self.user is not None
        if self.user in message.mentions or message.guild is None:
            async with message.channel.typing():
                await message.add_reaction("\N{MUSICAL NOTE}")
                await message.reply(f"hello {message.author.name}, you said: {message.content}")

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if payload.user_id != (self.user.id if self.user else 0):
            self.reactions_seen.append((payload.message_id, str(payload.emoji)))

    def _register(self) -> None:
        tree = self.tree

        @tree.command(description="Render a clip")
        @app_commands.describe(style="Musical style", bars="How many bars")
        async def render(interaction: discord.Interaction, style: str, bars: int = 8) -> None:
            await interaction.response.defer(thinking=True)
            file = discord.File(io.BytesIO(CLIP), filename=f"{style}.ogg")
            self.filesize_limits.append(interaction.filesize_limit)
            await interaction.followup.send(f"{style}, {bars} bars", file=file, view=ClipView(self))

        @render.autocomplete("style")
        async def style_choices(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=s.title(), value=s) for s in STYLES if current in s]

        @tree.command(description="Answers too late")
        async def slow(interaction: discord.Interaction) -> None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.release.wait(), self.response_delay_s)
            try:
                await interaction.response.send_message("finally")
            except discord.HTTPException as exc:
                self.errors.append(exc)

        @tree.command(description="Defers, then follows up after the token expired")
        async def late(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            await asyncio.sleep(self.response_delay_s)
            try:
                await interaction.followup.send("too late")
            except discord.HTTPException as exc:
                self.errors.append(exc)
                assert interaction.channel is not None
                await interaction.channel.send("your clip is ready (the interaction expired)")  # type: ignore[union-attr]

        @tree.command(description="Uploads a file of the given size")
        async def big(interaction: discord.Interaction, kib: int) -> None:
            await interaction.response.defer()
            self.filesize_limits.append(interaction.filesize_limit)
            file = discord.File(io.BytesIO(b"\0" * kib * 1024), filename="big.wav")
            try:
                await interaction.followup.send(file=file)
            except discord.HTTPException as exc:
                self.errors.append(exc)
                await interaction.followup.send("that file is over this server's upload limit")

        @tree.command(description="Opens a modal")
        async def feedback(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(FeedbackModal())

        @tree.command(description="Starts a thread")
        async def jam(interaction: discord.Interaction, name: str) -> None:
            channel = interaction.channel
            assert isinstance(channel, discord.TextChannel)
            thread = await channel.create_thread(name=name, type=discord.ChannelType.public_thread)
            self.threads_created.append(thread.id)
            await thread.send("jam starts here")
            await interaction.response.send_message(f"started {thread.mention}", ephemeral=True)

        @tree.command(description="Shows progress by editing its answers")
        async def progress(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("0%")
            await interaction.edit_original_response(content="50%")
            extra = await interaction.followup.send("details", wait=True)
            await extra.edit(content="details (edited)")
            doomed = await interaction.followup.send("temporary", wait=True)
            await doomed.delete()
            original = await interaction.original_response()
            await interaction.edit_original_response(content=original.content.replace("50", "100"))

        @tree.command(description="Sends you a DM")
        async def whisper(interaction: discord.Interaction) -> None:
            await interaction.user.send("psst, your clip is ready")
            await interaction.response.send_message("check your DMs", ephemeral=True)

        @tree.command(description="Remixes an uploaded file")
        async def remix(interaction: discord.Interaction, source: discord.Attachment) -> None:
            data = await source.read()
            await interaction.response.send_message(
                f"{source.filename}: {len(data)} bytes",
                file=discord.File(io.BytesIO(data[::-1]), "remix.mid"),
            )

        @tree.command(description="Server settings (admins)")
        @app_commands.default_permissions(manage_guild=True)
        @app_commands.guild_only()
        async def settings(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("settings", ephemeral=True)

        @tree.command(description="Always fails")
        async def boom(interaction: discord.Interaction) -> None:
            raise RuntimeError("boom")

        clip = app_commands.Group(name="clip", description="Clip commands")

        @clip.command(name="info", description="Describe a clip")
        async def clip_info(interaction: discord.Interaction, number: int) -> None:
            await interaction.response.send_message(f"clip #{number}", ephemeral=True)

        tree.add_command(clip)

        @tree.command(description="Posts twice with the same nonce")
        async def twice(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True)
            assert isinstance(interaction.channel, discord.TextChannel)
            first = await interaction.channel.send("once", nonce=4242)
            second = await interaction.channel.send("once", nonce=4242)
            await interaction.followup.send(f"{first.id} {second.id}", ephemeral=True)


# -- fixtures and helpers ----------------------------------------------------------------------


@asynccontextmanager
async def serving(rules: Rules | None = None, **world: Any) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(default_world(**world), rules) as fake:
        with pointed_at(fake.rest_base_url, fake.gateway_url):
            yield fake


@asynccontextmanager
async def running(bot: TinyBot, fake: FakeDiscord) -> AsyncIterator[TinyBot]:
    """Start the bot, wait for on_ready; at exit close it and await its task so that errors
    raised inside ``bot.start()`` fail the test."""
    task = asyncio.create_task(bot.start(fake.world.bot_token), name="tiny-bot")
    ready = asyncio.create_task(bot.wait_until_ready())
    try:
        done, _ = await asyncio.wait({task, ready}, timeout=10, return_when="FIRST_COMPLETED")
        if task in done:
            task.result()
            raise AssertionError("the bot stopped before it was ready")
        assert ready in done, "the bot was not ready within 10 s"
        yield bot
    finally:
        ready.cancel()
        await bot.close()
        await asyncio.wait_for(task, timeout=10)


@pytest.fixture
def fake(fake_discord: FakeDiscord) -> FakeDiscord:
    """The plugin's running fake (default world and rules), discord.py pointed at it."""
    return fake_discord


@pytest.fixture
def log_guard(discord_errors: DiscordLogGuard) -> DiscordLogGuard:
    """The client must log no errors against the fake (checked at teardown by the plugin)."""
    return discord_errors


# -- tests -------------------------------------------------------------------------------------


async def test_pointing_restores_defaults() -> None:
    before = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    with pointed_at("http://127.0.0.1:1/api/v10/", "ws://127.0.0.1:1/gateway"):
        assert discord.http.Route.BASE == "http://127.0.0.1:1/api/v10"
        assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:1/gateway"
        route = discord.http.Route("GET", "/users/@me")
        assert route.url == "http://127.0.0.1:1/api/v10/users/@me"
    assert before == (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    assert before[0] == "https://discord.com/api/v10"


async def test_rest_answers_like_discord(fake: FakeDiscord) -> None:
    headers = {"Authorization": f"Bot {fake.world.bot_token}"}
    async with aiohttp.ClientSession() as session:
        async with session.get(fake.rest_base_url + "/users/@me", headers=headers) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "application/json"
            assert (await resp.json())["id"] == str(fake.world.bot.id)
        async with session.get(fake.rest_base_url + "/users/@me") as resp:
            assert resp.status == 401
        async with session.get(fake.rest_base_url + "/nothing/here", headers=headers) as resp:
            assert resp.status == 404
            assert (await resp.json())["message"] == "404: Not Found"
    assert [r.status for r in fake.requests] == [200, 401, 404]
    assert [r.path for r in fake.unrouted_requests] == ["/nothing/here"]
    assert fake.requests[0].headers["Authorization"] == "<redacted>"


async def test_connect_identify_ready_and_sync(
    fake: FakeDiscord, log_guard: DiscordLogGuard
) -> None:
    intents = discord.Intents.default()
    intents.members = True
    async with running(TinyBot(intents=intents), fake) as bot:
        assert bot.user is not None and bot.user.id == fake.world.bot.id
        assert bot.application_id == fake.world.application_id
        guild = bot.get_guild(fake.world.guild.id)
        assert guild is not None and guild.name == "Composer Lab"
        assert {c.name for c in guild.text_channels} == {"general", "music"}
        admin = guild.get_member(fake.world.user("alice").id)
        member = guild.get_member(fake.world.user("bob").id)
        assert admin is not None and admin.guild_permissions.manage_guild
        assert member is not None and not member.guild_permissions.manage_guild
        assert guild.filesize_limit == 10 * MiB
        assert len(fake.identifies) == 1
        assert fake.identifies[0].intents == intents.value
        assert fake.command_syncs == 1
        names = {c["name"] for c in fake.commands()}
        assert names == {
            *("render", "slow", "late", "big", "feedback", "jam", "twice", "progress"),
            *("whisper", "clip", "remix", "boom", "settings"),
        }
        assert all(int(c["id"]) > 0 for c in fake.commands())
    assert fake.connected_sessions == 0


async def test_slash_defer_followup_file_then_button_edit(
    fake: FakeDiscord, log_guard: DiscordLogGuard
) -> None:
    async with running(TinyBot(), fake) as bot:
        handle = await fake.slash_command("render", {"style": "jazz", "bars": 16}, user="bob")
        callback = await handle.response()
        assert callback.type == 5  # deferred, "thinking"
        message = await handle.original()  # the first followup fills the loading message
        assert message.content == "jazz, 16 bars"
        assert not message.loading and message.interaction_id == handle.id
        assert [a.filename for a in message.attachments] == ["jazz.ogg"]
        assert message.attachments[0].data == CLIP
        assert message.attachments[0].content_type == "audio/ogg"
        assert message.custom_ids == ["tiny:again", "tiny:style"]
        assert bot.filesize_limits == [10 * MiB]
        # the attachment URL is served by the fake
        assert await bot.http.get_from_cdn(message.attachments[0].url) == CLIP

        click = await fake.click(message, "tiny:again", user="alice")
        assert (await click.response()).type == 7
        edited = await click.original()
        assert edited.id == message.id
        assert edited.content == "rendered again (1)"
        assert edited.edits == 1  # filling the loading message is not an edit
        assert fake.interaction_response(handle) == fake.get_message(message.id)

        picked = await fake.select(message, "tiny:style", ["synthwave"], user="bob")
        assert (await picked.response()).type == 6
        restyled = await picked.wait_original(lambda m: m.content.startswith("restyled"))
        assert restyled.id == message.id and restyled.content == "restyled as synthwave"
        with pytest.raises(ValueError, match="no options"):
            await fake.select(message, "tiny:style", ["polka"])
        assert fake.unrouted_requests == []


async def test_editing_followups_and_deleting(
    fake: FakeDiscord, log_guard: DiscordLogGuard
) -> None:
    async with running(TinyBot(), fake):
        handle = await fake.slash_command("progress")
        done = await handle.wait_original(lambda m: m.content == "100%")
        assert done.edits == 2 and done.type == 20
        assert done.payload["interaction_metadata"]["name"] == "progress"
        extra = await handle.followup(0)
        assert extra.content == "details (edited)" and extra.edits == 1
        deleted = await handle.followup(1)
        assert deleted.content == "temporary"
        assert fake.get_message(deleted.id).deleted
        assert deleted.id not in [m.id for m in fake.messages(done.channel_id)]
        methods = [(r.method, r.status) for r in handle.requests]
        assert ("DELETE", 204) in methods and ("PATCH", 200) in methods

        whisper = await fake.slash_command("whisper", user="carol")
        assert (await whisper.original()).ephemeral
        dm = fake.messages(fake.dm_channel("carol"))
        assert [m.content for m in dm] == ["psst, your clip is ready"]


async def test_autocomplete_options_and_who_may_run_what(
    fake: FakeDiscord, log_guard: DiscordLogGuard
) -> None:
    async with running(TinyBot(), fake):
        handle = await fake.autocomplete("render", {"style": "a"}, focused="style")
        choices = await handle.choices()
        assert [c["value"] for c in choices] == ["ambient", "baroque", "jazz", "synthwave"]
        assert handle.payload["data"]["options"][0] == {
            "name": "style",
            "type": 3,
            "value": "a",
            "focused": True,
        }
        info = await fake.slash_command("clip", {"number": 3}, subcommand="info")
        assert (await info.original()).content == "clip #3"
        assert info.payload["data"]["options"][0]["name"] == "info"
        with pytest.raises(ValueError, match="choose a subcommand"):
            await fake.slash_command("clip", {"number": 3})
        with pytest.raises(ValueError, match="integer"):
            await fake.slash_command("clip", {"number": 2.5}, subcommand="info")
        with pytest.raises(ValueError, match="required"):
            await fake.slash_command("render", {"bars": 4})

        # like Discord's client: admin-only and guild-only commands are not offered to everyone
        with pytest.raises(PermissionError):
            await fake.slash_command("settings", user="bob")
        with pytest.raises(LookupError, match="not available"):
            await fake.slash_command("settings", user="alice", dm=True)
        settings = await fake.slash_command("settings", user="alice")
        assert (await settings.original()).content == "settings"

        upload = Upload("song.mid", b"MThd" + bytes(100), "audio/midi")
        remix = await fake.slash_command("remix", {"source": upload})
        remixed = await remix.original()
        assert remixed.content == "song.mid: 104 bytes"
        assert remixed.attachments[0].data == upload.data[::-1]  # type 4 callback, multipart
        with pytest.raises(LookupError, match="not a registered command"):
            await fake.slash_command("nope")


async def test_modal_roundtrip(fake: FakeDiscord, log_guard: DiscordLogGuard) -> None:
    async with running(TinyBot(), fake):
        opened = await fake.slash_command("feedback", user="carol")
        modal = await opened.modal()
        assert modal["custom_id"] and modal["title"] == "Feedback"
        submitted = await fake.submit_modal(modal["custom_id"], {"fb:text": "lovely"}, user="carol")
        answer = await submitted.original()
        assert answer.content == "thanks: lovely"
        assert answer.ephemeral


async def test_mentions_dms_and_replies_get_answers(
    fake: FakeDiscord, log_guard: DiscordLogGuard
) -> None:
    bot_user = fake.world.bot
    async with running(TinyBot(), fake) as bot:
        plain = await fake.message("nobody pinged me", author="bob")
        mention = await fake.message("compose something", author="bob", mentions=[bot_user])
        reply = await mention.reply()
        assert reply.content == f"hello bob, you said: {bot_user.mention} compose something"
        assert reply.reference_id == mention.id and reply.type == 19
        # without the message-content intent the bot saw an empty plain message
        assert bot.seen_contents[:2] == ["", f"{bot_user.mention} compose something"]

        # a reply to the bot's message pings it, so its content is visible
        follow = await fake.message("again please", author="bob", reference=reply.id)
        assert (await follow.reply()).content == "hello bob, you said: again please"

        dm = await fake.message("hi in private", author="carol", dm=True)
        dm_reply = await dm.reply()
        assert dm_reply.guild_id is None and dm_reply.content.endswith("hi in private")
        assert not any(
            m.author_id == bot_user.id
            for m in fake.messages(plain.channel_id)
            if m.reference_id == plain.id
        )

        # the bot typed and reacted before replying; a user's reaction reaches the bot
        assert any(r.path.endswith("/typing") for r in fake.requests)
        reacted = fake.get_message(mention.id).payload["reactions"]
        assert reacted[0]["emoji"]["name"] == "\N{MUSICAL NOTE}" and reacted[0]["me"]
        await fake.react(reply, "\N{THUMBS UP SIGN}", user="bob")
        await fake.wait_until(lambda: bot.reactions_seen or None)
        assert bot.reactions_seen == [(reply.id, "\N{THUMBS UP SIGN}")]


async def test_late_first_response_is_unknown_interaction(log_guard: DiscordLogGuard) -> None:
    async with (
        serving(Rules(interaction_response_deadline_s=0.2)) as fake,
        running(TinyBot(response_delay_s=0.4), fake) as bot,
    ):
        handle = await fake.slash_command("slow")
        request = await fake.wait_for(lambda r: r.path.endswith("/callback"))
        assert request.status == 404 and request.error_code == 10062
        assert handle.callbacks == ()
        await fake.wait_until(lambda: bot.errors or None)
        (error,) = bot.errors
        assert isinstance(error, discord.NotFound) and error.code == 10062


async def test_second_response_is_already_acknowledged(
    fake: FakeDiscord, log_guard: DiscordLogGuard
) -> None:
    async with running(TinyBot(response_delay_s=5.0), fake) as bot:
        handle = await fake.slash_command("slow")
        url = f"{fake.rest_base_url}/interactions/{handle.id}/{handle.token}/callback"
        async with aiohttp.ClientSession() as session:
            body = {"type": 4, "data": {"content": "first!"}}
            async with session.post(url, json=body, params={"with_response": "1"}) as resp:
                assert resp.status == 200
                answer = await resp.json()
        bot.release.set()  # now the bot answers too: one response too many
        assert answer["interaction"]["id"] == str(handle.id)
        assert answer["resource"]["message"]["content"] == "first!"
        await fake.wait_until(lambda: bot.errors or None)
        assert isinstance(bot.errors[0], discord.HTTPException)
        assert bot.errors[0].code == 40060
        assert (await handle.original()).content == "first!"


async def test_expired_token_surfaces_and_bot_falls_back(log_guard: DiscordLogGuard) -> None:
    async with (
        serving(Rules(interaction_token_ttl_s=0.3)) as fake,
        running(TinyBot(response_delay_s=0.5), fake) as bot,
    ):
        handle = await fake.slash_command("late", user="bob")
        assert (await handle.response()).type == 5
        channel = fake.world.guild.channel("general").id
        fallback = await fake.wait_for_message(
            lambda m: m.channel_id == channel and "expired" in m.content
        )
        (error,) = bot.errors
        assert isinstance(error, discord.HTTPException)
        assert error.status == 401 and error.code == 50027
        assert fallback.interaction_id is None
        assert (await handle.original(loaded=False)).loading  # never filled


async def test_upload_over_the_guild_limit_is_413(log_guard: DiscordLogGuard) -> None:
    async with (
        serving(upload_limit_override_bytes=64 * 1024) as fake,
        running(TinyBot(), fake) as bot,
    ):
        handle = await fake.slash_command("big", {"kib": 100})
        notice = await handle.original()
        assert notice.content == "that file is over this server's upload limit"
        (error,) = bot.errors
        assert isinstance(error, discord.HTTPException)
        assert error.status == 413 and error.code == 40005
        assert bot.filesize_limits == [64 * 1024]
        assert handle.payload["attachment_size_limit"] == 64 * 1024
        rejected = [r for r in handle.requests if r.status == 413]
        assert rejected[0].files[0].filename == "big.wav"
        assert rejected[0].files[0].size == 100 * 1024

        small = await fake.slash_command("big", {"kib": 32})
        uploaded = await small.original()
        assert uploaded.attachments[0].size == 32 * 1024


async def test_boosted_guild_limit_reaches_the_client(log_guard: DiscordLogGuard) -> None:
    async with serving(premium_tier=2) as fake, running(TinyBot(), fake) as bot:
        guild = bot.get_guild(fake.world.guild.id)
        assert guild is not None and guild.filesize_limit == 50 * MiB
        handle = await fake.slash_command("render", {"style": "lofi"})
        await handle.original()
        assert bot.filesize_limits == [50 * MiB]


async def test_rate_limit_429_is_retried_after_retry_after(
    fake: FakeDiscord, log_guard: DiscordLogGuard
) -> None:
    async with running(TinyBot(), fake):
        fake.inject_rate_limit(r"^/channels/\d+/messages$", 0.3, method="POST")
        mention = await fake.message("hi", author="alice", mentions=[fake.world.bot])
        reply = await mention.reply()
        assert reply.content.endswith("hi")
        posts = fake.requests_matching("POST", r"^/channels/\d+/messages$")
        assert [r.status for r in posts] == [429, 200]
        assert posts[1].at_s - posts[0].at_s >= 0.3 - 0.02  # the client slept retry_after
        # exactly one reply: the retried request did not duplicate the message
        replies = [m for m in fake.messages(reply.channel_id) if m.reference_id == mention.id]
        assert len(replies) == 1


async def test_nonce_dedupe_thread_creation_and_history(
    fake: FakeDiscord, log_guard: DiscordLogGuard
) -> None:
    async with running(TinyBot(), fake) as bot:
        handle = await fake.slash_command("twice")
        first, second = (await handle.original()).content.split()
        assert first == second  # enforce_nonce: the second send returned the first message
        general = fake.world.guild.channel("general").id
        assert [m.content for m in fake.messages(general) if not m.ephemeral] == ["once"]

        jam = await fake.slash_command("jam", {"name": "Friday jam"})
        await jam.original()
        (thread,) = fake.threads(general)
        assert thread["name"] == "Friday jam" and thread["type"] == 11
        assert bot.threads_created == [int(thread["id"])]
        guild = bot.get_guild(fake.world.guild.id)
        assert (
            guild is not None and guild.get_thread(int(thread["id"])) is not None
        )  # THREAD_CREATE
        assert [m.content for m in fake.messages(int(thread["id"]))] == ["jam starts here"]

        channel = bot.get_channel(general)
        assert isinstance(channel, discord.TextChannel)
        history = [m.content async for m in channel.history(limit=10)]
        assert history == ["once"]


async def test_rest_limits(fake: FakeDiscord) -> None:
    general = fake.world.guild.channel("general").id
    url = f"{fake.rest_base_url}/channels/{general}/messages"
    headers = {"Authorization": f"Bot {fake.world.bot_token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.post(url, json={"content": "x" * 2001}) as resp:
            body = await resp.json()
            assert resp.status == 400 and body["code"] == 50035
            assert body["errors"]["content"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
        async with session.post(url, json={"content": ""}) as resp:
            assert resp.status == 400 and (await resp.json())["code"] == 50006
        form = aiohttp.FormData(quote_fields=False)
        form.add_field("payload_json", '{"content": "eleven"}')
        for i in range(11):
            form.add_field(f"files[{i}]", b"a", filename=f"{i}.txt")
        async with session.post(url, data=form) as resp:
            assert resp.status == 400 and (await resp.json())["code"] == 50035
        async with session.post(url, json={"content": "x" * 2000}) as resp:
            assert resp.status == 200
            message = await resp.json()
            assert message["author"]["id"] == str(fake.world.bot.id)
            assert message["channel_id"] == str(general)
        async with session.post(f"{url}/{message['id']}/threads", json={"name": "t"}) as resp:
            assert resp.status == 201
            thread = await resp.json()
            assert thread["id"] == message["id"] and thread["parent_id"] == str(general)
        async with session.get(f"{url}/{message['id']}") as resp:
            assert (await resp.json())["thread"]["id"] == message["id"]
        async with session.get(f"{fake.rest_base_url}/channels/{thread['id']}") as resp:
            assert (await resp.json())["type"] == 11
        async with session.get(f"{fake.rest_base_url}/channels/1") as resp:
            assert resp.status == 404 and (await resp.json())["code"] == 10003
    assert fake.messages(general)[0].content == "x" * 2000


def test_snowflakes_increase_and_encode_time() -> None:
    clock = iter([1_700_000_000.0] * 5000 + [1_700_000_001.0])
    generator = SnowflakeGenerator(clock=lambda: next(clock))
    ids = [generator.next() for _ in range(5001)]
    assert ids == sorted(set(ids))
    assert snowflake_time(ids[0]).timestamp() == 1_700_000_000.0
    assert snowflake_time(ids[-1]).timestamp() >= 1_700_000_000.0


async def test_request_over_25_mib_is_413() -> None:
    async with serving(Rules(max_request_bytes=1000)) as fake:
        general = fake.world.guild.channel("general").id
        url = f"{fake.rest_base_url}/channels/{general}/messages"
        headers = {"Authorization": f"Bot {fake.world.bot_token}"}
        async with (
            aiohttp.ClientSession(headers=headers) as session,
            session.post(url, json={"content": "y" * 1500}) as resp,
        ):
            assert resp.status == 413 and (await resp.json())["code"] == 40005
        assert fake.messages(general) == []


async def test_resume_after_reconnect_and_replay_after_drop(
    fake: FakeDiscord, log_guard: DiscordLogGuard
) -> None:
    async with running(TinyBot(), fake) as bot:
        resumed = asyncio.Event()

        async def on_resumed() -> None:
            resumed.set()

        bot.add_listener(on_resumed)
        fake.request_reconnect()
        await asyncio.wait_for(resumed.wait(), 5)
        assert fake.resumes == 1 and len(fake.identifies) == 1

        # events sent while the connection is down are replayed on RESUME
        resumed.clear()
        fake.drop_connections()
        handle = await fake.slash_command("render", {"style": "ambient"})
        await asyncio.wait_for(resumed.wait(), 5)
        assert (await handle.original()).content == "ambient, 8 bars"
        assert fake.resumes == 2 and len(fake.identifies) == 1


async def test_new_bot_instance_identifies_again_and_finds_state(
    fake: FakeDiscord, log_guard: DiscordLogGuard
) -> None:
    async with running(TinyBot(sync="auto"), fake):
        handle = await fake.slash_command("render", {"style": "baroque"})
        first = await handle.original()
    assert fake.command_syncs == 1 and fake.connected_sessions == 0

    async with running(TinyBot(sync="auto"), fake) as second:
        assert len(fake.identifies) == 2
        assert fake.identifies[0].session_id != fake.identifies[1].session_id
        assert fake.command_syncs == 1  # unchanged commands: no sync on restart
        channel = second.get_channel(first.channel_id)
        assert isinstance(channel, discord.TextChannel)
        old = await channel.fetch_message(first.id)
        assert old.attachments[0].filename == "baroque.ogg"
        assert await old.attachments[0].read() == CLIP
        # the persistent view of the old message still works in the new instance
        click = await fake.click(first, "tiny:again", user="bob")
        assert (await click.original()).content == "rendered again (1)"


def _bot_process_main(rest: str, gateway: str, token: str) -> None:
    """Entry point of the bot subprocess (see the test below)."""

    async def main() -> None:
        point_discord_at(rest, gateway)
        bot = TinyBot(sync="auto")

        async def announce() -> None:
            await bot.wait_until_ready()
            print("READY", flush=True)

        async with bot:
            announcer = asyncio.create_task(announce())
            await bot.start(token)
            announcer.cancel()

    asyncio.run(main())


async def test_killed_bot_process_is_replaced_while_fake_keeps_state(
    fake: FakeDiscord, log_guard: DiscordLogGuard
) -> None:
    code = (
        "import sys; from tests.test_fakediscord import _bot_process_main; "
        "_bot_process_main(*sys.argv[1:4])"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        fake.rest_base_url,
        fake.gateway_url,
        fake.world.bot_token,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=20)
        assert line.strip() == b"READY"
        handle = await fake.slash_command("render", {"style": "synthwave"})
        first = await handle.original()
        assert fake.command_syncs == 1
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    await fake.wait_until(lambda: fake.connected_sessions == 0 or None)

    async with running(TinyBot(sync="auto"), fake) as bot:
        assert len(fake.identifies) == 2 and fake.command_syncs == 1
        click = await fake.click(first, "tiny:again")
        assert (await click.original()).content == "rendered again (1)"
        assert bot.clicks == 1


async def test_command_store_rest(fake: FakeDiscord) -> None:
    app = fake.world.application_id
    guild = fake.world.guild.id
    base = f"{fake.rest_base_url}/applications/{app}/guilds/{guild}/commands"
    headers = {"Authorization": f"Bot {fake.world.bot_token}"}
    ping = {"name": "ping", "description": "Ping", "type": 1}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.put(base, json=[ping]) as resp:
            (first,) = await resp.json()
        async with session.put(base, json=[ping]) as resp:
            (same,) = await resp.json()
        assert same["id"] == first["id"] and same["version"] == first["version"]
        async with session.put(base, json=[{**ping, "description": "Pong"}]) as resp:
            (changed,) = await resp.json()
        assert changed["id"] == first["id"] and changed["version"] != first["version"]
        bad = {"name": "Bad Name", "description": "x"}
        async with session.put(base, json=[bad]) as resp:
            assert resp.status == 400 and (await resp.json())["code"] == 50035
        async with session.get(f"{fake.rest_base_url}/gateway/bot") as resp:
            assert (await resp.json())["url"] == fake.gateway_url
    assert fake.command_syncs == 3
    assert [c["description"] for c in fake.commands(guild)] == ["Pong"]
    assert fake.commands() == []


async def test_gateway_protocol_raw(fake: FakeDiscord) -> None:
    token = fake.world.bot_token
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(fake.gateway_url + "?v=10&encoding=json") as ws:
            hello = await ws.receive_json()
            assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
            await ws.send_json({"op": 1, "d": None})
            assert (await ws.receive_json())["op"] == 11
            await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 1, "properties": {}}})
            closed = await ws.receive()
            assert closed.type is aiohttp.WSMsgType.CLOSE and closed.data == 4004
        async with session.ws_connect(fake.gateway_url) as ws:
            await ws.receive_json()
            await ws.send_json({"op": 8, "d": {"guild_id": "1"}})
            assert (await ws.receive()).data == 4003  # not authenticated
        async with session.ws_connect(fake.gateway_url) as ws:
            await ws.receive_json()
            await ws.send_json({"op": 6, "d": {"token": token, "session_id": "nope", "seq": 3}})
            assert await ws.receive_json() == {"op": 9, "s": None, "t": None, "d": False}
            await ws.send_json({"op": 2, "d": {"token": token, "intents": 513, "properties": {}}})
            ready = await ws.receive_json()
            assert (ready["t"], ready["s"]) == ("READY", 1)
            creates = [await ws.receive_json() for _ in fake.world.guilds]
            assert [(c["t"], c["s"]) for c in creates] == [("GUILD_CREATE", 2), ("GUILD_CREATE", 3)]
            assert [m["user"]["id"] for m in creates[0]["d"]["members"]] == [
                str(fake.world.bot.id)  # no GUILD_MEMBERS intent: only the bot's member
            ]
            session_id = ready["d"]["session_id"]
            await ws.close(code=4000)  # not 1000/1001: the session stays resumable
        # events sent while disconnected are replayed on RESUME, after the client's seq
        await fake.wait_until(lambda: fake.connected_sessions == 0 or None)
        await fake.message("while you were away", author="bob")
        async with session.ws_connect(ready["d"]["resume_gateway_url"]) as ws:
            await ws.receive_json()
            await ws.send_json({"op": 6, "d": {"token": token, "session_id": session_id, "seq": 3}})
            replayed = await ws.receive_json()
            assert (replayed["t"], replayed["s"]) == ("MESSAGE_CREATE", 4)
            assert replayed["d"]["content"] == ""  # no MESSAGE_CONTENT intent
            assert (await ws.receive_json())["t"] == "RESUMED"
    assert fake.resumes == 1


async def test_privileged_intent_not_granted_closes_4014() -> None:
    intents = discord.Intents.default()
    intents.message_content = True
    async with serving(granted_privileged_intents=0) as fake:
        with pytest.raises(discord.PrivilegedIntentsRequired):
            async with running(TinyBot(intents=intents), fake):
                pass


@pytest.mark.expected_errors(r"Ignoring exception in command 'boom'")
async def test_log_guard_catches_errors_logged_by_the_client(fake: FakeDiscord) -> None:
    with DiscordLogGuard() as guard:
        async with running(TinyBot(), fake):
            await fake.slash_command("boom")
            await fake.wait_until(lambda: guard.records or None)
    assert "Ignoring exception in command 'boom'" in guard.formatted()[0]
    with pytest.raises(AssertionError, match="1 error"):
        guard.check()
