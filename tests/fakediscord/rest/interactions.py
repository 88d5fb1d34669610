"""Interaction callbacks and the interaction webhooks (followups, @original), with Discord's
rules: the first response within the deadline (else 10062), one response only (40060), tokens
that expire (401 50027), the first followup after a "thinking" defer filling the loading message."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from tests.fakediscord.errors import ApiError, form_error
from tests.fakediscord.messages import EPHEMERAL, LOADING, MessageOps
from tests.fakediscord.records import CallbackRecord
from tests.fakediscord.rest.common import API_PREFIX, body_of, json_response, no_content
from tests.fakediscord.state import InteractionRecord, State, StoredMessage

__all__ = ["InteractionRoutes"]

JSON = dict[str, Any]

PONG, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 1, 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9
_ALLOWED = {  # interaction type -> callback types Discord accepts
    1: {PONG},
    2: {MESSAGE, DEFERRED_MESSAGE, MODAL},
    3: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL},
    4: {AUTOCOMPLETE_RESULT},
    5: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE},
}


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true")


class InteractionRoutes:
    def __init__(self, state: State, ops: MessageOps) -> None:
        self._state = state
        self._ops = ops

    def routes(self) -> list[web.RouteDef]:
        hook = API_PREFIX + "/webhooks/{application_id}/{token}"
        return [
            web.post(API_PREFIX + "/interactions/{interaction_id}/{token}/callback", self.callback),
            web.post(hook, self.followup),
            web.get(hook + "/messages/{message_id}", self.get_message),
            web.patch(hook + "/messages/{message_id}", self.edit_message),
            web.delete(hook + "/messages/{message_id}", self.delete_message),
        ]

    # -- callback ------------------------------------------------------------------------------

    async def callback(self, request: web.Request) -> web.Response:
        now = asyncio.get_running_loop().time()
        try:
            interaction_id = int(request.match_info["interaction_id"])
        except ValueError:
            raise ApiError.unknown_interaction() from None
        record = self._state.interactions.get(interaction_id)
        if record is None or record.token != request.match_info["token"]:
            raise ApiError.unknown_interaction()
        if now - record.created_at_s > self._state.rules.interaction_response_deadline_s:
            raise ApiError.unknown_interaction()
        if record.callbacks:
            raise ApiError.already_acknowledged()
        body = body_of(request)
        kind = body.data.get("type")
        data = body.data.get("data") or {}
        if not isinstance(kind, int) or kind not in _ALLOWED.get(record.kind, set()):
            raise form_error(
                "type",
                "INTERACTION_RESPONSE_TYPE_INVALID",
                f"Invalid interaction response type {kind!r} for this interaction.",
            )
        channel = self._state.channels[record.channel_id]
        limit = self._state.upload_limit_for(channel)
        message: StoredMessage | None = None
        if kind == MESSAGE:
            self._ops.validate(data, body.files, upload_limit=limit, creating=True)
            message = self._respond_with_message(record, data, body.files)
        elif kind == DEFERRED_MESSAGE:
            flags = int(data.get("flags") or 0) & EPHEMERAL
            message = self._respond_with_message(record, {"flags": flags}, (), loading=True)
        elif kind in (DEFERRED_UPDATE, UPDATE_MESSAGE):
            source = self._state.messages.get(record.source_message_id or 0)
            if source is None or source.deleted:
                raise ApiError.unknown_message()
            record.original_message_id = source.id
            if kind == UPDATE_MESSAGE:
                self._ops.validate(data, body.files, upload_limit=limit, creating=False)
                message = self._ops.edit(source, data, body.files)
        elif kind == AUTOCOMPLETE_RESULT:
            choices = data.get("choices")
            if not isinstance(choices, list) or len(choices) > 25:
                raise form_error(
                    "data.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."
                )
        elif kind == MODAL:
            for key in ("custom_id", "title", "components"):
                if not data.get(key):
                    raise form_error(f"data.{key}", "BASE_TYPE_REQUIRED", "This field is required")
        record.callbacks.append(CallbackRecord(kind, dict(data), body.files, now))
        self._state.changes.notify()
        if not _truthy(request.query.get("with_response")):
            return no_content()
        return json_response(self._callback_response(record, kind, message))

    def _respond_with_message(
        self, record: InteractionRecord, data: JSON, files: Any, *, loading: bool = False
    ) -> StoredMessage:
        channel = self._state.channels[record.channel_id]
        message = self._ops.create(
            channel,
            self._state.world.bot.id,
            data,
            files,
            message_type=20 if record.kind == 2 else 0,
            interaction_id=record.id,
            webhook_id=self._state.world.application_id,
            extra_flags=LOADING if loading else 0,
        )
        record.original_message_id = message.id
        record.loading = loading
        return message

    def _callback_response(
        self, record: InteractionRecord, kind: int, message: StoredMessage | None
    ) -> JSON:
        interaction: JSON = {"id": str(record.id), "type": record.kind}
        resource: JSON = {"type": kind}
        if message is not None:
            interaction["response_message_id"] = str(message.id)
            interaction["response_message_loading"] = bool(message.flags & LOADING)
            interaction["response_message_ephemeral"] = bool(message.flags & EPHEMERAL)
            resource["message"] = self._ops.payload(message)
        if kind == AUTOCOMPLETE_RESULT:
            return {"interaction": interaction}
        return {"interaction": interaction, "resource": resource}

    # -- webhooks ------------------------------------------------------------------------------

    def _interaction(self, request: web.Request) -> InteractionRecord:
        record = self._state.interactions_by_token.get(request.match_info["token"])
        app_id = request.match_info["application_id"]
        if record is None or app_id != str(self._state.world.application_id):
            raise ApiError.unknown_webhook()
        age = asyncio.get_running_loop().time() - record.created_at_s
        if age > self._state.rules.interaction_token_ttl_s:
            raise ApiError.invalid_webhook_token()
        if not record.callbacks:
            raise ApiError.unknown_webhook()
        return record

    def _target(self, request: web.Request, record: InteractionRecord) -> StoredMessage:
        raw = request.match_info["message_id"]
        if raw == "@original":
            message_id = record.original_message_id
        else:
            try:
                message_id = int(raw)
            except ValueError:
                raise ApiError.unknown_message() from None
            if message_id != record.original_message_id and message_id not in record.followup_ids:
                raise ApiError.unknown_message()
        message = self._state.messages.get(message_id or 0)
        if message is None or message.deleted:
            raise ApiError.unknown_message()
        return message

    async def followup(self, request: web.Request) -> web.Response:
        record = self._interaction(request)
        body = body_of(request)
        channel = self._state.channels[record.channel_id]
        if "thread_id" in request.query:
            thread = self._state.channels.get(int(request.query["thread_id"]))
            if thread is None or thread.parent_id != channel.id:
                raise ApiError.unknown_channel()
            channel = thread
        limit = self._state.upload_limit_for(channel)
        self._ops.validate(body.data, body.files, upload_limit=limit, creating=True)
        original = self._state.messages.get(record.original_message_id or 0)
        if record.loading and original is not None and not original.deleted:
            message = self._ops.fill_loading(original, body.data, body.files)
            record.loading = False
        else:
            message = self._ops.create(
                channel,
                self._state.world.bot.id,
                body.data,
                body.files,
                message_type=20 if record.kind == 2 else 0,
                interaction_id=record.id,
                webhook_id=self._state.world.application_id,
            )
            record.followup_ids.append(message.id)
        self._state.changes.notify()
        if not _truthy(request.query.get("wait")):
            return no_content()
        return json_response(self._ops.payload(message))

    async def get_message(self, request: web.Request) -> web.Response:
        record = self._interaction(request)
        return json_response(self._ops.payload(self._target(request, record)))

    async def edit_message(self, request: web.Request) -> web.Response:
        record = self._interaction(request)
        message = self._target(request, record)
        body = body_of(request)
        limit = self._state.upload_limit_for(self._state.channels[message.channel_id])
        self._ops.validate(body.data, body.files, upload_limit=limit, creating=False)
        if message.id == record.original_message_id:
            record.loading = False
        return json_response(self._ops.payload(self._ops.edit(message, body.data, body.files)))

    async def delete_message(self, request: web.Request) -> web.Response:
        record = self._interaction(request)
        message = self._target(request, record)
        self._ops.delete(message)
        return no_content()
