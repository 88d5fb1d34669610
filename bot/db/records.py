"""Frozen snapshots of rows: what repositories hand out (never ORM objects)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from bot.errors import LimitExceeded
from bot.runtime.jobs import AudioFormat, ClipFiles, JobKind, JobStatus, RenderJob
from bot.settings import Settings
from models.plan import SectionRole, SongPlan


class JsonSpec(Protocol):
    """What the database needs of a request spec (see :class:`bot.service.spec.RequestSpec`): its
    JSON form.  A protocol, so that storage does not depend on the request service."""

    def to_json_dict(self) -> dict[str, Any]: ...


T = TypeVar("T")
V = TypeVar("V")

__all__ = [
    "CancelOutcome",
    "ClipFamily",
    "ClipRecord",
    "ClipRelation",
    "ForgetResult",
    "GuildSettingsRecord",
    "JobRecord",
    "JobRequest",
    "Limits",
    "Page",
    "Period",
    "QueueSnapshot",
    "QueuedJob",
    "Recovery",
    "SectionResult",
    "SessionClose",
    "SessionRecord",
    "SessionStatus",
    "TopClip",
    "VoteTally",
]


class ClipRelation(StrEnum):
    """How a clip relates to its parent clip."""

    REROLL = "reroll"  # same request, new seed
    VARIATION = "variation"  # same plan, changed details
    EXTEND = "extend"  # the next section, continued from the parent


class CancelOutcome(StrEnum):
    CANCELLED = "cancelled"  # it was waiting: removed from the queue
    REQUESTED = "requested"  # it is running: the worker is being stopped
    FINISHED = "finished"  # too late: it had already finished


class SessionStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL = "all"

    @property
    def days(self) -> int | None:
        return {"week": 7, "month": 30}.get(self.value)


@dataclass(frozen=True, slots=True)
class JobRequest:
    """What ``JobQueue.enqueue`` needs: the render job (ids from :func:`bot.db.ids.new_id`) and
    everything needed to deliver its result after a restart."""

    render: RenderJob
    user_id: int
    guild_id: int | None = None  # None: a DM
    channel_id: int | None = None
    request_text: str = ""
    spec: JsonSpec | Mapping[str, Any] | None = None
    parent_clip_id: str | None = None
    relation: ClipRelation | None = None
    session_id: str | None = None
    session_role: SectionRole | None = None
    application_id: int | None = None
    interaction_token: str | None = None
    interaction_created_at: datetime | None = None
    progress_message_id: int | None = None
    original_message_id: int | None = None
    max_attempts: int | None = None  # None: Settings.job_retries + 1
    #: The requester's display name in the server (nickname, else global name; never the
    #: username), remembered for the web pages; None: none to show (or a DM).
    display_name: str | None = None

    def spec_json(self) -> dict[str, Any] | None:
        if self.spec is None:
            return None
        if isinstance(self.spec, Mapping):
            return dict(self.spec)
        return self.spec.to_json_dict()


@dataclass(frozen=True, slots=True)
class JobRecord:
    id: str
    seq: int
    clip_id: str
    user_id: int
    guild_id: int | None
    channel_id: int | None
    kind: JobKind
    backend: str
    request_text: str
    spec_json: Mapping[str, Any] | None
    render_json: Mapping[str, Any]
    status: JobStatus
    attempts: int
    max_attempts: int
    error: str | None
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    delivered_at: datetime | None
    delivery_ref: str | None
    parent_clip_id: str | None
    relation: ClipRelation | None
    session_id: str | None
    session_role: SectionRole | None
    application_id: int | None
    interaction_token: str | None
    interaction_created_at: datetime | None
    progress_message_id: int | None
    original_message_id: int | None

    @property
    def render(self) -> RenderJob:
        """The :class:`RenderJob` to hand to an executor."""
        return RenderJob.from_dict(self.render_json)


@dataclass(frozen=True, slots=True)
class ClipRecord:
    id: str
    job_id: str | None
    user_id: int
    guild_id: int | None
    channel_id: int | None
    kind: JobKind
    directory: str
    audio_path: str
    audio_format: AudioFormat
    midi_path: str | None
    waveform_path: str | None
    stem_path: str
    state_path: str | None
    body_frames: int
    sample_rate: int
    duration_s: float
    loudness_lufs: float
    true_peak_dbtp: float
    size_bytes: int
    bitrate_kbps: int | None
    notes: tuple[str, ...]
    plan_json: Mapping[str, Any]
    backend: str
    seed: int
    key: str
    bpm: float
    meter: str
    style: str
    section_role: SectionRole | None
    parent_clip_id: str | None
    relation: ClipRelation | None
    session_id: str | None
    posted_message_id: int | None
    created_at: datetime
    web_token: str | None = None  # the id in web links; None: made before web tokens

    @property
    def web_key(self) -> str:
        """What ``/c/<key>`` links use: the web token (legacy clips: their short id)."""
        return self.web_token or self.id

    @property
    def plan(self) -> SongPlan:
        return SongPlan.from_dict(self.plan_json)

    @property
    def files(self) -> ClipFiles:
        return ClipFiles(
            clip_id=self.id,
            directory=self.directory,
            audio_path=self.audio_path,
            audio_format=self.audio_format,
            midi_path=self.midi_path,
            waveform_path=self.waveform_path,
            stem_path=self.stem_path,
            state_path=self.state_path,
            body_frames=self.body_frames,
            sample_rate=self.sample_rate,
            duration_s=self.duration_s,
            loudness_lufs=self.loudness_lufs,
            true_peak_dbtp=self.true_peak_dbtp,
            size_bytes=self.size_bytes,
            bitrate_kbps=self.bitrate_kbps,
            notes=self.notes,
        )


@dataclass(frozen=True, slots=True)
class VoteTally:
    clip_id: str
    up: int
    down: int
    mine: int = 0  # the asking user's vote: +1, -1 or 0

    @property
    def score(self) -> int:
        return self.up - self.down


@dataclass(frozen=True, slots=True)
class TopClip:
    clip: ClipRecord
    tally: VoteTally
    maker: str | None = None  # the maker's display name in the server, when asked for


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a newest-first listing and the total count."""

    items: tuple[T, ...]
    total: int
    offset: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total


