"""The configured world the fake serves: application, bot user, guilds, channels, roles, members,
and the platform rules it enforces.  All frozen: the mutable, recorded state lives in ``state``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntFlag

from tests.fakediscord.snowflake import DISCORD_EPOCH_MS

__all__ = [
    "ALL_PERMISSIONS",
    "DEFAULT_MEMBER_PERMISSIONS",
    "PRIVILEGED_INTENTS",
    "ChannelType",
    "FakeChannel",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "Intent",
    "MiB",
    "Permission",
    "Rules",
    "World",
    "default_world",
    "tier_upload_limit",
]

MiB = 1024 * 1024


class Permission(IntFlag):
    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38


ALL_PERMISSIONS = (1 << 53) - 1
DEFAULT_MEMBER_PERMISSIONS = int(
    Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.ADD_REACTIONS
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.USE_APPLICATION_COMMANDS
    | Permission.CREATE_PUBLIC_THREADS
    | Permission.SEND_MESSAGES_IN_THREADS
    | Permission.CREATE_INSTANT_INVITE
)


class Intent(IntFlag):
    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    GUILD_PRESENCES = 1 << 8
    MESSAGE_CONTENT = 1 << 15


PRIVILEGED_INTENTS = int(Intent.GUILD_MEMBERS | Intent.GUILD_PRESENCES | Intent.MESSAGE_CONTENT)


class ChannelType:
    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GUILD_CATEGORY = 4
    GUILD_ANNOUNCEMENT = 5
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    GUILD_FORUM = 15


def tier_upload_limit(premium_tier: int) -> int:
    """Discord's per-file upload limit for a guild boost tier."""
    return {0: 10 * MiB, 1: 10 * MiB, 2: 50 * MiB, 3: 100 * MiB}[premium_tier]


@dataclass(frozen=True, slots=True)
class FakeUser:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    avatar: str | None = None

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass(frozen=True, slots=True)
class FakeRole:
    id: int
    name: str
    permissions: int = 0
    position: int = 1
    color: int = 0
    hoist: bool = False
    mentionable: bool = False


@dataclass(frozen=True, slots=True)
class FakeChannel:
    id: int
    name: str
    type: int = ChannelType.GUILD_TEXT
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    nsfw: bool = False


@dataclass(frozen=True, slots=True)
class FakeMember:
    user_id: int
    role_ids: tuple[int, ...] = ()
    nick: str | None = None
    joined_at: dt.datetime = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class FakeGuild:
    id: int
    name: str
    owner_id: int
    channels: tuple[FakeChannel, ...] = ()
    roles: tuple[FakeRole, ...] = ()  # the @everyone role (id == guild id) is added by the fake
    members: tuple[FakeMember, ...] = ()
    everyone_permissions: int = DEFAULT_MEMBER_PERMISSIONS
    premium_tier: int = 0
    upload_limit_override_bytes: int | None = None  # tests shrink it; else from the boost tier
    locale: str = "en-US"
    features: tuple[str, ...] = ()

    @property
    def upload_limit_bytes(self) -> int:
        if self.upload_limit_override_bytes is not None:
            return self.upload_limit_override_bytes
        return tier_upload_limit(self.premium_tier)

    def member(self, user_id: int) -> FakeMember | None:
        return next((m for m in self.members if m.user_id == user_id), None)

    def role(self, role_id: int) -> FakeRole | None:
        return next((r for r in self.roles if r.id == role_id), None)

    def permissions_of(self, user_id: int) -> int:
        """Guild-level permissions (no channel overwrites), as Discord computes them."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.member(user_id)
        if member is None:
            return 0
        value = self.everyone_permissions
        for role_id in member.role_ids:
            role = self.role(role_id)
            if role is not None:
                value |= role.permissions
        return ALL_PERMISSIONS if value & Permission.ADMINISTRATOR else value

    def channel(self, name: str) -> FakeChannel:
        for channel in self.channels:
            if channel.name == name:
                return channel
        raise LookupError(f"guild {self.name!r} has no channel named {name!r}")

    @property
    def text_channels(self) -> tuple[FakeChannel, ...]:
        return tuple(c for c in self.channels if c.type == ChannelType.GUILD_TEXT)


@dataclass(frozen=True, slots=True)
class Rules:
    """Platform rules the fake enforces; tests shrink them to exercise the bot's handling."""

    interaction_response_deadline_s: float = 3.0
    interaction_token_ttl_s: float = 15 * 60.0
    dm_upload_limit_bytes: int = 10 * MiB
    max_content_chars: int = 2000
    max_files_per_message: int = 10
    max_request_bytes: int = 25 * MiB
    max_embeds_per_message: int = 10
    nonce_window_s: float = 120.0
    heartbeat_interval_ms: int = 41_250


