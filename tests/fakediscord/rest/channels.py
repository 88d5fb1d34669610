"""Channel routes: messages (create with nonce dedupe, history, edit, delete), threads, reactions,
typing, DM channels, and the attachment downloads (served by the fake, outside ``/api``)."""

from __future__ import annotations

import asyncio
import urllib.parse
from typing import Any

from aiohttp import web

from tests.fakediscord.errors import ApiError, form_error
from tests.fakediscord.gateway import GatewayHub
from tests.fakediscord.messages import EPHEMERAL, MessageOps
from tests.fakediscord.payloads import channel_payload, user_payload
from tests.fakediscord.rest.common import API_PREFIX, body_of, json_response, no_content
from tests.fakediscord.snowflake import iso_timestamp
from tests.fakediscord.state import ChannelRecord, State, StoredMessage
from tests.fakediscord.world import ChannelType, Intent

__all__ = ["ChannelRoutes"]

JSON = dict[str, Any]


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise form_error("id", "NUMBER_TYPE_COERCE", f"Value {value!r} is not snowflake.") from None


class ChannelRoutes:
    def __init__(self, state: State, hub: GatewayHub, ops: MessageOps) -> None:
        self._state = state
        self._hub = hub
        self._ops = ops

    def routes(self) -> list[web.RouteDef]:
        p = API_PREFIX + "/channels/{channel_id}"
        m = p + "/messages/{message_id}"
        return [
            web.get(p, self.get_channel),
            web.get(p + "/messages", self.history),
            web.post(p + "/messages", self.create_message),
            web.get(m, self.get_message),
            web.patch(m, self.edit_message),
            web.delete(m, self.delete_message),
            web.post(p + "/typing", self.typing),
            web.post(p + "/threads", self.create_thread),
            web.post(m + "/threads", self.create_thread_from_message),
            web.put(m + "/reactions/{emoji}/@me", self.add_reaction),
            web.delete(m + "/reactions/{emoji}/{user}", self.remove_reaction),
            web.get(m + "/reactions/{emoji}", self.reaction_users),
            web.post(API_PREFIX + "/users/@me/channels", self.open_dm),
            web.get("/attachments/{channel_id}/{attachment_id}/{filename}", self.download),
        ]

    # -- helpers -------------------------------------------------------------------------------

    def _channel(self, request: web.Request) -> ChannelRecord:
        channel = self._state.channels.get(_int(request.match_info["channel_id"]))
        if channel is None:
            raise ApiError.unknown_channel()
        return channel

    def _message(self, request: web.Request, channel: ChannelRecord) -> StoredMessage:
        message = self._state.messages.get(_int(request.match_info["message_id"]))
        if message is None or message.deleted or message.channel_id != channel.id:
            raise ApiError.unknown_message()
        if message.flags & EPHEMERAL:  # only the interaction webhook can see ephemeral messages
            raise ApiError.unknown_message()
        return message

    def _check_can_send(self, channel: ChannelRecord) -> None:
        if channel.type == ChannelType.DM:
            world = self._state.world
            recipient = channel.recipient_ids[0]
            shares = any(
                g.member(recipient) is not None and g.member(world.bot.id) is not None
                for g in world.guilds
            )
            if not shares:
                raise ApiError.cannot_dm()
        elif channel.type in (ChannelType.GUILD_CATEGORY, ChannelType.GUILD_FORUM):
            raise ApiError(400, 50008, "Cannot send messages in a non-text channel")

    # -- channels and messages -----------------------------------------------------------------

    async def get_channel(self, request: web.Request) -> web.Response:
        return json_response(channel_payload(self._state, self._channel(request)))

    async def history(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        limit = int(request.query.get("limit", "50"))
        if not 1 <= limit <= 100:
            raise form_error("limit", "NUMBER_TYPE_MAX", "int value should be <= 100 and >= 1.")
        ids = [
            i
            for i in self._state.channel_messages.get(channel.id, [])
            if not self._state.messages[i].deleted and not self._state.messages[i].flags & EPHEMERAL
        ]
        if "before" in request.query:
            ids = [i for i in ids if i < int(request.query["before"])][-limit:]
        elif "after" in request.query:
            ids = [i for i in ids if i > int(request.query["after"])][:limit]
        elif "around" in request.query:
            around = int(request.query["around"])
            older = [i for i in ids if i <= around][-((limit + 1) // 2) :]
            newer = [i for i in ids if i > around][: limit - len(older)]
            ids = older + newer
        else:
            ids = ids[-limit:]
        ids.sort(reverse=True)
        return json_response([self._ops.payload(self._state.messages[i]) for i in ids])

    async def create_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        self._check_can_send(channel)
        body = body_of(request)
        data = body.data
        nonce = data.get("nonce")
        now = asyncio.get_running_loop().time()
        key = (channel.id, str(nonce))
        if nonce is not None and data.get("enforce_nonce") and key in self._state.nonces:
            message_id, at = self._state.nonces[key]
            if now - at <= self._state.rules.nonce_window_s:
                return json_response(self._ops.payload(self._state.messages[message_id]))
        limit = self._state.upload_limit_for(channel)
        self._ops.validate(data, body.files, upload_limit=limit, creating=True)
        message = self._ops.create(channel, self._state.world.bot.id, data, body.files)
        if nonce is not None:
            self._state.nonces[key] = (message.id, now)
        return json_response(self._ops.payload(message))

    async def get_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        return json_response(self._ops.payload(self._message(request, channel)))

    async def edit_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        message = self._message(request, channel)
        if message.author_id != self._state.world.bot.id:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        body = body_of(request)
        limit = self._state.upload_limit_for(channel)
        self._ops.validate(body.data, body.files, upload_limit=limit, creating=False)
        return json_response(self._ops.payload(self._ops.edit(message, body.data, body.files)))

    async def delete_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        self._ops.delete(self._message(request, channel))
        return no_content()

    async def typing(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        self._state.typing.append((channel.id, asyncio.get_running_loop().time()))
        return no_content()

    # -- threads -------------------------------------------------------------------------------

    def _new_thread(
        self, parent: ChannelRecord, thread_id: int, data: JSON, kind: int
    ) -> ChannelRecord:
        if parent.guild_id is None or parent.type not in (
            ChannelType.GUILD_TEXT,
            ChannelType.GUILD_ANNOUNCEMENT,
        ):
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        name = str(data.get("name") or "")
        if not 1 <= len(name) <= 100:
            raise form_error("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        thread = ChannelRecord(
            id=thread_id,
            type=kind,
            name=name,
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=self._state.world.bot.id,
            auto_archive_duration=int(data.get("auto_archive_duration") or 1440),
            invitable=bool(data.get("invitable", True)),
        )
        self._state.channels[thread.id] = thread
        payload = channel_payload(self._state, thread)
        event = {
            **payload,
            "newly_created": True,
            "member": {
                "id": str(thread.id),
                "user_id": str(self._state.world.bot.id),
                "join_timestamp": iso_timestamp(),
                "flags": 1,
            },
        }
        self._hub.dispatch("THREAD_CREATE", event, intents_any=int(Intent.GUILDS))
        return thread

    async def create_thread(self, request: web.Request) -> web.Response:
        parent = self._channel(request)
        data = body_of(request).data
        kind = int(data.get("type") or ChannelType.PRIVATE_THREAD)
        if kind not in (ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD):
            raise form_error("type", "BASE_TYPE_CHOICES", "Value must be one of {11, 12}.")
        thread = self._new_thread(parent, self._state.ids.next(), data, kind)
        return json_response(channel_payload(self._state, thread), 201)

    async def create_thread_from_message(self, request: web.Request) -> web.Response:
        parent = self._channel(request)
        message = self._message(request, parent)
        if message.thread_id is not None:
            raise ApiError(400, 160004, "A thread has already been created for this message")
        thread = self._new_thread(
            parent, message.id, body_of(request).data, ChannelType.PUBLIC_THREAD
        )
        message.thread_id = thread.id
        self._state.changes.notify()
        return json_response(channel_payload(self._state, thread), 201)

    # -- reactions -----------------------------------------------------------------------------

    def _emoji(self, request: web.Request) -> tuple[str, JSON]:
        raw = urllib.parse.unquote(request.match_info["emoji"])
        if ":" in raw:
            name, _, emoji_id = raw.partition(":")
            return raw, {"id": emoji_id, "name": name, "animated": False}
        return raw, {"id": None, "name": raw}

    async def add_reaction(self, request: web.Request) -> web.Response:
        message = self._message(request, self._channel(request))
        key, emoji = self._emoji(request)
        self._ops.react(message, key, emoji, self._state.world.bot.id, add=True)
        return no_content()

    async def remove_reaction(self, request: web.Request) -> web.Response:
        message = self._message(request, self._channel(request))
        key, emoji = self._emoji(request)
        raw_user = request.match_info["user"]
        user_id = self._state.world.bot.id if raw_user == "@me" else _int(raw_user)
        self._ops.react(message, key, emoji, user_id, add=False)
        return no_content()

    async def reaction_users(self, request: web.Request) -> web.Response:
        message = self._message(request, self._channel(request))
        key, _ = self._emoji(request)
        users = sorted(message.reactions.get(key, set()))
        return json_response([user_payload(self._state.world.user(u)) for u in users])

    # -- DMs and downloads ---------------------------------------------------------------------

    async def open_dm(self, request: web.Request) -> web.Response:
        data = body_of(request).data
        try:
            user = self._state.world.user(int(data.get("recipient_id") or 0))
        except (LookupError, ValueError):
            raise ApiError.unknown_user() from None
        return json_response(channel_payload(self._state, self._state.dm_channel_for(user.id)))

    async def download(self, request: web.Request) -> web.Response:
        attachment = self._state.attachments.get(_int(request.match_info["attachment_id"]))
        if attachment is None or attachment.filename != request.match_info["filename"]:
            raise ApiError.not_found()
        return web.Response(body=attachment.data, headers={"Content-Type": attachment.content_type})
