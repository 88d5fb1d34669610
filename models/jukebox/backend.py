"""The Jukebox backend: OpenAI Jukebox through transformers 4.57.6, one section at a time.

Every section of a song uses the same conditioning (from the one song plan) and every later
section continues from the stored top-level tokens of the section before it, so sections join
into one piece instead of separate clips.  ``quality="preview"`` decodes the top level directly;
``"full"`` upsamples through both upsamplers and decodes the finest level.  See docs/jukebox.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np
import torch

from models.base import (
    BackendConfig,
    BackendError,
    MusicBackend,
    ProgressCallback,
    SectionAudio,
    UnsupportedRequest,
)
from models.jukebox.continuation import Context, context_from_previous, refined_tokens
from models.jukebox.labels import map_conditioning
from models.jukebox.loading import LoadedJukebox, find_checkpoint, load_checkpoint
from models.jukebox.sampling import (
    ProgressMeter,
    build_labels,
    count_new_tokens,
    decode_tokens,
    derive_seed,
    sample_level,
    seeded,
)
from models.jukebox.state import JukeboxState
from models.jukebox.timeline import label_total_samples, section_span
from models.plan import SectionPlan, SongPlan

__all__ = ["ATTRIBUTION", "JukeboxBackend", "JukeboxOptions", "load"]

log = logging.getLogger(__name__)

QUALITIES = ("preview", "full")
#: OpenAI's licence asks that content made with Jukebox says so; it is non-commercial only.
ATTRIBUTION = "Made with OpenAI's Jukebox (non-commercial use only)"


@dataclass(frozen=True, slots=True)
class JukeboxOptions:
    """Sampling knobs; the defaults are Jukebox's own."""

    top_temperature: float = 0.98
    upsampler_temperature: float = 0.99
    chunk_size: int = 128  # context tokens primed per forward pass
    decode_context_s: float = 1.0  # earlier audio decoded with a preview to smooth its start


def load(config: BackendConfig) -> JukeboxBackend:
    """Factory entry point (``models.factory``); weights come only from ``checkpoint_dir``."""
    files = find_checkpoint(config.checkpoint_dir)
    loaded = load_checkpoint(files, device=config.device, half_precision=config.half_precision)
    return JukeboxBackend(loaded)


