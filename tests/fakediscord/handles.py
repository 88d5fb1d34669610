"""Handles returned by the event methods: await the bot's answer to one interaction or message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.fakediscord.messages import MessageOps
from tests.fakediscord.records import CallbackRecord, FakeMessage, RecordedRequest
from tests.fakediscord.state import InteractionRecord, State

__all__ = ["InteractionHandle", "MessageHandle"]

JSON = dict[str, Any]
DEFAULT_TIMEOUT_S = 5.0


class InteractionHandle:
    """One INTERACTION_CREATE the fake sent; await what the bot did with it."""

    def __init__(self, state: State, ops: MessageOps, record: InteractionRecord) -> None:
        self._state = state
        self._ops = ops
        self._record = record

    def __repr__(self) -> str:
        return f"<InteractionHandle id={self.id} type={self.kind} name={self.name!r}>"

    @property
    def id(self) -> int:
        return self._record.id

    @property
    def token(self) -> str:
        return self._record.token

    @property
    def kind(self) -> int:
        return self._record.kind

    @property
    def name(self) -> str:
        return self._record.name

    @property
    def payload(self) -> JSON:
        """The INTERACTION_CREATE ``d`` the bot received."""
        return self._record.payload

    @property
    def callbacks(self) -> tuple[CallbackRecord, ...]:
        return tuple(self._record.callbacks)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every REST request about this interaction (callback and webhook calls)."""
        return [r for r in self._state.requests if str(self.id) in r.path or self.token in r.path]

    def original_now(self) -> FakeMessage | None:
        message = self._state.messages.get(self._record.original_message_id or 0)
        return self._ops.snapshot(message) if message is not None else None

    def followups_now(self) -> list[FakeMessage]:
        return [self._ops.snapshot(self._state.messages[i]) for i in self._record.followup_ids]

    async def _wait(self, check: Callable[[], Any], timeout_s: float, what: str) -> Any:
        def describe() -> str:
            recent = [f"{r.method} {r.path} -> {r.status}" for r in self.requests[-5:]]
            return f"{what} for {self!r}; its requests: {recent}"

        return await self._state.changes.wait_until(check, timeout_s, describe)

    async def response(self, timeout_s: float = DEFAULT_TIMEOUT_S) -> CallbackRecord:
        """The bot's first (accepted) callback."""
        result: CallbackRecord = await self._wait(
            lambda: self._record.callbacks[0] if self._record.callbacks else None,
            timeout_s,
            "a callback",
        )
        return result

    async def original(
        self, timeout_s: float = DEFAULT_TIMEOUT_S, *, loaded: bool = True
    ) -> FakeMessage:
        """The original response message; with ``loaded``, once it is no longer "thinking"."""

        def check() -> FakeMessage | None:
            message = self.original_now()
            if message is None or (loaded and message.loading):
                return None
            return message

        result: FakeMessage = await self._wait(check, timeout_s, "the original response")
        return result

    async def wait_original(
        self, predicate: Callable[[FakeMessage], bool], timeout_s: float = DEFAULT_TIMEOUT_S
    ) -> FakeMessage:
        """The original response once ``predicate`` holds (after edits, for instance)."""

        def check() -> FakeMessage | None:
            message = self.original_now()
            return message if message is not None and predicate(message) else None

        result: FakeMessage = await self._wait(check, timeout_s, "an original response matching")
        return result

    async def followup(self, index: int = 0, timeout_s: float = DEFAULT_TIMEOUT_S) -> FakeMessage:
        """The ``index``-th followup that created a new message (the first followup after a
        "thinking" defer fills the original response instead: use ``original``)."""

        def check() -> FakeMessage | None:
            followups = self.followups_now()
            return followups[index] if len(followups) > index else None

        result: FakeMessage = await self._wait(check, timeout_s, f"followup #{index}")
        return result

    async def choices(self, timeout_s: float = DEFAULT_TIMEOUT_S) -> list[JSON]:
        """The autocomplete choices the bot answered."""
        callback = await self.response(timeout_s)
        if callback.type != 8:
            raise AssertionError(
                f"expected an autocomplete result, got callback type {callback.type}"
            )
        return list(callback.data.get("choices") or [])

    async def modal(self, timeout_s: float = DEFAULT_TIMEOUT_S) -> JSON:
        """The modal the bot opened (callback type 9)."""
        callback = await self.response(timeout_s)
        if callback.type != 9:
            raise AssertionError(f"expected a modal, got callback type {callback.type}")
        return callback.data


class MessageHandle:
    """One MESSAGE_CREATE a user sent; await the bot's reply."""

    def __init__(self, state: State, ops: MessageOps, message_id: int) -> None:
        self._state = state
        self._ops = ops
        self.id = message_id

    def __repr__(self) -> str:
        return f"<MessageHandle id={self.id}>"

    @property
    def message(self) -> FakeMessage:
        return self._ops.snapshot(self._state.messages[self.id])

    @property
    def channel_id(self) -> int:
        return self._state.messages[self.id].channel_id

    async def reply(self, timeout_s: float = DEFAULT_TIMEOUT_S) -> FakeMessage:
        """The first message by the bot that replies to (references) this one."""
        bot_id = self._state.world.bot.id

        def check() -> FakeMessage | None:
            for message in self._state.messages.values():
                if message.reference_id == self.id and message.author_id == bot_id:
                    return self._ops.snapshot(message)
            return None

        result: FakeMessage = await self._state.changes.wait_until(
            check, timeout_s, lambda: f"a reply from the bot to message {self.id}"
        )
        return result

    async def next_bot_message(self, timeout_s: float = DEFAULT_TIMEOUT_S) -> FakeMessage:
        """The first message by the bot in the same channel after this one (reply or not)."""
        bot_id = self._state.world.bot.id
        channel_id = self.channel_id

        def check() -> FakeMessage | None:
            for message_id in self._state.channel_messages.get(channel_id, []):
                message = self._state.messages[message_id]
                if message_id > self.id and message.author_id == bot_id:
                    return self._ops.snapshot(message)
            return None

        result: FakeMessage = await self._state.changes.wait_until(
            check, timeout_s, lambda: f"a bot message after {self.id} in channel {channel_id}"
        )
        return result