@dataclass(frozen=True, slots=True)
class World:
    application_id: int
    bot: FakeUser
    owner: FakeUser
    users: tuple[FakeUser, ...]
    guilds: tuple[FakeGuild, ...]
    bot_token: str = "fake-bot-token"
    application_name: str = "Composer"
    granted_privileged_intents: int = PRIVILEGED_INTENTS

    @property
    def guild(self) -> FakeGuild:
        """The first (main) guild."""
        return self.guilds[0]

    def user(self, name_or_id: str | int) -> FakeUser:
        for user in (self.bot, self.owner, *self.users):
            if user.id == name_or_id or user.username == name_or_id:
                return user
        raise LookupError(f"no user {name_or_id!r} in the fake world")

    def guild_by(self, name_or_id: str | int) -> FakeGuild:
        for guild in self.guilds:
            if guild.id == name_or_id or guild.name == name_or_id:
                return guild
        raise LookupError(f"no guild {name_or_id!r} in the fake world")

    def all_users(self) -> Iterable[FakeUser]:
        yield self.bot
        yield self.owner
        yield from (u for u in self.users if u.id != self.owner.id)


def _ids(start_ms: int) -> Iterable[int]:
    """Deterministic, realistic-looking snowflakes for the default world."""
    n = 0
    while True:
        yield ((start_ms - DISCORD_EPOCH_MS) << 22) | (1 << 17) | n
        n += 1


def default_world(
    *,
    premium_tier: int = 0,
    upload_limit_override_bytes: int | None = None,
    granted_privileged_intents: int = PRIVILEGED_INTENTS,
) -> World:
    """A small world: the bot, an admin (MANAGE_GUILD), two members, one guild with #general and
    #music, a second small guild, and a user who shares no guild (DM only)."""
    ids = iter(_ids(1_704_067_200_000))  # 2024-01-01
    app_id = next(ids)
    bot = FakeUser(app_id, "composer", global_name="Composer", bot=True)
    admin = FakeUser(next(ids), "alice", global_name="Alice")
    member = FakeUser(next(ids), "bob", global_name="Bob")
    other = FakeUser(next(ids), "carol", global_name="Carol")
    stranger = FakeUser(next(ids), "dave", global_name="Dave")
    owner = FakeUser(next(ids), "olivia", global_name="Olivia")
    guild_id = next(ids)
    admin_role = FakeRole(next(ids), "Admins", int(Permission.MANAGE_GUILD), position=2)
    musician_role = FakeRole(next(ids), "Musicians", 0, position=1)
    general = FakeChannel(next(ids), "general", position=0)
    music = FakeChannel(next(ids), "music", position=1, topic="share your songs")
    guild = FakeGuild(
        id=guild_id,
        name="Composer Lab",
        owner_id=owner.id,
        channels=(general, music),
        roles=(admin_role, musician_role),
        members=(
            FakeMember(bot.id),
            FakeMember(owner.id),
            FakeMember(admin.id, (admin_role.id,)),
            FakeMember(member.id, (musician_role.id,)),
            FakeMember(other.id),
        ),
        premium_tier=premium_tier,
        upload_limit_override_bytes=upload_limit_override_bytes,
    )
    small_id = next(ids)
    small = FakeGuild(
        id=small_id,
        name="Garage Band",
        owner_id=admin.id,
        channels=(FakeChannel(next(ids), "jam"),),
        members=(FakeMember(bot.id), FakeMember(admin.id), FakeMember(member.id)),
    )
    return World(
        application_id=app_id,
        bot=bot,
        owner=owner,
        users=(admin, member, other, stranger, owner),
        guilds=(guild, small),
        granted_privileged_intents=granted_privileged_intents,
    )
