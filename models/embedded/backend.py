"""The embedded composer as a :class:`~models.base.MusicBackend` (the default backend).

No weights and no GPU: a symbolic composer writes every section from the song plan and a General
MIDI SoundFont renders it on the CPU.  The SoundFont is loaded once per backend instance.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import ClassVar

from models.base import (
    BackendConfig,
    BackendError,
    MusicBackend,
    ProgressCallback,
    SectionAudio,
)
from models.embedded.arrangements import arrangement_for
from models.embedded.composer import compose_section
from models.embedded.production import production_for
from models.embedded.render import Renderer, RenderSettings
from models.embedded.score import Score
from models.embedded.soundfonts import resolve_soundfont, timgm6mb_path
from models.midi import section_midi
from models.plan import SectionPlan, SectionRole, SongPlan
from models.styles import STYLE_IDS

__all__ = ["EmbeddedBackend", "default_soundfont", "load", "render_settings"]

log = logging.getLogger(__name__)

#: Seconds of audio kept after the final bar line (note releases and the room).
TAIL_S = 1.5
ENDING_TAIL_S = 2.0


def default_soundfont() -> Path:
    """``TimGM6mb.sf2`` as shipped inside the installed ``pretty_midi`` package."""
    return timgm6mb_path()


class EmbeddedBackend(MusicBackend):
    name: ClassVar[str] = "embedded"
    needs_previous: ClassVar[bool] = False
    #: Two sections at once: one synthesises (TinySoundFont holds the GIL) while the other
    #: runs its effects (pedalboard releases it).  The synth itself is shared under a lock.
    concurrent_sections: ClassVar[int] = 2

    def __init__(self, renderer: Renderer, *, midi: bool = True) -> None:
        self._renderer: Renderer | None = renderer
        self._midi = midi  # whether sections carry their MIDI file

    @property
    def renderer(self) -> Renderer:
        """The synthesiser (SoundFont loaded), e.g. for stems or benchmarks."""
        if self._renderer is None:
            raise BackendError("the embedded backend was closed")
        return self._renderer

    @property
    def sample_rate(self) -> int:
        return self.renderer.sample_rate

    @property
    def soundfont(self) -> Path:
        return self.renderer.soundfont

    def close(self) -> None:
        """Drop the synthesiser and its SoundFont; later calls raise :class:`BackendError`."""
        self._renderer = None

    def compose(self, plan: SongPlan, section: SectionPlan) -> Score:
        """The score of one section (what :meth:`generate` renders), for tests and tools."""
        _check(plan, section)
        return compose_section(plan, section)

    def generate(
        self,
        plan: SongPlan,
        section: SectionPlan,
        *,
        previous: SectionAudio | None = None,
        refine: SectionAudio | None = None,
        quality: str = "preview",
        progress: ProgressCallback | None = None,
        tail_s: float | None = None,
    ) -> SectionAudio:
        del previous, refine, quality  # sections are independent; one quality
        if progress is not None:
            progress(0.0, "composing")
        score = self.compose(plan, section)
        self.renderer.calibrate(score)
        if progress is not None:
            progress(0.2, "rendering")
        audio, body_frames = self.renderer.render(score, render_settings(plan, section, tail_s))
        midi = section_midi(score) if self._midi else None
        if progress is not None:
            progress(1.0, "rendered")
        log.debug(
            "embedded %s %s: %d notes, %.1f s",
            plan.style,
            section.role.value,
            score.note_count,
            body_frames / self.sample_rate,
        )
        return SectionAudio(
            audio=audio,
            sample_rate=self.sample_rate,
            body_frames=body_frames,
            midi=midi,
            notes=_remarks(plan),
        )


def render_settings(
    plan: SongPlan, section: SectionPlan, tail_s: float | None = None
) -> RenderSettings:
    """How a section of ``plan`` is rendered: its (sub-)style's production, tail and gain;
    ``tail_s``: only that much tail is wanted (synthesis and effects stop there, its second
    half faded out)."""
    ending = section.role is SectionRole.OUTRO
    tail, fade = (ENDING_TAIL_S, 0.6) if ending else (TAIL_S, 0.25)
    if tail_s is not None and tail_s < tail:
        tail, fade = tail_s, tail_s / 2
    return RenderSettings(
        production=production_for(plan.style, plan.substyle),
        section_role=section.role.value,
        gain_db=arrangement_for(plan.style, plan.substyle).gain_db,
        tail_s=tail,
        fade_out_s=fade,
        seed=plan.seed * 131 + section.index,
    )


def _check(plan: SongPlan, section: SectionPlan) -> None:
    if plan.style not in STYLE_IDS:
        allowed = ", ".join(STYLE_IDS)
        raise BackendError(f"unknown style {plan.style!r} (the composer plays: {allowed})")
    if section not in plan.sections:
        raise BackendError(f"section {section.index} ({section.role.value}) is not in this plan")


def _remarks(plan: SongPlan) -> tuple[str, ...]:
    ignored = plan.extra("ignored_instruments")
    if not ignored:
        return ()
    return (f"No instrument for: {ignored.replace(',', ', ')} (kept the style's own parts).",)


def load(config: BackendConfig) -> EmbeddedBackend:
    """Build the embedded backend: load the SoundFont once at ``config.sample_rate``:
    ``config.soundfont`` (a path or a name, see :mod:`models.embedded.soundfonts`), else the
    GM SoundFont shipped with pretty_midi."""
    path = resolve_soundfont(config.soundfont)
    log.debug("embedded backend: SoundFont %s", path)
    return EmbeddedBackend(Renderer(path, config.sample_rate), midi=config.midi)
