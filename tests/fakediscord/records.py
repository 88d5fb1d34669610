"""Frozen, public snapshots of what the fake recorded: requests, messages, attachments,
interaction callbacks, gateway identifies.  Tests inspect these; they never change once made."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CallbackRecord",
    "FakeAttachment",
    "FakeMessage",
    "IdentifyRecord",
    "RecordedFile",
    "RecordedRequest",
]

JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class RecordedFile:
    field_name: str
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One REST request and the fake's answer.  ``path`` is relative to ``/api/v10``."""

    index: int
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    json: Any  # the JSON body, or the multipart ``payload_json``; None when there was none
    files: tuple[RecordedFile, ...]
    multipart: bool
    body_size_bytes: int
    status: int
    response: Any  # the JSON answered (None for 204 and non-JSON answers)
    at_s: float  # loop time when the request was answered

    @property
    def error_code(self) -> int | None:
        """Discord's JSON error code (``10062``, ``50027``...) when the answer was an error."""
        if self.status >= 400 and isinstance(self.response, dict):
            code = self.response.get("code")
            return int(code) if isinstance(code, int) else None
        return None

    def matches(self, method: str, path_prefix: str) -> bool:
        return self.method == method and self.path.startswith(path_prefix)


@dataclass(frozen=True, slots=True)
class FakeAttachment:
    id: int
    filename: str
    content_type: str
    data: bytes
    url: str
    description: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


def _walk_components(components: list[JSON]) -> Iterator[JSON]:
    for component in components:
        yield component
        yield from _walk_components(list(component.get("components", [])))
        inner = component.get("component")
        if isinstance(inner, dict):
            yield from _walk_components([inner])
        accessory = component.get("accessory")
        if isinstance(accessory, dict):
            yield accessory


@dataclass(frozen=True, slots=True)
class FakeMessage:
    """A message as it is now in the fake (after edits), with the attachments' bytes."""

    id: int
    channel_id: int
    guild_id: int | None
    author_id: int
    content: str
    embeds: tuple[JSON, ...]
    components: tuple[JSON, ...]
    attachments: tuple[FakeAttachment, ...]
    flags: int
    type: int
    edits: int
    deleted: bool
    reference_id: int | None
    interaction_id: int | None
    payload: JSON = field(repr=False)  # the full message object as the REST API returns it

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & 64)

    @property
    def loading(self) -> bool:
        """A deferred ("thinking") interaction response that has not been filled yet."""
        return bool(self.flags & 128)

    def all_components(self) -> list[JSON]:
        """Every component, nested ones included (buttons inside action rows...)."""
        return list(_walk_components(list(self.components)))

    @property
    def custom_ids(self) -> list[str]:
        return [str(c["custom_id"]) for c in self.all_components() if "custom_id" in c]

    def component(self, custom_id: str) -> JSON:
        for component in self.all_components():
            if component.get("custom_id") == custom_id:
                return component
        raise LookupError(f"message {self.id} has no component {custom_id!r}: {self.custom_ids}")


@dataclass(frozen=True, slots=True)
class CallbackRecord:
    """One ``POST /interactions/{id}/{token}/callback`` the fake accepted."""

    type: int
    data: JSON
    files: tuple[RecordedFile, ...]
    at_s: float


@dataclass(frozen=True, slots=True)
class IdentifyRecord:
    session_id: str
    intents: int
    token: str
    properties: JSON
    shard: tuple[int, int] | None
    at_s: float
