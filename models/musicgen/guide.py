"""The guide MusicGen-Melody follows: the embedded composer's render of the section, melody first.

The song plan decides the music (key, tempo, chords, motif, a user's own melody when the plan
carries one); the embedded composer writes the section from it and renders it with a General MIDI
SoundFont at the chroma extractor's rate.  MusicGen-Melody was trained on chroma taken from the
melodic stems of songs (Demucs' "vocals" and "other", without drums and bass), so the guide is a
dry mix that leaves out the rhythm section and puts the lead in front: one pitch class per chroma
frame, mostly the melody's.
"""

from __future__ import annotations

import dataclasses
import logging
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from models.base import BackendConfig
from models.embedded.backend import EmbeddedBackend
from models.embedded.backend import load as load_embedded
from models.embedded.render import RenderSettings
from models.embedded.score import Score
from models.plan import PartRole, SectionPlan, SongPlan

__all__ = ["GUIDE_LEVELS_DB", "GuideRenderer"]

log = logging.getLogger(__name__)

Audio = npt.NDArray[np.float32]

#: Level of each part in the guide relative to the composer's own mix (dB); ``None`` leaves the
#: part out.  Like MusicGen-Melody's training chroma: no drums, no bass, the tune on top.
GUIDE_LEVELS_DB: MappingProxyType[PartRole, float | None] = MappingProxyType(
    {
        PartRole.LEAD: +6.0,  # the melody / motif decides most frames
        PartRole.TEXTURE: -4.0,  # arpeggios and counter-lines
        PartRole.HARMONY: -6.0,  # chords fill the frames where the melody rests
        PartRole.PAD: -10.0,
        PartRole.BASS: None,
        PartRole.DRUMS: None,
    }
)


class GuideRenderer:
    """Renders sections of a plan as mono guide audio at ``sample_rate`` (the chroma rate)."""

    def __init__(self, embedded: EmbeddedBackend) -> None:
        self._embedded = embedded

    @classmethod
    def load(cls, config: BackendConfig, sample_rate: int) -> GuideRenderer:
        """The embedded composer with ``config.soundfont`` (or its bundled SoundFont), rendering
        at ``sample_rate``."""
        return cls(load_embedded(dataclasses.replace(config, sample_rate=sample_rate)))

    @property
    def sample_rate(self) -> int:
        return self._embedded.sample_rate

    def score(self, plan: SongPlan, section: SectionPlan) -> Score:
        """The composer's score of the section with only the guide's parts, at the guide's
        levels (:data:`GUIDE_LEVELS_DB`)."""
        score = self._embedded.compose(plan, section)
        kept = []
        for track in score.tracks:
            level = GUIDE_LEVELS_DB.get(track.role)
            if level is None or track.is_drum:
                continue
            track.level_db += level
            kept.append(track)
        return dataclasses.replace(score, tracks=kept)

    def render(self, plan: SongPlan, section: SectionPlan, duration_s: float) -> Audio:
        """The section's guide, mono float32, exactly ``duration_s`` long (cut, or padded with
        silence where the composer's tempo map ends early); dry, no master effects."""
        score = self.score(plan, section)
        frames = round(duration_s * self.sample_rate)
        if not any(t.notes for t in score.tracks):
            log.info("section %d has no melodic parts: the guide is silent", section.index)
            return np.zeros(frames, dtype=np.float32)
        renderer = self._embedded.renderer
        renderer.calibrate(score)
        settings = RenderSettings(reverb_wet=0.0, tail_s=0.0, fade_out_s=0.0)  # dry
        stereo, _ = renderer.render(score, settings)
        mono = stereo.mean(axis=1)[:frames]
        if mono.shape[0] < frames:
            mono = np.pad(mono, (0, frames - mono.shape[0]))
        return np.ascontiguousarray(mono, dtype=np.float32)

    def close(self) -> None:
        self._embedded.close()
