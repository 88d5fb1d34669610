"""Identity and application routes: users, the application, the gateway URL, guilds, and the
application command store (global and per guild), with Discord's validation and stable ids."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from tests.fakediscord.errors import ApiError, form_error
from tests.fakediscord.gateway import GatewayHub
from tests.fakediscord.payloads import (
    application_payload,
    channel_payload,
    guild_payload,
    member_payload,
    user_payload,
)
from tests.fakediscord.rest.common import API_PREFIX, body_of, json_response, no_content
from tests.fakediscord.state import State
from tests.fakediscord.world import FakeGuild

__all__ = ["MetaRoutes"]

JSON = dict[str, Any]
_NAME = re.compile(r"^[-_'\w]{1,32}$")
_GATEWAY_ONLY = (
    "members",
    "channels",
    "threads",
    "presences",
    "voice_states",
    "joined_at",
    "large",
    "lazy",
    "member_count",
    "unavailable",
    "stage_instances",
    "guild_scheduled_events",
    "soundboard_sounds",
)
_COMPARED = (
    "type",
    "name",
    "description",
    "options",
    "default_member_permissions",
    "dm_permission",
    "contexts",
    "integration_types",
    "nsfw",
    "name_localizations",
    "description_localizations",
)


def _validate_option(path: str, option: JSON) -> None:
    name = str(option.get("name") or "")
    if not _NAME.match(name) or name != name.lower():
        raise form_error(
            f"{path}.name", "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name!r}"
        )
    if not 1 <= len(str(option.get("description") or "")) <= 100:
        raise form_error(
            f"{path}.description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
        )
    if len(option.get("choices") or []) > 25:
        raise form_error(
            f"{path}.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."
        )
    _validate_options(path, option.get("options") or [])


def _validate_options(path: str, options: list[JSON]) -> None:
    if len(options) > 25:
        raise form_error(
            f"{path}.options", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."
        )
    seen_optional = False
    for i, option in enumerate(options):
        _validate_option(f"{path}.options.{i}", option)
        if option.get("type") in (1, 2):
            continue
        if option.get("required") and seen_optional:
            raise form_error(
                f"{path}.options.{i}",
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options",
            )
        seen_optional = seen_optional or not option.get("required")


def _validate_command(path: str, command: JSON) -> None:
    kind = int(command.get("type") or 1)
    name = str(command.get("name") or "")
    if kind == 1:
        _validate_option(path, command)
    elif not 1 <= len(name) <= 32:
        raise form_error(
            f"{path}.name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length."
        )


class MetaRoutes:
    def __init__(self, state: State, hub: GatewayHub) -> None:
        self._state = state
        self._hub = hub
        self.command_writes = 0

    def routes(self) -> list[web.RouteDef]:
        a = API_PREFIX + "/applications/{application_id}"
        g = a + "/guilds/{guild_id}"
        return [
            web.get(API_PREFIX + "/users/@me", self.me),
            web.get(API_PREFIX + "/users/{user_id}", self.user),
            web.get(API_PREFIX + "/oauth2/applications/@me", self.application),
            web.get(API_PREFIX + "/applications/@me", self.application),
            web.get(API_PREFIX + "/gateway", self.gateway),
            web.get(API_PREFIX + "/gateway/bot", self.gateway_bot),
            web.get(API_PREFIX + "/guilds/{guild_id}", self.guild),
            web.get(API_PREFIX + "/guilds/{guild_id}/channels", self.guild_channels),
            web.get(API_PREFIX + "/guilds/{guild_id}/members/{user_id}", self.member),
            *(r for base in (a, g) for r in self._command_routes(base)),
        ]

    def _command_routes(self, base: str) -> list[web.RouteDef]:
        return [
            web.get(base + "/commands", self.list_commands),
            web.put(base + "/commands", self.overwrite_commands),
            web.post(base + "/commands", self.upsert_command),
            web.get(base + "/commands/{command_id}", self.get_command),
            web.patch(base + "/commands/{command_id}", self.edit_command),
            web.delete(base + "/commands/{command_id}", self.delete_command),
        ]

    # -- identity ------------------------------------------------------------------------------

    async def me(self, request: web.Request) -> web.Response:
        bot = user_payload(self._state.world.bot)
        return json_response({**bot, "verified": True, "mfa_enabled": False, "locale": "en-US"})

    async def user(self, request: web.Request) -> web.Response:
        try:
            return json_response(
                user_payload(self._state.world.user(int(request.match_info["user_id"])))
            )
        except (LookupError, ValueError):
            raise ApiError.unknown_user() from None

    async def application(self, request: web.Request) -> web.Response:
        return json_response(application_payload(self._state))

    async def gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self._hub.gateway_url})

    async def gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return json_response(
            {"url": self._hub.gateway_url, "shards": 1, "session_start_limit": limit}
        )

    def _guild(self, request: web.Request) -> FakeGuild:
        try:
            guild = self._state.guild(int(request.match_info["guild_id"]))
        except ValueError:
            guild = None
        if guild is None or guild.member(self._state.world.bot.id) is None:
            raise ApiError.unknown_guild()
        return guild

    async def guild(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        payload = {
            k: v for k, v in guild_payload(self._state, guild).items() if k not in _GATEWAY_ONLY
        }
        if request.query.get("with_counts", "").lower() in ("1", "true"):
            payload["approximate_member_count"] = len(guild.members)
            payload["approximate_presence_count"] = 0
        return json_response(payload)

    async def guild_channels(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        channels = [
            c for c in self._state.channels.values() if c.guild_id == guild.id and not c.is_thread
        ]
        return json_response([channel_payload(self._state, c) for c in channels])

    async def member(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        member = guild.member(int(request.match_info["user_id"]))
        if member is None:
            raise ApiError.unknown_member()
        return json_response(member_payload(self._state, guild, member))

    # -- application commands ------------------------------------------------------------------

    def _scope(self, request: web.Request) -> int | None:
        if request.match_info["application_id"] != str(self._state.world.application_id):
            raise ApiError(
                403, 20012, "You are not authorized to perform this action on this application"
            )
        if "guild_id" in request.match_info:
            return self._guild(request).id
        return None

    def _store(self, scope: int | None, command: JSON, existing: JSON | None) -> JSON:
        """Normalise like Discord: stable id per (name, type), new version only on change."""
        kind = int(command.get("type") or 1)
        stored: JSON = {
            "id": existing["id"] if existing else str(self._state.ids.next()),
            "application_id": str(self._state.world.application_id),
            "version": existing["version"] if existing else str(self._state.ids.next()),
            "default_member_permissions": command.get("default_member_permissions"),
            "type": kind,
            "name": command["name"],
            "name_localizations": command.get("name_localizations"),
            "description": command.get("description", "") if kind == 1 else "",
            "description_localizations": command.get("description_localizations"),
            "contexts": command.get("contexts"),
            "integration_types": command.get("integration_types", [0]),
            "nsfw": bool(command.get("nsfw", False)),
        }
        if command.get("options"):
            stored["options"] = command["options"]
        if scope is None:
            stored["dm_permission"] = command.get("dm_permission", True)
        else:
            stored["guild_id"] = str(scope)
        if existing is not None and any(existing.get(k) != stored.get(k) for k in _COMPARED):
            stored["version"] = str(self._state.ids.next())
        self._state.commands.setdefault(scope, {})[int(stored["id"])] = stored
        return stored

    def _find(self, scope: int | None, name: str, kind: int) -> JSON | None:
        for command in self._state.commands.get(scope, {}).values():
            if command["name"] == name and command["type"] == kind:
                return command
        return None

    def _command(self, request: web.Request) -> tuple[int | None, JSON]:
        scope = self._scope(request)
        try:
            command = self._state.commands.get(scope, {}).get(int(request.match_info["command_id"]))
        except ValueError:
            command = None
        if command is None:
            raise ApiError.unknown_command()
        return scope, command

    async def list_commands(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        return json_response(list(self._state.commands.get(scope, {}).values()))

    async def overwrite_commands(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        commands = body_of(request).json
        if not isinstance(commands, list):
            raise ApiError(400, 50109, "The request body contains invalid JSON.")
        keys = set()
        for i, command in enumerate(commands):
            _validate_command(str(i), command)
            key = (command["name"], int(command.get("type") or 1))
            if key in keys:
                raise form_error(
                    f"{i}.name",
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    f"Application command names must be unique: {key[0]}",
                )
            keys.add(key)
        if sum(1 for c in commands if int(c.get("type") or 1) == 1) > 100:
            raise ApiError(400, 30032, "Maximum number of application commands reached (100)")
        previous = dict(self._state.commands.get(scope, {}))
        self._state.commands[scope] = {}
        stored = []
        for command in commands:
            kind = int(command.get("type") or 1)
            match = next(
                (
                    c
                    for c in previous.values()
                    if c["name"] == command["name"] and c["type"] == kind
                ),
                None,
            )
            stored.append(self._store(scope, command, match))
        self._state.command_syncs += 1
        self.command_writes += 1
        self._state.changes.notify()
        return json_response(stored)

    async def upsert_command(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        command = body_of(request).data
        _validate_command("command", command)
        existing = self._find(scope, str(command["name"]), int(command.get("type") or 1))
        stored = self._store(scope, command, existing)
        self.command_writes += 1
        self._state.changes.notify()
        return json_response(stored, 200 if existing else 201)

    async def get_command(self, request: web.Request) -> web.Response:
        return json_response(self._command(request)[1])

    async def edit_command(self, request: web.Request) -> web.Response:
        scope, command = self._command(request)
        merged = {**command, **body_of(request).data}
        _validate_command("command", merged)
        stored = self._store(scope, merged, command)
        self.command_writes += 1
        self._state.changes.notify()
        return json_response(stored)

    async def delete_command(self, request: web.Request) -> web.Response:
        scope, command = self._command(request)
        del self._state.commands[scope][int(command["id"])]
        self.command_writes += 1
        self._state.changes.notify()
        return no_content()
