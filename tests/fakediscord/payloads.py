"""JSON payload builders: users, members, roles, channels, guilds, messages, the application.
Shapes follow Discord's API v10 (ids as strings, ISO timestamps, every field discord.py reads)."""

from __future__ import annotations

from typing import Any

from tests.fakediscord.snowflake import iso_timestamp, snowflake_time
from tests.fakediscord.state import ChannelRecord, State, StoredAttachment, StoredMessage
from tests.fakediscord.world import ChannelType, FakeGuild, FakeMember, FakeRole, FakeUser, Intent

__all__ = [
    "application_payload",
    "attachment_payload",
    "channel_payload",
    "content_visible",
    "guild_payload",
    "member_payload",
    "message_payload",
    "role_payload",
    "user_payload",
]

JSON = dict[str, Any]


def user_payload(user: FakeUser) -> JSON:
    payload: JSON = {
        "id": str(user.id),
        "username": user.username,
        "discriminator": "0",
        "global_name": user.global_name,
        "avatar": user.avatar,
        "avatar_decoration_data": None,
        "banner": None,
        "accent_color": None,
        "public_flags": 0,
        "flags": 0,
        "collectibles": None,
        "primary_guild": None,
    }
    if user.bot:
        payload["bot"] = True
    return payload


def member_payload(
    state: State, guild: FakeGuild, member: FakeMember, *, with_user: bool = True
) -> JSON:
    payload: JSON = {
        "roles": [str(r) for r in member.role_ids],
        "nick": member.nick,
        "avatar": None,
        "banner": None,
        "joined_at": iso_timestamp(member.joined_at),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
        "avatar_decoration_data": None,
    }
    if with_user:
        payload["user"] = user_payload(state.world.user(member.user_id))
    return payload


def role_payload(role: FakeRole) -> JSON:
    return {
        "id": str(role.id),
        "name": role.name,
        "color": role.color,
        "colors": {"primary_color": role.color, "secondary_color": None, "tertiary_color": None},
        "hoist": role.hoist,
        "icon": None,
        "unicode_emoji": None,
        "position": role.position,
        "permissions": str(role.permissions),
        "managed": False,
        "mentionable": role.mentionable,
        "flags": 0,
    }


def _everyone_role(guild: FakeGuild) -> FakeRole:
    return FakeRole(guild.id, "@everyone", guild.everyone_permissions, position=0)


def channel_payload(
    state: State, channel: ChannelRecord, *, permissions: int | None = None
) -> JSON:
    last = str(channel.last_message_id) if channel.last_message_id else None
    payload: JSON
    if channel.type == ChannelType.DM:
        payload = {
            "id": str(channel.id),
            "type": channel.type,
            "last_message_id": last,
            "flags": 0,
            "recipients": [user_payload(state.world.user(u)) for u in channel.recipient_ids],
        }
    elif channel.is_thread:
        payload = {
            "id": str(channel.id),
            "type": channel.type,
            "guild_id": str(channel.guild_id),
            "parent_id": str(channel.parent_id),
            "owner_id": str(channel.owner_id),
            "name": channel.name,
            "last_message_id": last,
            "message_count": channel.message_count,
            "member_count": 1,
            "total_message_sent": channel.total_message_sent,
            "rate_limit_per_user": 0,
            "flags": 0,
            "thread_metadata": {
                "archived": channel.archived,
                "auto_archive_duration": channel.auto_archive_duration,
                "archive_timestamp": channel.created_at,
                "locked": False,
                "invitable": channel.invitable,
                "create_timestamp": channel.created_at,
            },
        }
    else:
        payload = {
            "id": str(channel.id),
            "type": channel.type,
            "guild_id": str(channel.guild_id),
            "name": channel.name,
            "position": channel.position,
            "topic": channel.topic,
            "nsfw": channel.nsfw,
            "parent_id": str(channel.parent_id) if channel.parent_id else None,
            "last_message_id": last,
            "rate_limit_per_user": 0,
            "permission_overwrites": [],
            "default_auto_archive_duration": 1440,
            "flags": 0,
        }
    if permissions is not None:
        payload["permissions"] = str(permissions)
    return payload


def guild_payload(state: State, guild: FakeGuild, *, all_members: bool = True) -> JSON:
    """The full guild object of GUILD_CREATE (and, without the gateway-only keys, GET /guilds).
    Without the GUILD_MEMBERS intent (``all_members=False``) only the bot's member is sent."""
    bot_id = state.world.bot.id
    members = [m for m in guild.members if all_members or m.user_id == bot_id]
    channels = [
        channel_payload(state, c)
        for c in state.channels.values()
        if c.guild_id == guild.id and not c.is_thread
    ]
    threads = [
        channel_payload(state, c)
        for c in state.channels.values()
        if c.guild_id == guild.id and c.is_thread and not c.archived
    ]
    text = guild.text_channels
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(guild.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "features": list(guild.features),
        "premium_tier": guild.premium_tier,
        "premium_subscription_count": {0: 0, 1: 2, 2: 7, 3: 14}[guild.premium_tier],
        "premium_progress_bar_enabled": False,
        "preferred_locale": guild.locale,
        "system_channel_id": str(text[0].id) if text else None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "max_members": 500_000,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "roles": [role_payload(r) for r in (_everyone_role(guild), *guild.roles)],
        "emojis": [],
        "stickers": [],
        "soundboard_sounds": [],
        "joined_at": iso_timestamp(snowflake_time(guild.id)),
        "large": False,
        "unavailable": False,
        "lazy": True,
        "member_count": len(guild.members),
        "members": [member_payload(state, guild, m) for m in members],
        "channels": channels,
        "threads": threads,
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
    }


