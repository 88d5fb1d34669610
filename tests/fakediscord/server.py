"""``FakeDiscord``: REST + gateway on 127.0.0.1 (ephemeral port), a configurable world, events a
test can send, and everything the bot did, recorded.

    async with FakeDiscord() as fake, pointed_at(fake.rest_base_url, fake.gateway_url):
        ...start the bot...
        handle = await fake.slash_command("compose", {"style": "jazz"})
        message = await handle.original()
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import web

from tests.fakediscord.components import component_data, modal_data
from tests.fakediscord.events import ChannelRef, EventFactory, GuildRef, Upload, UserRef
from tests.fakediscord.gateway import GatewayHub
from tests.fakediscord.handles import InteractionHandle, MessageHandle
from tests.fakediscord.messages import MessageOps
from tests.fakediscord.payloads import channel_payload
from tests.fakediscord.records import FakeMessage, IdentifyRecord, RecordedRequest
from tests.fakediscord.rest.channels import ChannelRoutes
from tests.fakediscord.rest.common import API_PREFIX, make_middleware
from tests.fakediscord.rest.interactions import InteractionRoutes
from tests.fakediscord.rest.meta import MetaRoutes
from tests.fakediscord.state import RateLimitRule, State, StoredMessage
from tests.fakediscord.world import FakeUser, MiB, Rules, World, default_world

__all__ = ["FakeDiscord"]

log = logging.getLogger(__name__)

JSON = dict[str, Any]
T = TypeVar("T")
MessageRef = FakeMessage | MessageHandle | int


class FakeDiscord:
    def __init__(
        self, world: World | None = None, rules: Rules | None = None, *, host: str = "127.0.0.1"
    ) -> None:
        self.world = world if world is not None else default_world()
        self.rules = rules if rules is not None else Rules()
        self._host = host
        self.state = State(self.world, self.rules)
        self._hub = GatewayHub(self.state)
        self._ops = MessageOps(self.state, self._hub)
        self._events = EventFactory(self.state, self._hub, self._ops)
        self._meta = MetaRoutes(self.state, self._hub)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(
            middlewares=[make_middleware(self.state)],
            client_max_size=max(2 * self.rules.max_request_bytes, 64 * MiB),
        )
        app.add_routes(self._meta.routes())
        app.add_routes(ChannelRoutes(self.state, self._hub, self._ops).routes())
        app.add_routes(InteractionRoutes(self.state, self._ops).routes())
        app.add_routes([web.get("/gateway", self._hub.handle)])
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://{self._host}:{port}"
        self.state.base_url = self.base_url
        self._hub.gateway_url = f"ws://{self._host}:{port}/gateway"
        log.debug("fake Discord listening on %s", self.base_url)

    async def stop(self) -> None:
        if self._runner is None:
            return
        await self._hub.close()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def rest_base_url(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return self._hub.gateway_url

    # -- recorded state ------------------------------------------------------------------------

    @property
    def requests(self) -> tuple[RecordedRequest, ...]:
        return tuple(self.state.requests)

    @property
    def internal_errors(self) -> list[str]:
        """Requests the fake itself failed on (answered 400 with the exception's repr)."""
        return list(self.state.internal_errors)

    @property
    def unrouted_requests(self) -> list[RecordedRequest]:
        """Requests to endpoints the fake does not implement (a bot bug, or a gap in the fake)."""
        not_found = {"message": "404: Not Found", "code": 0}
        return [r for r in self.state.requests if r.status == 404 and r.response == not_found]

    def requests_matching(self, method: str, path_regex: str) -> list[RecordedRequest]:
        pattern = re.compile(path_regex)
        return [r for r in self.state.requests if r.method == method and pattern.search(r.path)]

    async def wait_for(
        self, predicate: Callable[[RecordedRequest], bool], timeout_s: float = 5.0
    ) -> RecordedRequest:
        """The first recorded request (past or future) for which ``predicate`` holds."""

        def check() -> RecordedRequest | None:
            return next((r for r in self.state.requests if predicate(r)), None)

        def describe() -> str:
            recent = [f"{r.method} {r.path} -> {r.status}" for r in self.state.requests[-8:]]
            return f"a matching request; last requests: {recent}"

        return await self.state.changes.wait_until(check, timeout_s, describe)

    async def wait_until(
        self, check: Callable[[], T | None], timeout_s: float = 5.0, what: str = "a condition"
    ) -> T:
        """Re-run ``check`` on every change of the fake's state until it returns non-None."""
        return await self.state.changes.wait_until(check, timeout_s, lambda: what)

    def messages(self, channel: int, *, include_deleted: bool = False) -> list[FakeMessage]:
        """The channel's messages, oldest first (ephemeral ones included: check ``ephemeral``)."""
        ids = self.state.channel_messages.get(channel, [])
        return [
            self._ops.snapshot(self.state.messages[i])
            for i in ids
            if include_deleted or not self.state.messages[i].deleted
        ]

    def get_message(self, message_id: int) -> FakeMessage:
        return self._ops.snapshot(self.state.messages[message_id])

    async def wait_for_message(
        self, predicate: Callable[[FakeMessage], bool], timeout_s: float = 5.0
    ) -> FakeMessage:
        def check() -> FakeMessage | None:
            for message in self.state.messages.values():
                snapshot = self._ops.snapshot(message)
                if predicate(snapshot):
                    return snapshot
            return None

        return await self.state.changes.wait_until(check, timeout_s, lambda: "a matching message")

    def interaction_response(self, interaction: InteractionHandle | int) -> FakeMessage | None:
        """The original response of an interaction, as it is now (after edits)."""
        interaction_id = (
            interaction.id if isinstance(interaction, InteractionHandle) else interaction
        )
        record = self.state.interactions[interaction_id]
        message = self.state.messages.get(record.original_message_id or 0)
        return self._ops.snapshot(message) if message is not None else None

    def attachment_bytes(self, attachment_id: int) -> bytes:
        return self.state.attachments[attachment_id].data

    def commands(self, guild: int | None = None) -> list[JSON]:
        """The synced command tree (global, or one guild's)."""
        return list(self.state.commands.get(guild, {}).values())

    @property
    def command_syncs(self) -> int:
        """How many bulk overwrites (``PUT .../commands``) the bot made: ``tree.sync()`` calls."""
        return self.state.command_syncs

    @property
    def command_writes(self) -> int:
        """Every write to the command store (bulk overwrites, creates, edits, deletes)."""
        return self._meta.command_writes

    @property
    def identifies(self) -> tuple[IdentifyRecord, ...]:
        return tuple(self.state.identifies)

    @property
    def resumes(self) -> int:
        return self.state.resumes

    @property
    def connected_sessions(self) -> int:
        return len(self._hub.live_sessions)

    @property
    def presences(self) -> list[JSON]:
        return list(self._hub.presences)

    async def wait_until_connected(self, timeout_s: float = 5.0, *, identifies: int = 1) -> None:
        """Until at least ``identifies`` IDENTIFYs happened and a bot session is live."""

        def check() -> bool | None:
            ok = len(self.state.identifies) >= identifies and bool(self._hub.live_sessions)
            return True if ok else None

        await self.state.changes.wait_until(check, timeout_s, lambda: "a connected bot session")

    def channel(self, channel_id: int) -> JSON:
        return channel_payload(self.state, self.state.channels[channel_id])

    def threads(self, parent_id: int | None = None) -> list[JSON]:
        return [
            channel_payload(self.state, c)
            for c in self.state.channels.values()
            if c.is_thread and (parent_id is None or c.parent_id == parent_id)
        ]

    def dm_channel(self, user: UserRef) -> int:
        return self.state.dm_channel_for(self._events.user(user).id).id

    # -- platform controls ---------------------------------------------------------------------

    def inject_rate_limit(
        self,
        path_regex: str,
        retry_after_s: float,
        *,
        method: str | None = None,
        count: int = 1,
        is_global: bool = False,
    ) -> None:
        """The next ``count`` requests whose path (relative to /api/v10) matches get a 429."""
        self.state.rate_limits.append(
            RateLimitRule(re.compile(path_regex), method, retry_after_s, count, is_global)
        )

    def request_reconnect(self) -> None:
        self._hub.request_reconnect()

    def drop_connections(self, code: int = 4000) -> None:
        self._hub.drop_connections(code)

    def invalidate_sessions(self, *, resumable: bool = False) -> None:
        """Op 9.  Note: discord.py waits 5 s (its identify rate limit) before re-identifying."""
        self._hub.invalidate_sessions(resumable=resumable)

    # -- events --------------------------------------------------------------------------------

    def _handle(
        self, kind: int, name: str, data: JSON, ctx: Any, message: Any = None
    ) -> InteractionHandle:
        record = self._events.interaction(kind, name, data, ctx, message)
        return InteractionHandle(self.state, self._ops, record)

    async def slash_command(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user: UserRef | None = None,
        guild: GuildRef | None = None,
        channel: ChannelRef | None = None,
        dm: bool = False,
        subcommand: str | None = None,
    ) -> InteractionHandle:
        """A user runs ``/name [subcommand] options``.  Like Discord's client, refuses commands
        that were not synced, unknown/missing/invalid options, and commands the user may not
        see (``default_member_permissions``, ``contexts``).  ``user`` defaults to the world's
        first user (alice, an admin, in ``default_world``); ``channel`` to the guild's first
        text channel; ``dm=True`` runs it in the user's DM with the bot."""
        ctx = self._events.context(user, guild, channel, dm)
        data = self._events.command_data(name, dict(options or {}), subcommand, ctx)
        handle = self._handle(2, name, data, ctx)
        await asyncio.sleep(0)
        return handle

    async def autocomplete(
        self,
        name: str,
        options: dict[str, Any],
        *,
        focused: str,
        user: UserRef | None = None,
        guild: GuildRef | None = None,
        channel: ChannelRef | None = None,
        dm: bool = False,
        subcommand: str | None = None,
    ) -> InteractionHandle:
        """A user types into option ``focused``; ``await handle.choices()`` for the answer."""
        ctx = self._events.context(user, guild, channel, dm)
        data = self._events.command_data(name, dict(options), subcommand, ctx, focused=focused)
        handle = self._handle(4, name, data, ctx)
        await asyncio.sleep(0)
        return handle

    def _stored(self, message: MessageRef) -> StoredMessage:
        message_id = message if isinstance(message, int) else message.id
        stored = self.state.messages.get(message_id)
        if stored is None or stored.deleted:
            raise LookupError(f"no message {message_id} in the fake")
        return stored

    async def click(
        self, message: MessageRef, custom_id: str, *, user: UserRef | None = None
    ) -> InteractionHandle:
        """A user clicks the button ``custom_id`` on ``message``."""
        return await self.select(message, custom_id, None, user=user)

    async def select(
        self,
        message: MessageRef,
        custom_id: str,
        values: list[str] | None,
        *,
        user: UserRef | None = None,
    ) -> InteractionHandle:
        """A user picks ``values`` in the select menu ``custom_id`` on ``message``."""
        stored = self._stored(message)
        data = component_data(self._ops, stored, custom_id, values)
        ctx = self._events.context(user, None, stored.channel_id, False)
        handle = self._handle(3, custom_id, data, ctx, stored)
        await asyncio.sleep(0)
        return handle

    async def submit_modal(
        self,
        custom_id: str,
        values: dict[str, Any],
        *,
        user: UserRef | None = None,
        guild: GuildRef | None = None,
        channel: ChannelRef | None = None,
        dm: bool = False,
    ) -> InteractionHandle:
        """A user submits the modal ``custom_id`` (layout mirrored from the one the bot sent)."""
        ctx = self._events.context(user, guild, channel, dm)
        handle = self._handle(5, custom_id, modal_data(self.state, custom_id, values), ctx)
        await asyncio.sleep(0)
        return handle

    async def message(
        self,
        content: str,
        *,
        author: UserRef | None = None,
        channel: ChannelRef | None = None,
        guild: GuildRef | None = None,
        dm: bool = False,
        mentions: tuple[FakeUser | int, ...] | list[FakeUser | int] = (),
        reference: MessageRef | None = None,
        ping_reply: bool = True,
        attachments: tuple[Upload, ...] = (),
    ) -> MessageHandle:
        """A user posts a message (MESSAGE_CREATE).  ``mentions`` not written in ``content``
        are prefixed as ``<@id>``; a ``reference`` makes it a reply (pinging its author)."""
        if reference is not None and not dm and channel is None:
            channel = self._stored(reference).channel_id
        ctx = self._events.context(author, guild, channel, dm)
        mention_ids = tuple(m.id if isinstance(m, FakeUser) else int(m) for m in mentions)
        reference_id = None if reference is None else self._stored(reference).id
        stored = self._events.user_message(
            content,
            ctx,
            mentions=mention_ids,
            reference=reference_id,
            ping_reply=ping_reply,
            uploads=tuple(attachments),
        )
        await asyncio.sleep(0)
        return MessageHandle(self.state, self._ops, stored.id)

    async def react(
        self, message: MessageRef, emoji: str, *, user: UserRef | None = None, add: bool = True
    ) -> None:
        """A user adds (or removes) a unicode ``emoji`` reaction."""
        stored = self._stored(message)
        who = self._events.user(user)
        self._ops.react(stored, emoji, {"id": None, "name": emoji}, who.id, add=add)
        await asyncio.sleep(0)
