"""The fake's mutable state: channels (threads and DMs included), messages, attachments,
interactions, application commands, recorded requests.  It outlives bot connections, so a
restarted bot process finds what the previous one left."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tests.fakediscord.records import (
    CallbackRecord,
    FakeAttachment,
    FakeMessage,
    IdentifyRecord,
    RecordedFile,
    RecordedRequest,
)
from tests.fakediscord.snowflake import SnowflakeGenerator, iso_timestamp
from tests.fakediscord.world import ChannelType, FakeGuild, Rules, World

__all__ = [
    "Changes",
    "ChannelRecord",
    "InteractionRecord",
    "RateLimitRule",
    "State",
    "StoredAttachment",
    "StoredMessage",
]

log = logging.getLogger(__name__)

JSON = dict[str, Any]
T = TypeVar("T")
_POLL_S = 0.05


class Changes:
    """Wakes waiters whenever the state changes; ``wait_until`` re-checks a condition then (and
    every 50 ms, for conditions that also look at the bot's side)."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait_until(
        self, check: Callable[[], T | None], timeout_s: float, describe: Callable[[], str]
    ) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            result = check()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout_s:.1f} s waiting for {describe()}")
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:  # also re-check now and then: conditions may involve the bot's own state
                await asyncio.wait({waiter}, timeout=min(remaining, _POLL_S))
            finally:
                self._waiters.discard(waiter)
                if not waiter.done():
                    waiter.cancel()


@dataclass(slots=True)
class ChannelRecord:
    id: int
    type: int
    name: str | None
    guild_id: int | None
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    nsfw: bool = False
    recipient_ids: tuple[int, ...] = ()  # DM channels
    owner_id: int | None = None  # threads
    archived: bool = False
    auto_archive_duration: int = 1440
    invitable: bool = True
    created_at: str = field(default_factory=iso_timestamp)
    message_count: int = 0
    total_message_sent: int = 0
    last_message_id: int | None = None

    @property
    def is_thread(self) -> bool:
        return self.type in (ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD)


@dataclass(slots=True)
class StoredAttachment:
    id: int
    filename: str
    content_type: str
    data: bytes
    url: str
    description: str | None = None

    def snapshot(self) -> FakeAttachment:
        return FakeAttachment(
            self.id, self.filename, self.content_type, self.data, self.url, self.description
        )


@dataclass(slots=True)
class StoredMessage:
    id: int
    channel_id: int
    guild_id: int | None
    author_id: int
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    attachments: list[StoredAttachment] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    tts: bool = False
    timestamp: str = field(default_factory=iso_timestamp)
    edited_timestamp: str | None = None
    mention_ids: list[int] = field(default_factory=list)
    mention_role_ids: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    reference: JSON | None = None  # message_reference
    nonce: str | int | None = None
    interaction_id: int | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    thread_id: int | None = None  # a thread started from this message
    reactions: dict[str, set[int]] = field(default_factory=dict)  # emoji key -> user ids
    reaction_emoji: dict[str, JSON] = field(default_factory=dict)
    pinned: bool = False
    edits: int = 0
    deleted: bool = False

    @property
    def reference_id(self) -> int | None:
        if self.reference is None or self.reference.get("message_id") is None:
            return None
        return int(self.reference["message_id"])


@dataclass(slots=True)
class InteractionRecord:
    id: int
    token: str
    kind: int  # 1 ping, 2 application command, 3 component, 4 autocomplete, 5 modal submit
    name: str  # command name or custom_id
    user_id: int
    guild_id: int | None
    channel_id: int
    created_at_s: float
    payload: JSON
    source_message_id: int | None = None  # component interactions: the clicked message
    callbacks: list[CallbackRecord] = field(default_factory=list)
    original_message_id: int | None = None
    loading: bool = False
    followup_ids: list[int] = field(default_factory=list)

    @property
    def response_type(self) -> int | None:
        return self.callbacks[0].type if self.callbacks else None


@dataclass(slots=True)
class RateLimitRule:
    pattern: re.Pattern[str]
    method: str | None
    retry_after_s: float
    remaining: int
    is_global: bool

    def applies(self, method: str, path: str) -> bool:
        if self.remaining <= 0:
            return False
        if self.method is not None and self.method != method:
            return False
        return self.pattern.search(path) is not None