@dataclass(frozen=True, slots=True)
class Limits:
    """Effective limits for one server (or a DM), after per-server overrides."""

    max_queued_per_user: int
    max_running_per_user: int
    max_queued_per_guild: int
    max_duration_s: float

    def refusal(self, *, mine: int, in_guild: int | None) -> LimitExceeded | None:
        """The refusal for one more job when ``mine`` of the user's and ``in_guild`` of the server's
        are queued (None: not counted, e.g. a DM), or None when it fits.  One wording for the
        database's transactional check and the bot's in-memory one."""
        if mine >= self.max_queued_per_user:
            return LimitExceeded(
                f"You already have {_songs(mine)} waiting — wait for one to finish or /cancel one."
            )
        if in_guild is not None and in_guild >= self.max_queued_per_guild:
            return LimitExceeded(
                f"This server's queue is full ({_songs(in_guild)} waiting) — "
                "try again in a few minutes."
            )
        return None


def _songs(n: int) -> str:
    return "1 song" if n == 1 else f"{n} songs"


@dataclass(frozen=True, slots=True)
class GuildSettingsRecord:
    """Per-server overrides; None means "the bot's default"."""

    guild_id: int
    allowed_channels: tuple[int, ...] | None = None
    max_duration_s: float | None = None
    max_queued_per_user: int | None = None
    max_running_per_user: int | None = None
    max_queued_per_guild: int | None = None
    default_style: str | None = None
    default_backend: str | None = None
    gallery: bool = False  # web pages for this server's clips (off until an admin turns them on)

    def limits(self, settings: Settings) -> Limits:
        return Limits(
            max_queued_per_user=_pick(self.max_queued_per_user, settings.max_queued_per_user),
            max_running_per_user=_pick(self.max_running_per_user, settings.max_running_per_user),
            max_queued_per_guild=_pick(self.max_queued_per_guild, settings.max_queued_per_guild),
            max_duration_s=_pick(self.max_duration_s, settings.max_duration_s),
        )

    def channel_allowed(self, channel_id: int) -> bool:
        return self.allowed_channels is None or channel_id in self.allowed_channels


def _pick(override: V | None, default: V) -> V:
    return default if override is None else override


@dataclass(frozen=True, slots=True)
class ClipFamily:
    """What a clip's web page shows around it, read in one transaction: its parent and children
    made in the same server, its makers' display names there, and its jam session's link key."""

    parent: ClipRecord | None
    children: tuple[ClipRecord, ...]  # oldest first
    names: Mapping[int, str]  # display names by user id (members without one are left out)
    session_key: str | None  # the session's web key (same server), None: no session


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: str
    guild_id: int
    parent_channel_id: int
    thread_id: int | None
    owner_id: int | None
    name: str
    plan_json: Mapping[str, Any]
    status: SessionStatus
    roles: tuple[SectionRole, ...]  # the sections the session asks for, in song order
    song_clip_id: str | None
    created_at: datetime
    closed_at: datetime | None
    web_token: str | None = None  # the id in web links; None: made before web tokens

    @property
    def web_key(self) -> str:
        """What ``/s/<key>`` links use: the web token (legacy sessions: their short id)."""
        return self.web_token or self.id

    @property
    def plan(self) -> SongPlan:
        return SongPlan.from_dict(self.plan_json)


@dataclass(frozen=True, slots=True)
class SectionResult:
    """One section of a closed session: the best clips (podium, best first) and the chosen one."""

    role: SectionRole
    podium: tuple[TopClip, ...]
    chosen: TopClip | None = None


@dataclass(frozen=True, slots=True)
class SessionClose:
    session: SessionRecord
    sections: tuple[SectionResult, ...] = field(default=())

    @property
    def missing(self) -> tuple[SectionRole, ...]:
        """Section roles nobody contributed a clip for."""
        return tuple(s.role for s in self.sections if s.chosen is None)


@dataclass(frozen=True, slots=True)
class QueuedJob:
    """The part of a queued job the fair ordering needs."""

    seq: int
    id: str
    user_id: int
    guild_id: int | None
    backend: str


@dataclass(frozen=True, slots=True)
class QueueSnapshot:
    """The queue as the scheduler sees it: queued jobs in acceptance order, running jobs per user,
    when each user was last served, and the overrides of the servers involved."""

    queued: tuple[QueuedJob, ...]
    running: Mapping[int, int]
    last_served: Mapping[int, int]
    guild_settings: Mapping[int, GuildSettingsRecord]


@dataclass(frozen=True, slots=True)
class Recovery:
    """What ``recover()`` did after a restart."""

    requeued: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    cancelled: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ForgetResult:
    """What forget-me deleted; ``clip_dirs`` are the clip directories the caller must remove."""

    user_id: int
    jobs: int
    clips: int
    votes: int
    clip_dirs: tuple[str, ...]
    melody_sessions: int = 0  # jam sessions they started on their melody: closed, tune removed
