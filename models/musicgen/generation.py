"""How a section is generated in ``generate()`` calls: chunking, seeding and progress.

MusicGen was trained on 30 s clips; a longer section is generated in windows, each primed with
the last seconds of the audio before it (the previous section's tail for the first window),
as audiocraft's ``extend_stride`` does.  MusicGen's delay pattern makes a call of ``steps``
decoder steps yield ``steps - (num_codebooks - 1)`` new EnCodec frames.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch

from models.base import ProgressCallback

__all__ = ["Chunk", "StepMeter", "derive_seed", "plan_chunks", "seeded"]


@dataclass(frozen=True, slots=True)
class Chunk:
    """One ``generate()`` call: ``prompt`` frames of audio prompt, ``new`` frames generated."""

    prompt: int
    new: int
    codebooks: int

    @property
    def steps(self) -> int:
        """Decoder steps (``max_new_tokens``) that yield ``new`` frames after the prompt."""
        return self.new + self.codebooks - 1


def plan_chunks(
    frames: int, *, first_prompt: int, context: int, window: int, codebooks: int
) -> tuple[Chunk, ...]:
    """Calls that generate ``frames`` new frames.

    ``first_prompt``: frames of audio prompt from the previous section (0: none); later calls are
    primed with up to ``context`` frames of the audio before them.  A call's prompt plus new frames
    plus the delay pattern fit in ``window`` frames.  Every call generates at least
    ``codebooks`` frames (shorter calls skip transformers' delay pattern); extra frames at the
    end are cut off by the caller.
    """
    if frames < 1 or codebooks < 1 or not 0 <= first_prompt <= context:
        raise ValueError("bad chunk parameters")
    if window - context - codebooks < codebooks:
        raise ValueError(
            f"a window of {window} frames leaves too little room after {context} frames of context"
        )
    chunks = []
    done = 0
    prompt = first_prompt
    while done < frames:
        room = window - prompt - codebooks
        new = max(codebooks, min(frames - done, room))
        chunks.append(Chunk(prompt, new, codebooks))
        done += new
        prompt = min(context, first_prompt + done)
    return tuple(chunks)


def derive_seed(seed: int, section_index: int, chunk: int = 0) -> int:
    """A 63-bit seed for one window of one section, from the plan's seed."""
    digest = hashlib.sha256(f"musicgen:{seed}:{section_index}:{chunk}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & ((1 << 63) - 1)


@contextmanager
def seeded(seed: int, device: torch.device) -> Iterator[None]:
    """Seed torch's generators for a block and restore the previous state afterwards (sampling in
    ``generate()`` draws from the global generator)."""
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


class StepMeter:
    """Turns decoder steps into ``progress(fraction, label)`` calls, at most ~200 per section
    plus one per stage.  It is also the ``streamer`` given to ``generate()``: transformers calls
    ``put`` once with the start tokens and then once per decoder step, so an exception raised by
    the callback stops generation between two steps."""

    def __init__(self, callback: ProgressCallback | None, total_steps: int) -> None:
        self._callback = callback
        self._total = max(1, total_steps)
        self._done = 0
        self._label = ""
        self._last = -1
        self._primed = False
        self._finished = False

    @property
    def done(self) -> int:
        return self._done

    def stage(self, label: str) -> None:
        """Start a stage (one ``generate()`` call); the next ``put`` holds its start tokens."""
        self._label = label
        self._primed = False
        self._report(force=True)

    def put(self, value: Any) -> None:
        if not self._primed:
            self._primed = True
            return
        self._done += 1
        self._report(force=False)

    def end(self) -> None:
        """Called by transformers when a ``generate()`` call finishes."""

    def finish(self, label: str = "done") -> None:
        self._done = self._total
        self._finished = True
        self._label = label
        self._report(force=True)

    def _report(self, *, force: bool) -> None:
        if self._callback is None:
            return
        fraction = min(1.0, self._done / self._total)
        if not self._finished:
            fraction = min(fraction, 0.99)  # 1.0 only once the audio is ready
        step = int(fraction * 200)
        if force or step != self._last:
            self._last = step
            self._callback(fraction, self._label)