class State:
    """Everything the fake remembers.  Only the fake's own code mutates it, on the loop."""

    def __init__(self, world: World, rules: Rules) -> None:
        self.world = world
        self.rules = rules
        self.ids = SnowflakeGenerator()
        self.changes = Changes()
        self.base_url = ""  # http://127.0.0.1:PORT, set when the server starts
        self.channels: dict[int, ChannelRecord] = {}
        self.messages: dict[int, StoredMessage] = {}
        self.channel_messages: dict[int, list[int]] = {}
        self.attachments: dict[int, StoredAttachment] = {}
        self.interactions: dict[int, InteractionRecord] = {}
        self.interactions_by_token: dict[str, InteractionRecord] = {}
        self.commands: dict[int | None, dict[int, JSON]] = {}
        self.command_syncs = 0
        self.requests: list[RecordedRequest] = []
        self.identifies: list[IdentifyRecord] = []
        self.resumes = 0
        self.gateway_connections = 0
        self.rate_limits: list[RateLimitRule] = []
        self.nonces: dict[tuple[int, str], tuple[int, float]] = {}
        self.typing: list[tuple[int, float]] = []
        self.internal_errors: list[str] = []  # requests the fake itself failed on
        for guild in world.guilds:
            for channel in guild.channels:
                self.channels[channel.id] = ChannelRecord(
                    id=channel.id,
                    type=channel.type,
                    name=channel.name,
                    guild_id=guild.id,
                    position=channel.position,
                    topic=channel.topic,
                    parent_id=channel.parent_id,
                    nsfw=channel.nsfw,
                )

    # -- lookups -------------------------------------------------------------------------------

    def guild(self, guild_id: int | None) -> FakeGuild | None:
        return next((g for g in self.world.guilds if g.id == guild_id), None)

    def upload_limit_for(self, channel: ChannelRecord) -> int:
        guild = self.guild(channel.guild_id)
        return guild.upload_limit_bytes if guild is not None else self.rules.dm_upload_limit_bytes

    def dm_channel_for(self, user_id: int) -> ChannelRecord:
        """The bot's DM channel with ``user_id`` (created on first use, stable afterwards)."""
        for channel in self.channels.values():
            if channel.type == ChannelType.DM and channel.recipient_ids == (user_id,):
                return channel
        channel = ChannelRecord(
            id=self.ids.next(),
            type=ChannelType.DM,
            name=None,
            guild_id=None,
            recipient_ids=(user_id,),
        )
        self.channels[channel.id] = channel
        self.changes.notify()
        return channel

    def add_message(self, message: StoredMessage) -> None:
        self.messages[message.id] = message
        self.channel_messages.setdefault(message.channel_id, []).append(message.id)
        channel = self.channels.get(message.channel_id)
        if channel is not None:
            channel.last_message_id = message.id
            if channel.is_thread:
                channel.message_count += 1
                channel.total_message_sent += 1
        self.changes.notify()

    def add_attachment(
        self, channel_id: int, file: RecordedFile, filename: str, description: str | None
    ) -> StoredAttachment:
        attachment_id = self.ids.next()
        url = f"{self.base_url}/attachments/{channel_id}/{attachment_id}/{filename}"
        stored = StoredAttachment(
            attachment_id, filename, file.content_type, file.data, url, description
        )
        self.attachments[attachment_id] = stored
        return stored

    def snapshot(self, message: StoredMessage, payload: JSON) -> FakeMessage:
        return FakeMessage(
            id=message.id,
            channel_id=message.channel_id,
            guild_id=message.guild_id,
            author_id=message.author_id,
            content=message.content,
            embeds=tuple(message.embeds),
            components=tuple(message.components),
            attachments=tuple(a.snapshot() for a in message.attachments),
            flags=message.flags,
            type=message.type,
            edits=message.edits,
            deleted=message.deleted,
            reference_id=message.reference_id,
            interaction_id=message.interaction_id,
            payload=payload,
        )
