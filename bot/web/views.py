"""What the templates show: plain frozen view models built from records (no I/O here).

Pages show musical facts, votes, the server's name and creators' display names (as members
set them in the server; looked up by the page handlers) — never user ids or Discord handles.
Links name clips and sessions by their web tokens (``ClipRecord.web_key``), never by short ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.db import ClipRecord, SessionRecord, SessionStatus, TopClip, VoteTally
from bot.runtime.jobs import AudioFormat
from models.plan import SectionRole
from models.styles import STYLES

__all__ = [
    "AUDIO_TYPES",
    "ClipView",
    "SectionView",
    "SessionView",
    "clip_path",
    "clip_view",
    "session_path",
    "session_view",
    "style_title",
    "top_path",
]

#: MIME types of the audio formats (Ogg Opus and Ogg Vorbis share the container type).
AUDIO_TYPES: Mapping[AudioFormat, str] = {
    AudioFormat.OGG: "audio/ogg",
    AudioFormat.OPUS: "audio/ogg",
    AudioFormat.VORBIS: "audio/ogg",
    AudioFormat.MP3: "audio/mpeg",
    AudioFormat.FLAC: "audio/flac",
    AudioFormat.WAV: "audio/wav",
}

_RELATIONS = {"reroll": "reroll of", "variation": "variation of", "extend": "continues"}


def clip_path(web_key: str) -> str:
    """The clip page's path (``ClipRecord.web_key``); its files are below it."""
    return f"/c/{web_key}"


def session_path(web_key: str) -> str:
    """The jam session page's path (``SessionRecord.web_key``)."""
    return f"/s/{web_key}"


def top_path(guild_id: int) -> str:
    """The server leaderboard's path (``?period=`` picks the period; a week by default)."""
    return f"/g/{guild_id}/top"


def style_title(style: str) -> str:
    info = STYLES.get(style)
    return info.title if info else style.replace("-", " ").title()


def _clock(seconds: float) -> str:
    whole = int(seconds)  # as the browser's player shows it
    return f"{whole // 60}:{whole % 60:02d}"


@dataclass(frozen=True, slots=True)
class ClipView:
    id: str
    title: str
    style: str
    key: str
    bpm: str
    meter: str
    seed: int
    backend: str
    duration: str
    duration_s: float
    created: str
    up: int
    down: int
    score: int
    relation: str | None
    url: str
    audio_url: str
    audio_type: str
    audio_name: str
    midi_url: str | None
    midi_name: str
    waveform_url: str | None
    session_url: str | None  # the jam session it was entered in
    creator: str | None  # the maker's display name in the server; None: none to show


def clip_view(
    clip: ClipRecord,
    tally: VoteTally | None = None,
    *,
    names: Mapping[int, str] | None = None,
    maker: str | None = None,
    session_url: str | None = None,
) -> ClipView:
    """The maker's display name: ``maker``, else from ``names`` (display names by user id;
    none there: no creator shown).  ``session_url``: the page of the jam session the clip was
    entered in, if linked."""
    what = clip.section_role.value if clip.section_role else "song"
    style = style_title(clip.style)
    base = clip_path(clip.web_key)
    return ClipView(
        id=clip.id,
        title=f"{style} {what}",
        style=style,
        key=clip.key,
        bpm=f"{clip.bpm:g}",
        meter=clip.meter,
        seed=clip.seed,
        backend=clip.backend,
        duration=_clock(clip.duration_s),
        duration_s=round(clip.duration_s, 3),
        created=clip.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        up=tally.up if tally else 0,
        down=tally.down if tally else 0,
        score=tally.score if tally else 0,
        relation=_RELATIONS.get(clip.relation.value) if clip.relation else None,
        url=base,
        audio_url=f"{base}/audio",
        audio_type=AUDIO_TYPES[clip.audio_format],
        audio_name=f"composer-{clip.id}.{clip.audio_format.extension}",
        midi_url=f"{base}/midi" if clip.midi_path else None,
        midi_name=f"composer-{clip.id}.mid",
        waveform_url=f"{base}/waveform.png" if clip.waveform_path else None,
        session_url=session_url,
        creator=maker or (names or {}).get(clip.user_id),
    )


@dataclass(frozen=True, slots=True)
class SectionView:
    role: str
    bars: int | None
    takes: tuple[ClipView, ...]  # best-voted first
    chosen: str | None  # a closed session's chosen take: the best-voted one


@dataclass(frozen=True, slots=True)
class SessionView:
    id: str
    name: str
    status: str
    style: str
    key: str
    bpm: str
    meter: str
    created: str
    sections: tuple[SectionView, ...]
    podium: tuple[ClipView, ...]  # each section's best take, in song order
    song: ClipView | None
    url: str


def session_view(
    session: SessionRecord,
    takes: Mapping[SectionRole, Sequence[TopClip]],
    song: ClipRecord | None,
) -> SessionView:
    """Takes show their makers' names when read with them (``takes(..., named=True)``); the
    stitched song shows none (it is everyone's)."""
    plan = session.plan
    bars = {s.role: s.bars for s in plan.sections}
    closed = session.status is SessionStatus.CLOSED
    sections = []
    for role in session.roles:
        views = tuple(clip_view(t.clip, t.tally, maker=t.maker) for t in takes.get(role, ()))
        chosen = views[0].id if closed and views else None
        sections.append(SectionView(role.value, bars.get(role), views, chosen))
    podium = tuple(s.takes[0] for s in sections if s.takes and s.takes[0].score > 0)
    return SessionView(
        id=session.id,
        name=session.name,
        status=session.status.value,
        style=style_title(plan.style),
        key=plan.key.name,
        bpm=f"{plan.bpm:g}",
        meter=str(plan.meter),
        created=session.created_at.strftime("%Y-%m-%d"),
        sections=tuple(sections),
        podium=podium,
        song=clip_view(song) if song else None,
        url=session_path(session.web_key),
    )
