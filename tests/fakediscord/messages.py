"""Message rules and operations shared by channel messages, interaction responses and webhooks:
validation (Discord's limits), attachments, mentions, create/edit/delete with gateway events."""

from __future__ import annotations

import mimetypes
import re
from typing import Any

from tests.fakediscord.errors import ApiError, form_error
from tests.fakediscord.gateway import GatewayHub, Session
from tests.fakediscord.payloads import content_visible, member_payload, message_payload
from tests.fakediscord.records import FakeMessage, RecordedFile
from tests.fakediscord.snowflake import iso_timestamp
from tests.fakediscord.state import ChannelRecord, State, StoredAttachment, StoredMessage
from tests.fakediscord.world import Intent

__all__ = ["MessageOps"]

JSON = dict[str, Any]
EPHEMERAL = 64
LOADING = 128
_FILE_FIELD = re.compile(r"^files?\[(\d+)\]$|^file(\d*)$")
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_EMBED_LIMITS = {"title": 256, "description": 4096}


def _file_index(file: RecordedFile, position: int) -> int:
    match = _FILE_FIELD.match(file.field_name)
    if match is None:
        return position
    digits = match.group(1) or match.group(2)
    return int(digits) if digits else position


def _embed_chars(embed: JSON) -> int:
    total = len(str(embed.get("title") or "")) + len(str(embed.get("description") or ""))
    total += len(str((embed.get("footer") or {}).get("text") or ""))
    total += len(str((embed.get("author") or {}).get("name") or ""))
    for f in embed.get("fields") or []:
        total += len(str(f.get("name") or "")) + len(str(f.get("value") or ""))
    return total


