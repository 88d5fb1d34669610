"""Tiny random Jukebox checkpoints in the on-disk layout the backend loads (tests only).

A few thousand parameters with Jukebox's real structure (three levels, 128 samples per top-level
token, windowed priors).  Random weights sample random-sounding tokens, which is all the tests need:
they check the sampling machinery, not the music.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from models.jukebox.configs import TINY, build_config, transformers_module
from models.plan import Chord, Key, Meter, SectionPlan, SectionRole, SongPlan

__all__ = [
    "TINY_ARTISTS",
    "TINY_GENRES",
    "build_tiny_checkpoint",
    "build_tiny_model",
    "make_plan",
]

# One JSON object, like the real genres.json: v3 names (whole, lower case) and v2 words ("x.v2").
# "synthwave" exists only in v3 and "dark" only in v2, so neither is usable by a v3/v2/v2 model.
TINY_GENRES: dict[str, int] = {
    **{
        name: i
        for i, name in enumerate(
            [
                "unknown",
                "jazz",
                "hip hop",
                "lo-fi",
                "pop",
                "rock",
                "ambient",
                "classical",
                "soundtrack",
                "synthpop",
                "house",
                "funk",
                "blues",
                "electronic",
                "synthwave",
            ]
        )
    },
    **{
        f"{word}.v2": i
        for i, word in enumerate(
            [
                "unknown",
                "jazz",
                "hip",
                "hop",
                "lo",
                "fi",
                "pop",
                "rock",
                "ambient",
                "classical",
                "soundtrack",
                "synthpop",
                "house",
                "funk",
                "blues",
                "electronic",
                "dark",
            ]
        )
    },
}
TINY_ARTISTS: dict[str, int] = {
    "unknown": 0,
    "miles davis": 1,
    "daft punk": 2,
    "unknown.v2": 0,
    "miles_davis.v2": 1,
    "daft_punk.v2": 2,
    "nujabes.v2": 3,
}
_LYRIC_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789 .,!?'\n"


def build_tiny_model(
    spec: dict[str, Any] | None = None, *, seed: int = 0, sharpen: float = 4.0, **overrides: Any
) -> Any:
    """A randomly initialised tiny ``JukeboxModel`` (config built directly: trap 8).

    ``sharpen`` scales the untied output projections (the top prior's) so that a random model's
    next-token distributions are peaked enough for its samples to depend visibly on context.
    """
    import torch

    config = build_config(spec or TINY, **overrides)
    torch.manual_seed(seed)
    model = transformers_module().JukeboxModel(config)
    model.init_weights()  # trap 1: the constructor leaves some weights uninitialised (NaN logits)
    with torch.no_grad():
        for prior in model.priors:
            if prior.prior.fc_proj_out.weight is not prior.prior.embed_tokens.weight:
                prior.prior.fc_proj_out.weight.mul_(sharpen)
    return model.eval()


def build_tiny_checkpoint(
    directory: Path,
    spec: dict[str, Any] | None = None,
    *,
    seed: int = 0,
    versions: tuple[str, ...] = ("v3", "v2", "v2"),
    **overrides: Any,
) -> Path:
    """Write a tiny checkpoint (model + tokenizer vocab files) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    model = build_tiny_model(spec, seed=seed, **overrides)
    # trap 2: safetensors refuses the upsamplers' tied weights; .bin reloads bit-exactly.
    model.save_pretrained(str(directory), safe_serialization=False)
    files = {
        "artists.json": TINY_ARTISTS,
        "genres.json": TINY_GENRES,
        "lyrics.json": {c: i + 1 for i, c in enumerate(_LYRIC_CHARS)},
    }
    for name, vocab in files.items():
        (directory / name).write_text(json.dumps(vocab), encoding="utf-8")
    tokenizer = transformers_module().JukeboxTokenizer(
        str(directory / "artists.json"),
        str(directory / "genres.json"),
        str(directory / "lyrics.json"),
        version=list(versions),
    )
    tokenizer.save_pretrained(str(directory))
    return directory


def make_plan(
    *,
    style: str = "jazz",
    seed: int = 7,
    bars: tuple[int, ...] = (2, 2),
    bpm: float = 240.0,
    mood: str | None = None,
    prompt: str = "",
) -> SongPlan:
    """A short plan (2 s sections at the defaults: 62-63 top-level tokens each)."""
    roles = (SectionRole.INTRO, SectionRole.VERSE, SectionRole.CHORUS, SectionRole.OUTRO)
    sections = []
    start = 0
    for index, n_bars in enumerate(bars):
        sections.append(
            SectionPlan(roles[index % len(roles)], index, n_bars, start, 0.5, (Chord(0, "min"),))
        )
        start += n_bars
    return SongPlan(
        key=Key.parse("A minor"),
        bpm=bpm,
        meter=Meter(4, 4),
        style=style,
        instruments=(),
        motif=(),
        sections=tuple(sections),
        seed=seed,
        mood=mood,
        prompt=prompt,
    )
