"""MusicGen-Melody's chroma condition, computed without torchaudio.

MusicGen-Melody is conditioned on a chromagram: per STFT frame, which of the 12 pitch classes is
loudest (a one-hot vector).  This follows transformers' ``MusicgenMelodyFeatureExtractor`` step by
step (a Hann-windowed power spectrogram normalised by the window's energy, librosa-style chroma
filters from ``transformers.audio_utils``, argmax per frame), with ``torch.stft`` instead of
torchaudio, which has no build for the torch this project pins.  Settings come from the
checkpoint's ``preprocessor_config.json``.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

from models.base import BackendError

__all__ = ["ChromaExtractor", "ChromaSettings"]

Chroma = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class ChromaSettings:
    """The feature extractor's settings (the defaults are facebook/musicgen-melody's)."""

    sampling_rate: int = 32_000
    n_fft: int = 16_384
    hop_length: int = 4096
    num_chroma: int = 12
    chunk_length_s: int = 30  # longer audio is cut

    @classmethod
    def from_file(cls, path: Path) -> ChromaSettings:
        try:
            raw: dict[str, Any] = json.loads(path.read_text())
            settings = cls(
                sampling_rate=int(raw["sampling_rate"]),
                n_fft=int(raw["n_fft"]),
                hop_length=int(raw["hop_length"]),
                num_chroma=int(raw.get("num_chroma", raw.get("feature_size", 12))),
                chunk_length_s=int(raw.get("chunk_length", 30)),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BackendError(
                f"{path} is not a MusicGen-Melody feature extractor config: {exc!r}"
            ) from exc
        if min(settings.sampling_rate, settings.n_fft, settings.hop_length) <= 0:
            raise BackendError(f"{path} has non-positive chroma settings")
        return settings

    @property
    def frame_rate(self) -> float:
        """Chroma frames per second."""
        return self.sampling_rate / self.hop_length


class ChromaExtractor:
    """Mono audio at ``settings.sampling_rate`` → ``(frames, num_chroma)`` one-hot float32."""

    def __init__(self, settings: ChromaSettings) -> None:
        self.settings = settings
        audio_utils: Any = importlib.import_module("transformers.audio_utils")
        bank = audio_utils.chroma_filter_bank(
            sampling_rate=settings.sampling_rate,
            num_frequency_bins=settings.n_fft,
            tuning=0,
            num_chroma=settings.num_chroma,
        )
        self._filters = torch.from_numpy(np.asarray(bank)).float()
        self._window = torch.hann_window(settings.n_fft)
        self._window_norm = float(self._window.pow(2).sum().sqrt())

    def __call__(self, audio: npt.NDArray[Any]) -> Chroma:
        s = self.settings
        wave = torch.as_tensor(np.asarray(audio, dtype=np.float32).reshape(-1))
        wave = wave[: s.chunk_length_s * s.sampling_rate]
        if wave.shape[0] < s.n_fft:
            pad = s.n_fft - wave.shape[0]
            wave = torch.nn.functional.pad(wave, (pad // 2, pad - pad // 2))
        spec = torch.stft(
            wave,
            n_fft=s.n_fft,
            hop_length=s.hop_length,
            win_length=s.n_fft,
            window=self._window,
            center=True,
            pad_mode="reflect",
            normalized=False,
            onesided=True,
            return_complex=True,
        )
        power = (spec / self._window_norm).abs().pow(2)  # (bins, frames)
        raw = self._filters @ power  # (chroma, frames)
        peak = raw.argmax(dim=0)
        onehot = torch.nn.functional.one_hot(peak, s.num_chroma).to(torch.float32)
        return np.ascontiguousarray(onehot.numpy(), dtype=np.float32)

    def frames(self, samples: int) -> int:
        """How many chroma frames ``samples`` of audio give."""
        s = self.settings
        n = max(min(samples, s.chunk_length_s * s.sampling_rate), s.n_fft)
        return n // s.hop_length + 1