def attachment_payload(attachment: StoredAttachment, *, ephemeral: bool = False) -> JSON:
    payload: JSON = {
        "id": str(attachment.id),
        "filename": attachment.filename,
        "size": len(attachment.data),
        "url": attachment.url,
        "proxy_url": attachment.url,
        "content_type": attachment.content_type,
        "flags": 0,
    }
    if attachment.description is not None:
        payload["description"] = attachment.description
    if ephemeral:
        payload["ephemeral"] = True
    return payload


def content_visible(state: State, message: StoredMessage, intents: int) -> bool:
    """Discord's MESSAGE_CONTENT rule: without the intent, content is empty except in DMs,
    in the app's own messages and in messages that mention the app."""
    bot_id = state.world.bot.id
    return bool(
        intents & Intent.MESSAGE_CONTENT
        or message.author_id == bot_id
        or message.guild_id is None
        or bot_id in message.mention_ids
    )


def _reactions(state: State, message: StoredMessage) -> list[JSON]:
    result = []
    for key, users in message.reactions.items():
        if not users:
            continue
        result.append(
            {
                "count": len(users),
                "count_details": {"burst": 0, "normal": len(users)},
                "me": state.world.bot.id in users,
                "me_burst": False,
                "burst_colors": [],
                "emoji": message.reaction_emoji[key],
            }
        )
    return result


def message_payload(
    state: State, message: StoredMessage, *, visible: bool = True, depth: int = 0
) -> JSON:
    author = state.world.user(message.author_id)
    guild = state.guild(message.guild_id)
    ephemeral = bool(message.flags & 64)
    payload: JSON = {
        "id": str(message.id),
        "channel_id": str(message.channel_id),
        "author": user_payload(author),
        "content": message.content if visible else "",
        "timestamp": message.timestamp,
        "edited_timestamp": message.edited_timestamp,
        "tts": message.tts,
        "mention_everyone": message.mention_everyone,
        "mentions": [],
        "mention_roles": [str(r) for r in message.mention_role_ids],
        "attachments": [attachment_payload(a, ephemeral=ephemeral) for a in message.attachments]
        if visible
        else [],
        "embeds": list(message.embeds) if visible else [],
        "components": list(message.components) if visible else [],
        "pinned": message.pinned,
        "type": message.type,
        "flags": message.flags,
    }
    if message.guild_id is not None:
        payload["guild_id"] = str(message.guild_id)
    if guild is not None:
        member = guild.member(message.author_id)
        if member is not None:
            payload["member"] = member_payload(state, guild, member, with_user=False)
    for user_id in message.mention_ids:
        mentioned = user_payload(state.world.user(user_id))
        member = guild.member(user_id) if guild is not None else None
        if guild is not None and member is not None:
            mentioned["member"] = member_payload(state, guild, member, with_user=False)
        payload["mentions"].append(mentioned)
    reactions = _reactions(state, message)
    if reactions:
        payload["reactions"] = reactions
    if message.nonce is not None:
        payload["nonce"] = message.nonce
    if message.webhook_id is not None:
        payload["webhook_id"] = str(message.webhook_id)
    if message.application_id is not None:
        payload["application_id"] = str(message.application_id)
    if message.reference is not None:
        payload["message_reference"] = message.reference
        referenced = state.messages.get(message.reference_id or 0)
        if depth == 0:
            payload["referenced_message"] = (
                message_payload(state, referenced, depth=1)
                if referenced is not None and not referenced.deleted
                else None
            )
    if message.interaction_id is not None:
        interaction = state.interactions.get(message.interaction_id)
        if interaction is not None:
            user = user_payload(state.world.user(interaction.user_id))
            owners = {"0": str(interaction.guild_id)} if interaction.guild_id else {}
            owners["1"] = str(interaction.user_id)
            metadata: JSON = {
                "id": str(interaction.id),
                "type": interaction.kind,
                "user": user,
                "authorizing_integration_owners": owners,
            }
            if interaction.kind == 2:
                metadata["name"] = interaction.name
            if interaction.source_message_id is not None:
                metadata["interacted_message_id"] = str(interaction.source_message_id)
            elif interaction.original_message_id not in (None, message.id):
                metadata["original_response_message_id"] = str(interaction.original_message_id)
            payload["interaction_metadata"] = metadata
            payload["interaction"] = {
                "id": str(interaction.id),
                "type": interaction.kind,
                "name": interaction.name,
                "user": user,
            }
    if message.thread_id is not None and message.thread_id in state.channels:
        payload["thread"] = channel_payload(state, state.channels[message.thread_id])
    return payload


def application_payload(state: State) -> JSON:
    world = state.world
    return {
        "id": str(world.application_id),
        "name": world.application_name,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "hook": True,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "a" * 64,
        "flags": 0,
        "owner": user_payload(world.owner),
        "team": None,
        "bot": user_payload(world.bot),
        "rpc_origins": [],
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "tags": [],
        "approximate_guild_count": len(world.guilds),
        "integration_types_config": {"0": {}, "1": {}},
    }
