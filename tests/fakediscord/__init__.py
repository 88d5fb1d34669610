"""A fake Discord (REST + gateway on 127.0.0.1) that the real, unpatched discord.py client
connects to, for end-to-end tests of the bot.

    async with FakeDiscord(default_world(), Rules()) as fake:
        point_discord_at(fake.rest_base_url, fake.gateway_url)  # what the bot does from Settings
        ...start the bot with fake.world.bot_token...
        handle = await fake.slash_command("compose", {"style": "jazz"}, user="bob")
        message = await handle.original()          # after a defer: once filled
        click = await fake.click(message, "clip:again")
        reply = await (await fake.message("hi", mentions=[fake.world.bot])).reply()
        request = await fake.wait_for(lambda r: r.path.endswith("/typing"))

Modules: ``world`` (configuration and rules), ``server`` (``FakeDiscord``), ``gateway``,
``rest/`` (routes), ``messages`` (Discord's message rules), ``events`` and ``components`` (what
users do), ``handles``, ``records`` (frozen snapshots), ``client`` (pointing discord.py at it,
log guard), ``pytest_plugin`` (fixtures).
"""

from tests.fakediscord.client import DiscordLogGuard, point_discord_at, pointed_at
from tests.fakediscord.errors import ApiError
from tests.fakediscord.events import Upload
from tests.fakediscord.handles import InteractionHandle, MessageHandle
from tests.fakediscord.records import (
    CallbackRecord,
    FakeAttachment,
    FakeMessage,
    IdentifyRecord,
    RecordedFile,
    RecordedRequest,
)
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.snowflake import SnowflakeGenerator, snowflake_time
from tests.fakediscord.world import (
    ChannelType,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Intent,
    MiB,
    Permission,
    Rules,
    World,
    default_world,
)

__all__ = [
    "ApiError",
    "CallbackRecord",
    "ChannelType",
    "DiscordLogGuard",
    "FakeAttachment",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeMember",
    "FakeMessage",
    "FakeRole",
    "FakeUser",
    "IdentifyRecord",
    "Intent",
    "InteractionHandle",
    "MessageHandle",
    "MiB",
    "Permission",
    "RecordedFile",
    "RecordedRequest",
    "Rules",
    "SnowflakeGenerator",
    "Upload",
    "World",
    "default_world",
    "point_discord_at",
    "pointed_at",
    "snowflake_time",
]
