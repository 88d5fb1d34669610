"""The continuation state stored with every Jukebox section (``SectionAudio.state``).

Bytes of a ``numpy.savez`` archive (no pickles): one int32 array per sampled level with the
section's own tokens (``level_0`` = top, always present; ``level_1``/``level_2`` after a full
render), ``history`` (the song's top-level tokens up to the section's end, at most one window, to
continue from) and ``header`` (UTF-8 JSON: checkpoint, position, conditioning, seed, source).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from models.base import BackendError
from models.jukebox.labels import Conditioning

__all__ = ["STATE_FORMAT", "JukeboxState", "StateError"]

STATE_FORMAT = 1
_MAGIC = "composer-bot/jukebox"

Tokens = npt.NDArray[np.int32]


class StateError(BackendError):
    """Stored state is not a readable Jukebox state."""


@dataclass(frozen=True, slots=True)
class JukeboxState:
    """Tokens of one rendered section and what they were made with."""

    checkpoint_id: str
    section_index: int
    start_token: int  # song position (top-level tokens) of the section's first token
    levels: tuple[Tokens, ...]  # own tokens per sampled level, top first
    history: Tokens  # top-level tokens ending at the section's end
    conditioning: Conditioning
    seed: int
    source: str  # "ancestral", "tokens" (continued from stored tokens) or "audio" (re-encoded)
    quality: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.levels or self.levels[0].ndim != 1 or self.history.ndim != 1:
            raise ValueError("a Jukebox state needs 1-D top-level tokens")
        top = self.levels[0]
        tail = min(len(top), len(self.history))
        if not np.array_equal(self.history[len(self.history) - tail :], top[len(top) - tail :]):
            raise ValueError("history must end with the section's own top-level tokens")

    @property
    def end_token(self) -> int:
        return self.start_token + len(self.levels[0])

    @property
    def history_start(self) -> int:
        return self.end_token - len(self.history)

    def to_bytes(self) -> bytes:
        header = {
            "magic": _MAGIC,
            "format": STATE_FORMAT,
            "checkpoint_id": self.checkpoint_id,
            "section_index": self.section_index,
            "start_token": self.start_token,
            "n_levels": len(self.levels),
            "conditioning": self.conditioning.to_dict(),
            "seed": self.seed,
            "source": self.source,
            "quality": self.quality,
            "extra": dict(self.extra),
        }
        arrays: dict[str, npt.NDArray[Any]] = {
            "header": np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8),
            "history": np.asarray(self.history, dtype=np.int32),
        }
        for level, tokens in enumerate(self.levels):
            arrays[f"level_{level}"] = np.asarray(tokens, dtype=np.int32)
        buffer = io.BytesIO()
        np.savez(buffer, allow_pickle=False, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> JukeboxState:
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                header: Any = json.loads(bytes(archive["header"]).decode("utf-8"))
                if not isinstance(header, dict) or header.get("magic") != _MAGIC:
                    raise StateError("stored state was not made by the Jukebox backend")
                if int(header["format"]) != STATE_FORMAT:
                    raise StateError(f"unsupported Jukebox state format {header['format']}")
                levels = tuple(
                    np.asarray(archive[f"level_{i}"], dtype=np.int32)
                    for i in range(int(header["n_levels"]))
                )
                history = np.asarray(archive["history"], dtype=np.int32)
            return cls(
                checkpoint_id=str(header["checkpoint_id"]),
                section_index=int(header["section_index"]),
                start_token=int(header["start_token"]),
                levels=levels,
                history=history,
                conditioning=Conditioning.from_dict(header["conditioning"]),
                seed=int(header["seed"]),
                source=str(header["source"]),
                quality=str(header["quality"]),
                extra=dict(header.get("extra") or {}),
            )
        except StateError:
            raise
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
            raise StateError(f"stored Jukebox state is unreadable: {exc}") from exc