class JukeboxBackend(MusicBackend):
    name: ClassVar[str] = "jukebox"
    needs_previous: ClassVar[bool] = True

    def __init__(self, loaded: LoadedJukebox, options: JukeboxOptions | None = None) -> None:
        self._loaded: LoadedJukebox | None = loaded
        self._options = options or JukeboxOptions()
        self._sample_rate = loaded.geometry.sample_rate

    @property
    def sample_rate(self) -> int:
        return self._sample_rate

    @property
    def loaded(self) -> LoadedJukebox:
        if self._loaded is None:
            raise BackendError("the Jukebox backend was closed")
        return self._loaded

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
        del tail_s  # a window's audio is what the model sampled: nothing to spare
        if quality not in QUALITIES:
            raise UnsupportedRequest(
                f"Jukebox quality must be 'preview' or 'full', not {quality!r}"
            )
        try:
            return self._generate(
                plan, section, previous=previous, refine=refine, quality=quality, progress=progress
            )
        except torch.cuda.OutOfMemoryError as exc:
            raise BackendError(
                "Jukebox ran out of GPU memory; try a shorter section, preview quality or a "
                "bigger GPU"
            ) from exc

    def _generate(
        self,
        plan: SongPlan,
        section: SectionPlan,
        *,
        previous: SectionAudio | None,
        refine: SectionAudio | None,
        quality: str,
        progress: ProgressCallback | None,
    ) -> SectionAudio:
        loaded = self.loaded
        model, geo, device = loaded.model, loaded.geometry, loaded.device
        opts = self._options
        span = section_span(plan, section, geo)
        n = span.n_tokens
        conditioning = map_conditioning(plan, loaded.vocab)
        notes = [ATTRIBUTION, *conditioning.notes]

        stored: JukeboxState | None = None
        if refine is not None:
            stored, top_local = refined_tokens(
                refine,
                section.index,
                span,
                geometry=geo,
                checkpoint_id=loaded.checkpoint_id,
                device=device,
            )
            conditioning = replace(stored.conditioning, notes=conditioning.notes)
        context = context_from_previous(
            previous,
            span,
            model=model,
            geometry=geo,
            checkpoint_id=loaded.checkpoint_id,
            device=device,
        )
        if context.note:
            notes.append(context.note)
        labels = build_labels(conditioning, model, device)
        c = int(context.top.shape[1])
        # A context longer than the song before this section (continuing another song's clip)
        # is placed from the song's start; the length label then covers it.
        offset = max(0, span.start_token - c)
        r = geo.raw_to_tokens[0]
        total = label_total_samples(max(span.song_samples, (offset + c + n) * r), geo)

        # Work estimate, in sampled tokens (decoding counts as a few percent).
        units = 0 if stored else count_new_tokens(c, c + n, geo.n_ctx[0], geo.hop[0])
        before = int(top_local.shape[1]) - n if stored else c  # top tokens before the section
        s = min(context.lower_span, before) if quality == "full" else 0
        if quality == "full":
            for level in range(1, geo.levels):
                ratio = geo.ratio(level)
                units += count_new_tokens(
                    s * ratio, (s + n) * ratio, geo.n_ctx[level], geo.hop[level]
                )
        decode_units = max(1, units // 50)
        meter = ProgressMeter(progress, units + decode_units)
        meter.stage("preparing")

        if stored is None:
            with seeded(derive_seed(plan.seed, section.index, 0), device):
                top_local = sample_level(
                    model,
                    0,
                    context.top,
                    c + n,
                    labels=labels[0],
                    offset=offset,
                    total_samples=total,
                    hop=geo.hop[0],
                    temperature=opts.top_temperature,
                    chunk_size=opts.chunk_size,
                    meter=meter,
                    label="top level",
                )
        own = [top_local[:, top_local.shape[1] - n :]]

        if quality == "full":
            local = self._upsample(
                plan,
                section,
                top_local=top_local,
                context=context,
                lower_span=s,
                n=n,
                start_token=span.start_token,
                labels=labels,
                total=total,
                meter=meter,
            )
            own += [lv[:, lv.shape[1] - n * geo.ratio(i + 1) :] for i, lv in enumerate(local)]
            meter.stage("decoding")
            audio = decode_tokens(model, local[-1], geo.levels - 1)
        else:
            meter.stage("decoding")
            extra = min(
                top_local.shape[1] - n,
                int(opts.decode_context_s * geo.sample_rate) // geo.raw_to_tokens[0],
            )
            audio = decode_tokens(model, top_local[:, top_local.shape[1] - n - extra :], 0)
        frames = n * r
        audio = audio[len(audio) - frames :]
        meter.advance(decode_units)

        source = stored.source if stored else context.source
        # The song's top-level tokens up to here: this section and the context it continued.
        history = top_local[:, max(0, top_local.shape[1] - (geo.history_tokens() + n)) :]
        state = JukeboxState(
            checkpoint_id=loaded.checkpoint_id,
            section_index=section.index,
            start_token=span.start_token,
            levels=tuple(t[0].cpu().numpy().astype(np.int32) for t in own),
            history=history[0].cpu().numpy().astype(np.int32),
            conditioning=conditioning,
            seed=plan.seed,
            source=source,
            quality=quality,
            extra={
                "song_samples": span.song_samples,
                "label_total_samples": total,
                "sample_rate": geo.sample_rate,
                "context_tokens": int(top_local.shape[1]) - n,
                "lower_context_tokens": s,
            },
        )
        meter.finish()
        stereo = np.repeat(audio[:, None], 2, axis=1).astype(np.float32)
        log.info(
            "jukebox section %d (%s): %d top tokens, %s, from %s",
            section.index,
            section.role.value,
            n,
            quality,
            source,
        )
        return SectionAudio(
            audio=stereo,
            sample_rate=geo.sample_rate,
            body_frames=frames,
            state=state.to_bytes(),
            notes=tuple(notes),
        )

    def _upsample(
        self,
        plan: SongPlan,
        section: SectionPlan,
        *,
        top_local: torch.Tensor,
        context: Context,
        lower_span: int,
        n: int,
        start_token: int,
        labels: list[torch.Tensor],
        total: int,
        meter: ProgressMeter,
    ) -> list[torch.Tensor]:
        """Local arrays of every upsampled level over ``[start - s, end)`` in top-level tokens,
        ``s = lower_span``: the stretch before the section whose lower-level tokens are known."""
        loaded = self.loaded
        geo = loaded.geometry
        s = lower_span
        upper = top_local[:, top_local.shape[1] - (s + n) :]
        result = []
        for level in range(1, geo.levels):
            ratio = geo.ratio(level)
            known = context.lower[level - 1]
            known = known[:, known.shape[1] - s * ratio :] if s else known[:, :0]
            with seeded(derive_seed(plan.seed, section.index, level), loaded.device):
                upper = sample_level(
                    loaded.model,
                    level,
                    known,
                    (s + n) * ratio,
                    labels=labels[level],
                    offset=max(0, start_token - s) * ratio,
                    total_samples=total,
                    hop=geo.hop[level],
                    upper=upper,
                    temperature=self._options.upsampler_temperature,
                    chunk_size=self._options.chunk_size,
                    meter=meter,
                    label=f"upsampling level {level}",
                )
            result.append(upper)
        return result

    def close(self) -> None:
        loaded, self._loaded = self._loaded, None
        if loaded is not None and loaded.device.type == "cuda":
            del loaded
            torch.cuda.empty_cache()
