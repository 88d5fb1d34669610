"""MusicGen-Melody as a composer-bot backend: the plan decides the music, the model its sound.

Each section is first written and rendered by the embedded composer (:mod:`models.musicgen.guide`:
melodic parts only, lead in front); its chromagram (:mod:`models.musicgen.chroma`) conditions
MusicGen-Melody together with the MusicGen text prompt made from the plan.  Everything else is the
MusicGen backend's (:class:`~models.musicgen.backend.MusicgenBackend`): sections primed with the
previous section's tail (here given to the decoder as EnCodec codes, which transformers'
MusicGen-Melody does not do itself), windows for long sections, seeding, progress, cancelling.
See docs/musicgen.md.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import torch

from models.base import BackendConfig, BackendError
from models.musicgen.audio import resample
from models.musicgen.backend import MusicgenBackend, Window
from models.musicgen.chroma import ChromaExtractor, ChromaSettings
from models.musicgen.generation import StepMeter
from models.musicgen.guide import GuideRenderer
from models.musicgen.loading import (
    CheckpointFiles,
    check_codec,
    find_checkpoint,
    offline_transformers,
    place_model,
)
from models.plan import SectionPlan, SongPlan

__all__ = [
    "MELODY_LAYOUT_HINT",
    "LoadedMelody",
    "MusicgenMelodyBackend",
    "keep_condition_at_first_step",
    "load",
    "load_melody",
]

log = logging.getLogger(__name__)

Audio = npt.NDArray[np.float32]

LABEL = "MusicGen-Melody"
MELODY_LAYOUT_HINT = (
    "put a MusicGen-Melody checkpoint there: config.json, generation_config.json and "
    "model.safetensors written by MusicgenMelodyForConditionalGeneration.save_pretrained(dir), "
    "plus preprocessor_config.json, tokenizer.json (or spiece.model) and tokenizer_config.json "
    "written by MusicgenMelodyProcessor.save_pretrained(dir), e.g. a copy of "
    "facebook/musicgen-melody (see docs/musicgen.md)"
)


def keep_condition_at_first_step(model: Any) -> None:
    """Make ``model.generate()`` use its text and chroma condition again (in place, idempotent).

    MusicGen-Melody puts its condition (chroma frames, then text) before the audio codes and feeds
    it once, at the first decoder step.  transformers 4.57's ``generate()`` creates an empty cache
    before that step, and the model's ``prepare_inputs_for_generation`` drops the condition
    whenever a cache exists, so every section came out unconditioned (huggingface/transformers
    #45647, fixed upstream later).  Here the first step sees no cache, as before that change;
    the empty cache object is handed on so that generation fills and reuses it.
    """
    if getattr(model, "_keeps_condition_at_first_step", False):
        return
    original = model.prepare_inputs_for_generation

    # (``generate()`` checks its keyword arguments against a parameter named ``kwargs``.)
    def prepare(decoder_input_ids: Any, past_key_values: Any = None, **kwargs: Any) -> Any:
        first = past_key_values is not None and past_key_values.get_seq_length() == 0
        cache = None if first else past_key_values
        inputs = original(decoder_input_ids, past_key_values=cache, **kwargs)
        if first:
            inputs["past_key_values"] = past_key_values
        return inputs

    model.prepare_inputs_for_generation = prepare
    model._keeps_condition_at_first_step = True


@dataclass(frozen=True, slots=True)
class LoadedMelody:
    """A loaded ``MusicgenMelodyForConditionalGeneration`` and T5 tokenizer (typed Any)."""

    model: Any
    tokenizer: Any
    chroma: ChromaSettings
    device: torch.device
    dtype: torch.dtype


def load_melody(
    files: CheckpointFiles, *, device: str = "cpu", half_precision: bool = True
) -> LoadedMelody:
    """Model, tokenizer and chroma settings from ``files`` only (offline), on ``device``.

    The tokenizer is loaded alone: ``MusicgenMelodyProcessor`` would also build transformers'
    chroma extractor, which needs torchaudio; :class:`ChromaExtractor` does the same without it.
    """
    hf, target = offline_transformers(device)
    root = str(files.root)
    try:
        model_type = json.loads(files.config.read_text()).get("model_type")
    except (OSError, ValueError, AttributeError) as exc:
        raise BackendError(f"{files.config} is unreadable: {exc}") from exc
    if model_type != "musicgen_melody":
        raise BackendError(
            f"{root} holds a {model_type!r} checkpoint, not MusicGen-Melody "
            "(use the musicgen backend for plain MusicGen checkpoints)"
        )
    chroma = ChromaSettings.from_file(files.root / "preprocessor_config.json")
    try:
        tokenizer = hf.AutoTokenizer.from_pretrained(root, local_files_only=True)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise BackendError(f"{LABEL} tokenizer files in {root} are unreadable: {exc}") from exc
    try:
        model = hf.MusicgenMelodyForConditionalGeneration.from_pretrained(
            root, local_files_only=True
        )
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise BackendError(f"{LABEL} weights in {root} could not be loaded: {exc}") from exc
    check_codec(model, LABEL)
    if int(model.config.num_chroma) != chroma.num_chroma:
        raise BackendError(
            f"{LABEL} checkpoint is inconsistent: the model takes {model.config.num_chroma} "
            f"chroma bins, preprocessor_config.json makes {chroma.num_chroma}"
        )
    dtype = place_model(model, target, half_precision=half_precision, label=LABEL)
    keep_condition_at_first_step(model)
    log.info(
        "loaded %s from %s on %s (%d Hz, %d codebooks, chroma at %d Hz, %s)",
        LABEL,
        root,
        target,
        int(model.config.audio_encoder.sampling_rate),
        int(model.config.decoder.num_codebooks),
        chroma.sampling_rate,
        dtype,
    )
    return LoadedMelody(model, tokenizer, chroma, target, dtype)


def load(config: BackendConfig) -> MusicgenMelodyBackend:
    """Factory entry point (``models.factory``): weights only from ``checkpoint_dir``; the guide
    is rendered with ``config.soundfont`` (or the embedded composer's bundled SoundFont)."""
    files = find_checkpoint(config.checkpoint_dir, label=LABEL, hint=MELODY_LAYOUT_HINT)
    loaded = load_melody(files, device=config.device, half_precision=config.half_precision)
    guide = GuideRenderer.load(config, loaded.chroma.sampling_rate)
    return MusicgenMelodyBackend(
        loaded.model,
        loaded.tokenizer,
        ChromaExtractor(loaded.chroma),
        guide,
        device=loaded.device,
        dtype=loaded.dtype,
        sample_rate=config.sample_rate,
    )


class MusicgenMelodyBackend(MusicgenBackend):
    """Takes an already-built ``MusicgenMelodyForConditionalGeneration``, its T5 tokenizer (as
    ``processor``), a chroma extractor and a guide renderer.

    Sampling defaults are audiocraft's for MusicGen: guidance 3.0, top-k 250, temperature 1.0.
    ``context_s`` and ``window_s`` are the MusicGen backend's; a window's chroma covers the
    window's audio prompt (the audio itself) and the guide of what it generates.
    """

    name: ClassVar[str] = "musicgen-melody"

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        chroma: ChromaExtractor,
        guide: GuideRenderer,
        *,
        top_k: int | None = 250,
        temperature: float | None = 1.0,
        **settings: Any,
    ) -> None:
        super().__init__(model, tokenizer, top_k=top_k, temperature=temperature, **settings)
        if guide.sample_rate != chroma.settings.sampling_rate:
            raise ValueError("the guide must be rendered at the chroma extractor's rate")
        keep_condition_at_first_step(model)
        self.chroma = chroma
        self.guide_renderer = guide

    def guide(self, plan: SongPlan, section: SectionPlan, duration_s: float) -> Audio:
        """The section's guide: the embedded composer's melody-forward render, mono, at the
        chroma rate."""
        return self.guide_renderer.render(plan, section, duration_s)

    def condition_audio(self, window: Window) -> Audio:
        """What the window's chroma is taken from, mono at the chroma rate: its audio prompt
        (the audio the output starts with), then the guide over the frames it generates."""
        rate = self.chroma.settings.sampling_rate
        parts: list[Audio] = []
        if window.context is not None:
            parts.append(resample(window.context.mean(axis=0), self.model_rate, rate))
        if window.guide is not None:
            start = round(window.offset * rate / self.model_rate)
            end = round(
                (window.offset + window.chunk.new * self.hop_length) * rate / self.model_rate
            )
            span = window.guide[start:end]
            parts.append(np.pad(span, (0, end - start - span.shape[0])))
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)

    def _prompt_codes(self, model: Any, context: Audio) -> torch.Tensor:
        """The audio prompt as decoder input ids ``(codebooks, frames)``: EnCodec codes, one set
        per channel interleaved for stereo checkpoints (as transformers' MusicGen does)."""
        values = torch.from_numpy(np.ascontiguousarray(context)).to(self.device)[None]
        codec = model.audio_encoder
        if self.channels == 1:
            codes = codec.encode(values[:, :1]).audio_codes[0, 0]
        else:
            left = codec.encode(values[:, :1]).audio_codes[0, 0]
            right = codec.encode(values[:, 1:2]).audio_codes[0, 0]
            codes = torch.stack([left, right], dim=1).reshape(-1, left.shape[-1])
        return torch.as_tensor(codes)

    def _call(self, model: Any, window: Window, meter: StepMeter) -> Audio:
        text = self.processor([window.text], padding=True, return_tensors="pt")
        features = torch.from_numpy(self.chroma(self.condition_audio(window)))[None]
        kwargs: dict[str, Any] = {
            "input_ids": text["input_ids"].to(self.device),
            "attention_mask": text["attention_mask"].to(self.device),
            "input_features": features.to(self.device, self.dtype),
        }
        with torch.inference_mode():
            if window.context is not None:
                kwargs["decoder_input_ids"] = self._prompt_codes(model, window.context)
            values = model.generate(**kwargs, **self.sampling_kwargs(window.chunk), streamer=meter)
        return np.asarray(values[0].float().cpu().numpy(), dtype=np.float32)

    def close(self) -> None:
        super().close()
        self.guide_renderer.close()
