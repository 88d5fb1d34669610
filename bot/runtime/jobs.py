"""Jobs and their results as frozen dataclasses, statuses as ``str`` enums.

A :class:`RenderJob` is everything a worker process needs to make one clip; it travels over the
worker pipe as JSON.  A :class:`ClipFiles` is what a worker hands back: files already written
atomically into the clip store, plus measurements.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from models.plan import SongPlan

__all__ = [
    "AudioFormat",
    "ClipFiles",
    "JobKind",
    "JobProgress",
    "JobStatus",
    "OutputSpec",
    "Quality",
    "RenderJob",
    "Stage",
    "StoredSection",
]


class JobKind(StrEnum):
    SECTION = "section"  # one section of a plan
    SONG = "song"  # every section of a plan, in order, stitched
    STITCH = "stitch"  # stored section clips stitched into one song (jam sessions)


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)


class Quality(StrEnum):
    PREVIEW = "preview"
    FULL = "full"


class AudioFormat(StrEnum):
    OGG = "ogg"  # Ogg Opus, 160 kb/s VBR: the default; Discord plays it inline
    OPUS = "opus"  # Ogg Opus (.ogg) at a chosen bitrate: the small-upload fallback
    VORBIS = "vorbis"  # Ogg Vorbis (.ogg) through libsndfile, on request
    MP3 = "mp3"
    FLAC = "flac"
    WAV = "wav"

    @property
    def extension(self) -> str:
        return "ogg" if self in (AudioFormat.OPUS, AudioFormat.VORBIS) else self.value

    @property
    def lossless(self) -> bool:
        return self in (AudioFormat.FLAC, AudioFormat.WAV)

    @classmethod
    def parse(cls, text: str) -> AudioFormat:
        """``"ogg"``, ``"opus"``, ``"vorbis"``, ``"mp3"``, ``"flac"``, ``"wav"`` (any case)."""
        name = text.strip().lower().lstrip(".")
        name = {"oga": "ogg", "wave": "wav"}.get(name, name)
        try:
            return cls(name)
        except ValueError:
            allowed = ", ".join(f.value for f in cls)
            raise ValueError(f"unknown audio format {text!r} (formats: {allowed})") from None


@dataclass(frozen=True, slots=True)
class OutputSpec:
    """How to deliver the audio.  ``max_bytes`` is the upload limit (None: no limit)."""

    format: AudioFormat = AudioFormat.OGG
    max_bytes: int | None = None
    bitrate_kbps: int | None = None  # None: the format's default
    waveform: bool = True
    #: A lossless copy of the last section for continuations and stitching (the bot's clips);
    #: the CLI writes only the files asked for.
    stem: bool = True
    #: When nothing fits ``max_bytes``: keep the first encoding (the result is delivered as a
    #: link to its web page) instead of failing the job.
    oversize_ok: bool = False


@dataclass(frozen=True, slots=True)
class StoredSection:
    """A finished section in the clip store, for continuation and stitching."""

    clip_id: str
    stem_path: str  # lossless, unmastered section audio (FLAC) with its tail
    body_frames: int
    sample_rate: int
    state_path: str | None = None  # backend continuation state (e.g. Jukebox tokens)


@dataclass(frozen=True, slots=True)
class RenderJob:
    job_id: str
    clip_id: str
    kind: JobKind
    backend: str
    plan: SongPlan
    sections: tuple[int, ...]  # indices into plan.sections, rendered in this order
    output: OutputSpec = field(default_factory=OutputSpec)
    quality: Quality = Quality.PREVIEW
    previous: StoredSection | None = None
    stitch: tuple[StoredSection, ...] = ()
    refine: tuple[StoredSection, ...] = ()  # stored renders of `sections` to redo at `quality`
    timeout_s: float = 300.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "clip_id": self.clip_id,
            "kind": self.kind.value,
            "backend": self.backend,
            "plan": self.plan.to_dict(),
            "sections": list(self.sections),
            "output": {
                "format": self.output.format.value,
                "max_bytes": self.output.max_bytes,
                "bitrate_kbps": self.output.bitrate_kbps,
                "waveform": self.output.waveform,
                "stem": self.output.stem,
                "oversize_ok": self.output.oversize_ok,
            },
            "quality": self.quality.value,
            "previous": _stored_to_dict(self.previous) if self.previous else None,
            "stitch": [_stored_to_dict(s) for s in self.stitch],
            "refine": [_stored_to_dict(s) for s in self.refine],
            "timeout_s": self.timeout_s,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RenderJob:
        out = data.get("output") or {}
        return cls(
            job_id=str(data["job_id"]),
            clip_id=str(data["clip_id"]),
            kind=JobKind(data["kind"]),
            backend=str(data["backend"]),
            plan=SongPlan.from_dict(data["plan"]),
            sections=tuple(int(i) for i in data["sections"]),
            output=OutputSpec(
                format=AudioFormat(out.get("format", "ogg")),
                max_bytes=out.get("max_bytes"),
                bitrate_kbps=out.get("bitrate_kbps"),
                waveform=bool(out.get("waveform", True)),
                stem=bool(out.get("stem", True)),
                oversize_ok=bool(out.get("oversize_ok", False)),
            ),
            quality=Quality(data.get("quality", "preview")),
            previous=_stored_from_dict(data["previous"]) if data.get("previous") else None,
            stitch=tuple(_stored_from_dict(s) for s in data.get("stitch", ())),
            refine=tuple(_stored_from_dict(s) for s in data.get("refine", ())),
            timeout_s=float(data.get("timeout_s", 300.0)),
        )


def _stored_to_dict(s: StoredSection) -> dict[str, Any]:
    return {
        "clip_id": s.clip_id,
        "stem_path": s.stem_path,
        "body_frames": s.body_frames,
        "sample_rate": s.sample_rate,
        "state_path": s.state_path,
    }


def _stored_from_dict(d: Mapping[str, Any]) -> StoredSection:
    return StoredSection(
        clip_id=str(d["clip_id"]),
        stem_path=str(d["stem_path"]),
        body_frames=int(d["body_frames"]),
        sample_rate=int(d["sample_rate"]),
        state_path=d.get("state_path"),
    )


@dataclass(frozen=True, slots=True)
class ClipFiles:
    """A finished clip in the store.  Paths are absolute; the directory was renamed into place
    atomically before this object exists."""

    clip_id: str
    directory: str
    audio_path: str
    audio_format: AudioFormat
    midi_path: str | None
    waveform_path: str | None
    stem_path: str  # FLAC of the last (or only) section, unmastered, for continuation/stitching
    # ("" when the job asked for no stem: the CLI's)
    state_path: str | None
    body_frames: int  # of the stem
    sample_rate: int
    duration_s: float
    loudness_lufs: float
    true_peak_dbtp: float
    size_bytes: int
    bitrate_kbps: int | None = None
    notes: tuple[str, ...] = ()  # user-facing remarks from the backend

    def to_dict(self) -> dict[str, Any]:
        return {
            "clip_id": self.clip_id,
            "directory": self.directory,
            "audio_path": self.audio_path,
            "audio_format": self.audio_format.value,
            "midi_path": self.midi_path,
            "waveform_path": self.waveform_path,
            "stem_path": self.stem_path,
            "state_path": self.state_path,
            "body_frames": self.body_frames,
            "sample_rate": self.sample_rate,
            "duration_s": self.duration_s,
            "loudness_lufs": self.loudness_lufs,
            "true_peak_dbtp": self.true_peak_dbtp,
            "size_bytes": self.size_bytes,
            "bitrate_kbps": self.bitrate_kbps,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ClipFiles:
        return cls(
            clip_id=str(d["clip_id"]),
            directory=str(d["directory"]),
            audio_path=str(d["audio_path"]),
            audio_format=AudioFormat(d["audio_format"]),
            midi_path=d.get("midi_path"),
            waveform_path=d.get("waveform_path"),
            stem_path=str(d["stem_path"]),
            state_path=d.get("state_path"),
            body_frames=int(d["body_frames"]),
            sample_rate=int(d["sample_rate"]),
            duration_s=float(d["duration_s"]),
            loudness_lufs=float(d["loudness_lufs"]),
            true_peak_dbtp=float(d["true_peak_dbtp"]),
            size_bytes=int(d["size_bytes"]),
            bitrate_kbps=d.get("bitrate_kbps"),
            notes=tuple(str(n) for n in d.get("notes", ())),
        )

    def as_stored_section(self) -> StoredSection:
        return StoredSection(
            clip_id=self.clip_id,
            stem_path=self.stem_path,
            body_frames=self.body_frames,
            sample_rate=self.sample_rate,
            state_path=self.state_path,
        )


class Stage(StrEnum):
    QUEUED = "queued"
    LOADING = "loading"
    SECTION = "section"
    STITCHING = "stitching"
    MASTERING = "mastering"
    ENCODING = "encoding"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class JobProgress:
    """A progress report: ``stage``, section ``k`` of ``n`` (1-based; 0 when not rendering),
    ``fraction`` of the whole job done (0..1) and a short human label."""

    job_id: str
    stage: Stage
    fraction: float
    section: int = 0
    sections: int = 0
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "stage": self.stage.value,
            "fraction": self.fraction,
            "section": self.section,
            "sections": self.sections,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> JobProgress:
        return cls(
            job_id=str(d["job_id"]),
            stage=Stage(d["stage"]),
            fraction=float(d["fraction"]),
            section=int(d.get("section", 0)),
            sections=int(d.get("sections", 0)),
            message=str(d.get("message", "")),
        )
