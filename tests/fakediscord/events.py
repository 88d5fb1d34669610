"""Things users do, turned into gateway events: slash commands (with typed options checked
against the synced command tree), autocomplete, component clicks, modal submits, messages and
reactions.  Like the real Discord client, the fake refuses what a user could not send."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from typing import Any

from tests.fakediscord.gateway import GatewayHub
from tests.fakediscord.messages import MessageOps
from tests.fakediscord.payloads import (
    attachment_payload,
    channel_payload,
    member_payload,
    role_payload,
    user_payload,
)
from tests.fakediscord.records import RecordedFile
from tests.fakediscord.state import ChannelRecord, InteractionRecord, State, StoredMessage
from tests.fakediscord.world import (
    ALL_PERMISSIONS,
    ChannelType,
    FakeChannel,
    FakeGuild,
    FakeRole,
    FakeUser,
    Permission,
)

__all__ = ["EventFactory", "Upload"]

JSON = dict[str, Any]
UserRef = FakeUser | int | str
ChannelRef = FakeChannel | int | str
GuildRef = FakeGuild | int | str
DM_APP_PERMISSIONS = int(
    Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.ADD_REACTIONS
)


@dataclass(frozen=True, slots=True)
class Upload:
    """A file a user attaches (to a message, or to a slash command's attachment option)."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Context:
    user: FakeUser
    guild: FakeGuild | None
    channel: ChannelRecord


class EventFactory:
    def __init__(self, state: State, hub: GatewayHub, ops: MessageOps) -> None:
        self._state = state
        self._hub = hub
        self._ops = ops

    # -- context -------------------------------------------------------------------------------

    def user(self, ref: UserRef | None) -> FakeUser:
        if ref is None:
            return self._state.world.users[0]
        return self._state.world.user(ref.id if isinstance(ref, FakeUser) else ref)

    def context(
        self, user: UserRef | None, guild: GuildRef | None, channel: ChannelRef | None, dm: bool
    ) -> Context:
        who = self.user(user)
        if dm:
            return Context(who, None, self._state.dm_channel_for(who.id))
        world = self._state.world
        record: ChannelRecord | None = None
        if isinstance(channel, FakeChannel | int):
            record = self._state.channels.get(
                channel.id if isinstance(channel, FakeChannel) else channel
            )
        elif isinstance(channel, str):
            candidates = [c for c in self._state.channels.values() if c.name == channel]
            if guild is not None:
                gid = world.guild_by(guild.id if isinstance(guild, FakeGuild) else guild).id
                candidates = [c for c in candidates if c.guild_id == gid]
            record = candidates[0] if candidates else None
        else:
            target = (
                world.guild
                if guild is None
                else world.guild_by(guild.id if isinstance(guild, FakeGuild) else guild)
            )
            record = self._state.channels[target.text_channels[0].id]
        if record is None:
            raise LookupError(f"no channel {channel!r} in the fake")
        if record.type == ChannelType.DM:
            return Context(who, None, record)
        found = self._state.guild(record.guild_id)
        if found is None or found.member(who.id) is None:
            raise LookupError(f"user {who.username!r} is not a member of the channel's guild")
        return Context(who, found, record)

    # -- interactions --------------------------------------------------------------------------

    def interaction(
        self, kind: int, name: str, data: JSON, ctx: Context, message: StoredMessage | None = None
    ) -> InteractionRecord:
        if not self._hub.valid_sessions:
            raise RuntimeError("no bot session on the fake gateway (connected or resumable)")
        state = self._state
        interaction_id = state.ids.next()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)
        payload: JSON = {
            "id": str(interaction_id),
            "application_id": str(state.world.application_id),
            "type": kind,
            "token": token,
            "version": 1,
            "data": data,
            "channel_id": str(ctx.channel.id),
            "locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": state.upload_limit_for(ctx.channel),
        }
        if ctx.guild is not None:
            member = ctx.guild.member(ctx.user.id)
            assert member is not None
            permissions = ctx.guild.permissions_of(ctx.user.id)
            payload["guild_id"] = str(ctx.guild.id)
            payload["guild"] = {
                "id": str(ctx.guild.id),
                "locale": ctx.guild.locale,
                "features": list(ctx.guild.features),
            }
            payload["guild_locale"] = ctx.guild.locale
            payload["member"] = {
                **member_payload(state, ctx.guild, member),
                "permissions": str(permissions),
            }
            payload["channel"] = channel_payload(state, ctx.channel, permissions=permissions)
            payload["app_permissions"] = str(ctx.guild.permissions_of(state.world.bot.id))
            payload["authorizing_integration_owners"] = {"0": str(ctx.guild.id)}
            payload["context"] = 0
        else:
            payload["user"] = user_payload(ctx.user)
            payload["channel"] = channel_payload(state, ctx.channel, permissions=DM_APP_PERMISSIONS)
            payload["app_permissions"] = str(DM_APP_PERMISSIONS)
            payload["authorizing_integration_owners"] = {"0": "0"}
            payload["context"] = 1
        if message is not None:
            payload["message"] = self._ops.payload(message)
        record = InteractionRecord(
            id=interaction_id,
            token=token,
            kind=kind,
            name=name,
            user_id=ctx.user.id,
            guild_id=ctx.guild.id if ctx.guild else None,
            channel_id=ctx.channel.id,
            created_at_s=asyncio.get_running_loop().time(),
            payload=payload,
            source_message_id=message.id if message is not None else None,
        )
        state.interactions[interaction_id] = record
        state.interactions_by_token[token] = record
        self._hub.dispatch("INTERACTION_CREATE", payload)
        return record

    def find_command(self, name: str, ctx: Context) -> JSON:
        """The synced command a user's client would offer here, or an error saying why not."""
        guild = ctx.guild
        scopes: list[int | None] = ([guild.id] if guild is not None else []) + [None]
        command = next(
            (
                c
                for scope in scopes
                for c in self._state.commands.get(scope, {}).values()
                if c["name"] == name and c["type"] == 1
            ),
            None,
        )
        if command is None:
            known = sorted(
                c["name"] for s in scopes for c in self._state.commands.get(s, {}).values()
            )
            raise LookupError(f"/{name} is not a registered command here (registered: {known})")
        contexts = command.get("contexts")
        context = 0 if guild is not None else 1
        if (contexts is not None and context not in contexts) or (
            guild is None and command.get("dm_permission") is False
        ):
            raise LookupError(f"/{name} is not available in this context ({context})")
        required = command.get("default_member_permissions")
        if guild is not None and required is not None:
            have = guild.permissions_of(ctx.user.id)
            if int(required) & ~have or (int(required) == 0 and have != ALL_PERMISSIONS):
                raise PermissionError(f"{ctx.user.username} lacks the permissions to use /{name}")
        return command

    def command_data(
        self,
        name: str,
        options: dict[str, Any],
        subcommand: str | None,
        ctx: Context,
        focused: str | None = None,
    ) -> JSON:
        command = self.find_command(name, ctx)
        level: list[JSON] = list(command.get("options") or [])
        chain: list[JSON] = []
        for part in (subcommand or "").split():
            found = next(
                (o for o in level if o.get("name") == part and o.get("type") in (1, 2)), None
            )
            if found is None:
                raise LookupError(f"/{name} has no subcommand {subcommand!r}")
            chain.append(found)
            level = list(found.get("options") or [])
        if any(o.get("type") in (1, 2) for o in level):
            raise ValueError(f"/{name} {subcommand or ''}: choose a subcommand")
        resolved: JSON = {}
        built = self._options(level, options, resolved, ctx, focused)
        for found in reversed(chain):
            built = [{"type": found["type"], "name": found["name"], "options": built}]
        data: JSON = {"id": command["id"], "name": name, "type": 1, "options": built}
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    def _options(
        self,
        schema: list[JSON],
        given: dict[str, Any],
        resolved: JSON,
        ctx: Context,
        focused: str | None,
    ) -> list[JSON]:
        by_name = {o["name"]: o for o in schema if o.get("type") not in (1, 2)}
        for key in given:
            if key not in by_name:
                raise LookupError(f"unknown option {key!r} (options: {sorted(by_name)})")
        result = []
        for option in schema:
            name = option["name"]
            if name not in given:
                if option.get("required") and focused is None:
                    raise ValueError(f"option {name!r} is required")
                continue
            if name == focused:
                result.append(
                    {
                        "name": name,
                        "type": option["type"],
                        "value": str(given[name]),
                        "focused": True,
                    }
                )
                continue
            value = self._value(option, given[name], resolved, ctx)
            result.append({"name": name, "type": option["type"], "value": value})
        return result

    def _value(self, option: JSON, raw: Any, resolved: JSON, ctx: Context) -> Any:
        kind, name = option["type"], option["name"]
        value: Any
        if kind == 3:
            value = str(raw)
            if not option.get("min_length", 0) <= len(value) <= option.get("max_length", 6000):
                raise ValueError(f"option {name!r}: length out of range")
        elif kind in (4, 10):
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise ValueError(f"option {name!r} must be a number")
            value = int(raw) if kind == 4 else float(raw)
            if kind == 4 and value != raw:
                raise ValueError(f"option {name!r} must be an integer")
            if "min_value" in option and value < option["min_value"]:
                raise ValueError(f"option {name!r} must be >= {option['min_value']}")
            if "max_value" in option and value > option["max_value"]:
                raise ValueError(f"option {name!r} must be <= {option['max_value']}")
        elif kind == 5:
            value = bool(raw)
        elif kind in (6, 9) and not isinstance(raw, FakeRole):
            user = self.user(raw)
            resolved.setdefault("users", {})[str(user.id)] = user_payload(user)
            member = ctx.guild.member(user.id) if ctx.guild else None
            if ctx.guild is not None and member is not None:
                resolved.setdefault("members", {})[str(user.id)] = {
                    **member_payload(self._state, ctx.guild, member, with_user=False),
                    "permissions": str(ctx.guild.permissions_of(user.id)),
                }
            value = str(user.id)
        elif kind in (8, 9):
            if ctx.guild is None:
                raise ValueError(f"option {name!r}: roles exist only in guilds")
            role_id = raw.id if isinstance(raw, FakeRole) else int(raw)
            role = ctx.guild.role(role_id)
            if role is None:
                raise LookupError(f"option {name!r}: no role {raw!r}")
            resolved.setdefault("roles", {})[str(role.id)] = role_payload(role)
            value = str(role.id)
        elif kind == 7:
            channel = self.context(ctx.user, ctx.guild, raw, dm=False).channel
            perms = ctx.guild.permissions_of(ctx.user.id) if ctx.guild else 0
            resolved.setdefault("channels", {})[str(channel.id)] = channel_payload(
                self._state, channel, permissions=perms
            )
            value = str(channel.id)
        elif kind == 11:
            if not isinstance(raw, Upload):
                raise ValueError(f"option {name!r} needs an Upload")
            if len(raw.data) > self._state.upload_limit_for(ctx.channel):
                raise ValueError(f"option {name!r}: the file is over the upload limit")
            stored = self._state.add_attachment(
                ctx.channel.id,
                RecordedFile("file", raw.filename, raw.content_type, raw.data),
                raw.filename,
                None,
            )
            resolved.setdefault("attachments", {})[str(stored.id)] = attachment_payload(stored)
            value = str(stored.id)
        else:
            raise ValueError(f"option {name!r} has unsupported type {kind}")
        choices = option.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise ValueError(f"option {name!r}: {value!r} is not one of the choices")
        return value

    # -- user messages -------------------------------------------------------------------------

    def user_message(
        self,
        content: str,
        ctx: Context,
        *,
        mentions: tuple[int, ...],
        reference: int | None,
        ping_reply: bool,
        uploads: tuple[Upload, ...],
    ) -> StoredMessage:
        if not self._hub.valid_sessions:
            raise RuntimeError("no bot session on the fake gateway (connected or resumable)")
        for user_id in mentions:
            markup = f"<@{user_id}>"
            if markup not in content and f"<@!{user_id}>" not in content:
                content = f"{markup} {content}"
        body: JSON = {"content": content}
        if reference is not None:
            body["message_reference"] = {"message_id": str(reference), "fail_if_not_exists": True}
            if not ping_reply:
                body["allowed_mentions"] = {
                    "parse": ["users", "roles", "everyone"],
                    "replied_user": False,
                }
        files = tuple(
            RecordedFile(f"files[{i}]", u.filename, u.content_type, u.data)
            for i, u in enumerate(uploads)
        )
        limit = self._state.upload_limit_for(ctx.channel)
        self._ops.validate(body, files, upload_limit=limit, creating=True)
        return self._ops.create(ctx.channel, ctx.user.id, body, files, explicit_mentions=mentions)
