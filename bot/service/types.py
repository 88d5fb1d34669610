"""The values the request service hands across its boundary: who asked, and a planned request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.db import ClipRecord, ClipRelation, JobRecord
from bot.runtime.jobs import JobKind, Quality, StoredSection
from bot.service.spec import RequestSpec
from models.plan import SectionRole, SongPlan

__all__ = ["Prepared", "QueueStatus", "Requester"]


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asked, where, and how to answer them."""

    user_id: int
    guild_id: int | None = None  # None: a DM
    channel_id: int | None = None
    parent_channel_id: int | None = None  # the channel a thread belongs to
    upload_limit_bytes: int | None = None
    application_id: int | None = None
    interaction_token: str | None = None
    interaction_created_at: datetime | None = None
    original_message_id: int | None = None  # the user's message, for conversation replies
    progress_message_id: int | None = None
    is_admin: bool = False  # Manage Server
    #: Their display name in the server (nickname, else global name; never the username or
    #: id), remembered with their request for the web pages; None: none.
    display_name: str | None = None


@dataclass(frozen=True, slots=True)
class QueueStatus:
    mine: tuple[tuple[JobRecord, int | None], ...]  # my queued/running jobs and their positions
    queued: int
    running: int


@dataclass(frozen=True, slots=True)
class Prepared:
    """A request that has been understood and planned, ready to be queued."""

    spec: RequestSpec | None
    plan: SongPlan
    sections: tuple[int, ...]
    text: str = ""
    parent: ClipRecord | None = None
    relation: ClipRelation | None = None
    previous: StoredSection | None = None
    backend: str | None = None
    quality: Quality = Quality.PREVIEW
    refine: tuple[StoredSection, ...] = ()
    session_id: str | None = None
    session_role: SectionRole | None = None
    kind: JobKind | None = None
    stitch: tuple[StoredSection, ...] = ()
