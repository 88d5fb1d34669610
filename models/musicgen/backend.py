"""The MusicGen backend: Meta's MusicGen through transformers, one section at a time.

Each section is generated from a text prompt made from the one song plan (style, mood,
instruments, key, tempo, the section's role and energy).  A section that follows another is primed
with the last seconds of the previous section's audio (an audio prompt), so the music carries on
instead of starting afresh; the prompt's frames are cut from the output.  Sections are exactly
their bars long at ``BackendConfig.sample_rate``, stereo.  See docs/musicgen.md.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import torch

from models.base import (
    BackendConfig,
    BackendError,
    MusicBackend,
    ProgressCallback,
    SectionAudio,
)
from models.musicgen.audio import prompt_from_previous, to_output
from models.musicgen.generation import Chunk, StepMeter, derive_seed, plan_chunks, seeded
from models.musicgen.loading import find_checkpoint, load_checkpoint
from models.musicgen.prompting import section_bounds, text_prompt
from models.plan import SectionPlan, SongPlan

__all__ = ["ATTRIBUTION", "MusicgenBackend", "Window", "load"]

log = logging.getLogger(__name__)

#: Meta's MusicGen weights are licensed CC-BY-NC 4.0: attribution, non-commercial use only.
ATTRIBUTION = "Made with Meta's MusicGen (CC-BY-NC 4.0 weights: non-commercial use only)"

Audio = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Window:
    """One ``generate()`` call of a section.

    ``context``: the audio prompt, ``(channels, samples)`` at the model's rate (``None``: none).
    ``offset``: where the call's new audio starts, in samples at the model's rate from the
    section's first downbeat.  ``guide``: what the section should sound like, from
    :meth:`MusicgenBackend.guide` (``None`` for plain MusicGen).
    """

    text: str
    context: Audio | None
    chunk: Chunk
    offset: int
    guide: Audio | None = None


def load(config: BackendConfig) -> MusicgenBackend:
    """Factory entry point (``models.factory``); weights come only from ``checkpoint_dir``."""
    files = find_checkpoint(config.checkpoint_dir)
    loaded = load_checkpoint(files, device=config.device, half_precision=config.half_precision)
    return MusicgenBackend(
        loaded.model,
        loaded.processor,
        device=loaded.device,
        dtype=loaded.dtype,
        sample_rate=config.sample_rate,
    )


class MusicgenBackend(MusicBackend):
    """Takes an already-built ``MusicgenForConditionalGeneration`` and ``MusicgenProcessor``.

    ``guidance_scale``: classifier-free guidance (MusicGen's default 3.0).  ``context_s``: seconds
    of the previous section (and, in long sections, of the previous window) given as the audio
    prompt.  ``window_s``: the most audio one ``generate()`` call holds, prompt included (MusicGen
    was trained on 30 s).  ``top_k`` and ``temperature``: sampling settings (``None``: the
    checkpoint's generation config).  There is one quality; ``quality`` and ``refine`` are ignored.
    Subclasses condition windows on more than text by overriding :meth:`guide` and :meth:`_call`.
    """

    name: ClassVar[str] = "musicgen"
    needs_previous: ClassVar[bool] = True

    def __init__(
        self,
        model: Any,
        processor: Any,
        *,
        device: torch.device | None = None,
        dtype: torch.dtype = torch.float32,
        sample_rate: int = 48_000,
        guidance_scale: float = 3.0,
        context_s: float = 3.0,
        window_s: float = 30.0,
        top_k: int | None = None,
        temperature: float | None = None,
    ) -> None:
        if sample_rate <= 0 or guidance_scale < 0 or context_s < 0 or window_s <= 0:
            raise ValueError("bad MusicGen backend settings")
        if (top_k is not None and top_k < 1) or (temperature is not None and temperature <= 0):
            raise ValueError("top_k must be at least 1 and temperature positive")
        self._model: Any = model
        self._processor = processor
        self._device = device or torch.device("cpu")
        self._dtype = dtype
        self._sample_rate = sample_rate
        self.guidance_scale = guidance_scale
        self.top_k = top_k
        self.temperature = temperature
        codec, decoder = model.config.audio_encoder, model.config.decoder
        self.model_rate = int(codec.sampling_rate)
        self.hop_length = int(np.prod(codec.upsampling_ratios))
        self.codebooks = int(decoder.num_codebooks)
        self.channels = int(decoder.audio_channels)
        self.frame_rate = self.model_rate / self.hop_length
        self.context_s = context_s
        self.context_frames = int(context_s * self.frame_rate)
        self.window_frames = int(window_s * self.frame_rate)
        plan_chunks(  # fails now, not on the first job, when the window cannot hold the context
            1,
            first_prompt=self.context_frames,
            context=self.context_frames,
            window=self.window_frames,
            codebooks=self.codebooks,
        )

    @property
    def sample_rate(self) -> int:
        return self._sample_rate

    @property
    def device(self) -> torch.device:
        return self._device

    @property
    def dtype(self) -> torch.dtype:
        return self._dtype

    @property
    def processor(self) -> Any:
        return self._processor

    @property
    def model(self) -> Any:
        if self._model is None:
            raise BackendError("the MusicGen backend was closed")
        return self._model

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
        try:
            return self._generate(plan, section, previous=previous, progress=progress)
        except torch.cuda.OutOfMemoryError as exc:
            raise BackendError(
                "MusicGen ran out of GPU memory; try a shorter section or a smaller checkpoint"
            ) from exc

    def _generate(
        self,
        plan: SongPlan,
        section: SectionPlan,
        *,
        previous: SectionAudio | None,
        progress: ProgressCallback | None,
    ) -> SectionAudio:
        model = self.model
        hop = self.hop_length
        bounds = section_bounds(plan, section, self._sample_rate)
        need = math.ceil(bounds.frames / self._sample_rate * self.model_rate)
        text = text_prompt(plan, section)
        notes = [ATTRIBUTION]

        prompt: Audio | None = None
        if previous is not None:
            prompt = prompt_from_previous(
                previous,
                frames=self.context_frames,
                sample_rate=self.model_rate,
                channels=self.channels,
                hop_length=hop,
            )
            if prompt is None:
                notes.append("the previous section was too short to continue from")
        # (channels, samples) at the model's rate: the audio just before the next window.
        history = np.zeros((self.channels, 0), dtype=np.float32)
        if prompt is not None:
            history = prompt.reshape(self.channels, -1)
        chunks = plan_chunks(
            math.ceil(need / hop),
            first_prompt=history.shape[1] // hop,
            context=self.context_frames,
            window=self.window_frames,
            codebooks=self.codebooks,
        )
        meter = StepMeter(progress, sum(c.steps for c in chunks))
        meter.stage("preparing")
        guide = self.guide(plan, section, bounds.frames / self._sample_rate)
        log.info(
            "musicgen section %d (%s): %.2f s in %d call(s), prompt %.2f s, %r",
            section.index,
            section.role.value,
            bounds.frames / self._sample_rate,
            len(chunks),
            history.shape[1] / self.model_rate,
            text,
        )
        pieces: list[Audio] = []
        for i, chunk in enumerate(chunks):
            meter.stage("generating" if len(chunks) == 1 else f"generating {i + 1}/{len(chunks)}")
            context = history[:, history.shape[1] - chunk.prompt * hop :] if chunk.prompt else None
            offset = sum(p.shape[1] for p in pieces)
            window = Window(text=text, context=context, chunk=chunk, offset=offset, guide=guide)
            with seeded(derive_seed(plan.seed, section.index, i), self._device):
                out = self._call(model, window, meter)
            start, length = chunk.prompt * hop, chunk.new * hop
            if out.shape[1] < start + length:
                raise BackendError(
                    f"MusicGen returned {out.shape[1]} samples where {start + length} were expected"
                )
            new = out[:, start : start + length]
            pieces.append(new)
            keep = self.context_frames * hop
            history = np.concatenate([history, new], axis=1)[:, -keep:] if keep else history
        audio = np.concatenate(pieces, axis=1)
        if not np.isfinite(audio).all():
            raise BackendError(
                "MusicGen produced invalid audio (NaN); the checkpoint may be broken"
            )
        stereo = to_output(audio, self.model_rate, self._sample_rate, bounds.frames)
        meter.finish()
        return SectionAudio(
            audio=stereo,
            sample_rate=self._sample_rate,
            body_frames=bounds.frames,
            notes=tuple(notes),
        )

    def guide(self, plan: SongPlan, section: SectionPlan, duration_s: float) -> Audio | None:
        """What every window of the section is also conditioned on (given to :meth:`_call` as
        ``Window.guide``); plain MusicGen has text only."""
        del plan, section, duration_s
        return None

    def sampling_kwargs(self, chunk: Chunk) -> dict[str, Any]:
        """The sampling settings of one ``generate()`` call."""
        kwargs: dict[str, Any] = {
            "do_sample": True,
            "guidance_scale": self.guidance_scale,
            "max_new_tokens": chunk.steps,
        }
        if self.top_k is not None:
            kwargs["top_k"] = self.top_k
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        return kwargs

    def _call(self, model: Any, window: Window, meter: StepMeter) -> Audio:
        """One ``generate()`` call; returns ``(channels, samples)`` float32 at the model's rate,
        starting with the (re-decoded) prompt when there is one."""
        kwargs: dict[str, Any] = {"text": [window.text], "padding": True, "return_tensors": "pt"}
        if window.context is not None:
            kwargs["audio"] = [window.context[0] if self.channels == 1 else window.context]
            kwargs["sampling_rate"] = self.model_rate
        inputs = {k: v.to(self._device) for k, v in self._processor(**kwargs).items()}
        with torch.inference_mode():
            values = model.generate(**inputs, **self.sampling_kwargs(window.chunk), streamer=meter)
        return np.asarray(values[0].float().cpu().numpy(), dtype=np.float32)

    def close(self) -> None:
        model, self._model = self._model, None
        if model is not None and self._device.type == "cuda":
            del model
            torch.cuda.empty_cache()