class MessageOps:
    def __init__(self, state: State, hub: GatewayHub) -> None:
        self._state = state
        self._hub = hub

    # -- validation ----------------------------------------------------------------------------

    def validate(
        self, body: JSON, files: tuple[RecordedFile, ...], *, upload_limit: int, creating: bool
    ) -> None:
        rules = self._state.rules
        content = body.get("content")
        if content is not None and len(str(content)) > rules.max_content_chars:
            raise form_error(
                "content",
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {rules.max_content_chars} or fewer in length.",
            )
        if len(files) > rules.max_files_per_message:
            raise form_error(
                "attachments",
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {rules.max_files_per_message} or fewer in length.",
            )
        if any(f.size > upload_limit for f in files):
            raise ApiError.too_large()
        embeds = body.get("embeds") or []
        if len(embeds) > rules.max_embeds_per_message:
            raise form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        for i, embed in enumerate(embeds):
            for key, limit in _EMBED_LIMITS.items():
                if len(str(embed.get(key) or "")) > limit:
                    raise form_error(
                        f"embeds.{i}.{key}",
                        "BASE_TYPE_MAX_LENGTH",
                        f"Must be {limit} or fewer in length.",
                    )
            if len(embed.get("fields") or []) > 25:
                raise form_error(
                    f"embeds.{i}.fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer."
                )
        if sum(_embed_chars(e) for e in embeds) > 6000:
            raise form_error(
                "embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
            )
        components = body.get("components") or []
        if len(components) > 5 and not (int(body.get("flags") or 0) & (1 << 15)):
            raise form_error("components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
        for i, row in enumerate(components):
            for j, item in enumerate(row.get("components") or []):
                custom_id = item.get("custom_id")
                if custom_id is not None and not 1 <= len(str(custom_id)) <= 100:
                    raise form_error(
                        f"components.{i}.components.{j}.custom_id",
                        "BASE_TYPE_BAD_LENGTH",
                        "Must be between 1 and 100 in length.",
                    )
        if creating and not (
            str(content or "")
            or embeds
            or files
            or components
            or body.get("sticker_ids")
            or body.get("poll")
            or body.get("attachments")
        ):
            raise ApiError.empty_message()

    # -- attachments and mentions --------------------------------------------------------------

    def _attachments(
        self,
        channel: ChannelRecord,
        existing: list[StoredAttachment],
        entries: list[JSON] | None,
        files: tuple[RecordedFile, ...],
    ) -> list[StoredAttachment]:
        by_index = {_file_index(f, n): f for n, f in enumerate(files)}
        kept_by_id = {a.id: a for a in existing}
        if entries is None:
            result = list(existing)
            entries = [{"id": i, "filename": f.filename} for i, f in by_index.items()]
        else:
            result = []
        used: set[int] = set()
        for n, entry in enumerate(entries):
            raw_id = int(entry.get("id", -1))
            if raw_id in kept_by_id:
                kept = kept_by_id[raw_id]
                if "description" in entry:
                    kept.description = entry["description"]
                result.append(kept)
            elif raw_id in by_index:
                file = by_index[raw_id]
                used.add(raw_id)
                filename = str(entry.get("filename") or file.filename)
                guessed = mimetypes.guess_type(filename)[0]
                content_type = guessed or file.content_type
                stored = self._state.add_attachment(
                    channel.id,
                    RecordedFile(file.field_name, filename, content_type, file.data),
                    filename,
                    entry.get("description"),
                )
                result.append(stored)
            else:
                raise form_error(
                    f"attachments.{n}.id", "ATTACHMENT_NOT_FOUND", "Unknown attachment"
                )
        for index, file in by_index.items():
            if index not in used:
                ctype = mimetypes.guess_type(file.filename)[0] or file.content_type
                named = RecordedFile(file.field_name, file.filename, ctype, file.data)
                result.append(self._state.add_attachment(channel.id, named, file.filename, None))
        return result

    def _mentions(
        self, body: JSON, reference_author: int | None
    ) -> tuple[list[int], list[int], bool]:
        content = str(body.get("content") or "")
        allowed = body.get("allowed_mentions")
        parse = (
            {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse") or [])
        )
        explicit_users = {int(u) for u in (allowed or {}).get("users") or []}
        users: list[int] = []
        for raw in _USER_MENTION.findall(content):
            uid = int(raw)
            if ("users" in parse or uid in explicit_users) and uid not in users:
                try:
                    self._state.world.user(uid)
                except LookupError:
                    continue
                users.append(uid)
        ping_reply = True if allowed is None else bool(allowed.get("replied_user", False))
        if reference_author is not None and ping_reply and reference_author not in users:
            users.append(reference_author)
        roles = [int(r) for r in _ROLE_MENTION.findall(content)] if "roles" in parse else []
        everyone = "everyone" in parse and ("@everyone" in content or "@here" in content)
        return users, roles, everyone

    # -- operations ----------------------------------------------------------------------------

    def create(
        self,
        channel: ChannelRecord,
        author_id: int,
        body: JSON,
        files: tuple[RecordedFile, ...] = (),
        *,
        message_type: int | None = None,
        interaction_id: int | None = None,
        webhook_id: int | None = None,
        extra_flags: int = 0,
        explicit_mentions: tuple[int, ...] = (),
    ) -> StoredMessage:
        state = self._state
        reference = body.get("message_reference")
        reference_author: int | None = None
        if reference is not None:
            target = state.messages.get(int(reference.get("message_id") or 0))
            if target is None or target.deleted:
                if reference.get("fail_if_not_exists", True):
                    raise form_error(
                        "message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message"
                    )
                reference = None
            else:
                reference_author = target.author_id
                reference = {
                    "type": int(reference.get("type", 0)),
                    "message_id": str(target.id),
                    "channel_id": str(target.channel_id),
                    "fail_if_not_exists": bool(reference.get("fail_if_not_exists", True)),
                }
                if target.guild_id is not None:
                    reference["guild_id"] = str(target.guild_id)
        users, roles, everyone = self._mentions(body, reference_author)
        for uid in explicit_mentions:
            if uid not in users:
                users.append(uid)
        flags = (int(body.get("flags") or 0) & ~LOADING) | extra_flags
        if message_type is None:
            message_type = 19 if reference is not None else 0
        message = StoredMessage(
            id=state.ids.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author_id=author_id,
            content=str(body.get("content") or ""),
            embeds=list(body.get("embeds") or []),
            components=self._with_ids(list(body.get("components") or [])),
            flags=flags,
            type=message_type,
            tts=bool(body.get("tts", False)),
            mention_ids=users,
            mention_role_ids=roles,
            mention_everyone=everyone,
            reference=reference,
            nonce=body.get("nonce"),
            interaction_id=interaction_id,
            webhook_id=webhook_id,
            application_id=state.world.application_id if webhook_id is not None else None,
        )
        message.attachments = self._attachments(channel, [], body.get("attachments"), files)
        state.add_message(message)
        if not message.flags & EPHEMERAL:
            self._dispatch_message("MESSAGE_CREATE", message)
        return message

    def edit(
        self, message: StoredMessage, body: JSON, files: tuple[RecordedFile, ...] = ()
    ) -> StoredMessage:
        channel = self._state.channels[message.channel_id]
        if "content" in body:
            message.content = str(body["content"] or "")
            users, roles, everyone = self._mentions(body, None)
            message.mention_ids, message.mention_role_ids = users, roles
            message.mention_everyone = everyone
        if "embeds" in body:
            message.embeds = list(body["embeds"] or [])
        if "components" in body:
            message.components = self._with_ids(list(body["components"] or []))
        if "flags" in body and body["flags"] is not None:  # ephemerality cannot change
            keep = message.flags & (EPHEMERAL | (1 << 15))
            message.flags = (int(body["flags"]) & ~(LOADING | EPHEMERAL)) | keep
        if "attachments" in body or files:
            message.attachments = self._attachments(
                channel, message.attachments, body.get("attachments"), files
            )
        message.flags &= ~LOADING
        message.edits += 1
        message.edited_timestamp = iso_timestamp()
        self._state.changes.notify()
        if not message.flags & EPHEMERAL:
            self._dispatch_message("MESSAGE_UPDATE", message)
        return message

    def fill_loading(
        self, message: StoredMessage, body: JSON, files: tuple[RecordedFile, ...]
    ) -> StoredMessage:
        """The first followup after a "thinking" defer replaces the loading message."""
        body = {**body, "flags": int(body.get("flags") or 0)}  # the defer decided ephemerality
        self.edit(message, body, files)
        message.edits -= 1
        message.edited_timestamp = None
        return message

    def delete(self, message: StoredMessage) -> None:
        message.deleted = True
        self._state.changes.notify()
        if message.flags & EPHEMERAL:
            return
        data: JSON = {"id": str(message.id), "channel_id": str(message.channel_id)}
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
        self._hub.dispatch("MESSAGE_DELETE", data, intents_any=self._intents_for(message))

    def react(self, message: StoredMessage, key: str, emoji: JSON, user_id: int, add: bool) -> None:
        users = message.reactions.setdefault(key, set())
        message.reaction_emoji[key] = emoji
        if add == (user_id in users):
            return
        if add:
            users.add(user_id)
        else:
            users.discard(user_id)
        self._state.changes.notify()
        data: JSON = {
            "user_id": str(user_id),
            "channel_id": str(message.channel_id),
            "message_id": str(message.id),
            "emoji": emoji,
            "burst": False,
            "type": 0,
        }
        guild = self._state.guild(message.guild_id)
        intent = Intent.DIRECT_MESSAGE_REACTIONS
        if guild is not None:
            intent = Intent.GUILD_MESSAGE_REACTIONS
            data["guild_id"] = str(guild.id)
            member = guild.member(user_id)
            if add and member is not None:
                data["member"] = member_payload(self._state, guild, member)
        if add:
            data["message_author_id"] = str(message.author_id)
            data["burst_colors"] = []
        event = "MESSAGE_REACTION_ADD" if add else "MESSAGE_REACTION_REMOVE"
        self._hub.dispatch(event, data, intents_any=int(intent))

    def payload(self, message: StoredMessage) -> JSON:
        """The message as REST returns it (content rules from the app's granted intents)."""
        granted = self._state.world.granted_privileged_intents
        visible = content_visible(self._state, message, granted)
        return message_payload(self._state, message, visible=visible)

    def snapshot(self, message: StoredMessage) -> FakeMessage:
        return self._state.snapshot(message, self.payload(message))

    def _with_ids(self, components: list[JSON]) -> list[JSON]:
        """Discord numbers every component (``id``) in the messages it returns."""
        counter = 0

        def number(items: list[JSON]) -> list[JSON]:
            nonlocal counter
            result = []
            for original in items:
                item = dict(original)
                counter += 1
                item.setdefault("id", counter)
                if isinstance(item.get("components"), list):
                    item["components"] = number(item["components"])
                result.append(item)
            return result

        return number(components)

    def _intents_for(self, message: StoredMessage) -> int:
        return int(
            Intent.GUILD_MESSAGES if message.guild_id is not None else Intent.DIRECT_MESSAGES
        )

    def _dispatch_message(self, event: str, message: StoredMessage) -> None:
        state = self._state

        def build(session: Session) -> JSON:
            visible = content_visible(state, message, session.intents)
            return message_payload(state, message, visible=visible)

        self._hub.dispatch(event, build, intents_any=self._intents_for(message))
